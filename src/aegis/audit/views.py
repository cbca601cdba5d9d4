from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aegis.access import found, requires

from . import checkpoints, selectors, services


@requires("view_audit_log")
def log_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.entries(), 100).get_page(request.GET.get("page"))
    checked, problem = (None, None)
    if request.GET.get("verify") == "1":
        checked, problem = selectors.verify_chain()
    context = {
        "page": page,
        "checked": checked,
        "problem": problem,
        "checkpoints": selectors.recent_checkpoints(),
        "key_id": checkpoints.key_id(),
    }
    return render(request, "audit/log.html", context)


@requires("view_audit_log")
@require_POST
def checkpoint_take(request: HttpRequest) -> HttpResponse:
    try:
        stored = services.take_checkpoint()
    except services.CheckpointRefused:
        messages.error(
            request,
            _(
                "No checkpoint was signed: the log is empty or does not verify. "
                "Check its integrity."
            ),
        )
    else:
        messages.success(
            request,
            _("Checkpoint of entry %(seq)s signed. Download it and keep it off this server.")
            % {"seq": stored.seq},
        )
    return redirect("audit:log")


def _download(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires("view_audit_log")
def checkpoint_statement(request: HttpRequest, checkpoint_id: int) -> HttpResponse:
    stored = found(selectors.checkpoint(checkpoint_id), _("There is no such checkpoint."))
    return _download(stored.statement, f"aegis-audit-{stored.seq}.json")


@requires("view_audit_log")
def checkpoint_signature(request: HttpRequest, checkpoint_id: int) -> HttpResponse:
    stored = found(selectors.checkpoint(checkpoint_id), _("There is no such checkpoint."))
    return _download(stored.signature, f"aegis-audit-{stored.seq}.json.minisig")


@requires("view_audit_log")
def public_key(request: HttpRequest) -> HttpResponse:
    return _download(checkpoints.public_key_file(), "aegis-audit.pub")
