from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from aegis.access import found, requires

from . import checkpoints, selectors, services
from .forms import LogFilters


@requires("view_audit_log")
@require_safe
def log_view(request: HttpRequest) -> HttpResponse:
    filters = LogFilters(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    who = chosen.get("who", "").strip()
    actor_ids = (
        get_user_model().objects.filter(username=who).values_list("pk", flat=True) if who else None
    )
    shown = selectors.entries(
        actor_ids=actor_ids,
        action=chosen.get("what", "").strip(),
        since=chosen.get("since"),
        until=chosen.get("until"),
    )
    page = Paginator(shown, 100).get_page(request.GET.get("page"))

    # Who each id is, for the page's entries at once: ids alone had left the auditor unable
    # to read who did what (usernames are no secret here: sign-in looks them up in clear).
    def user_object(entry: Any) -> int:
        return (
            int(entry.object_id) if entry.object_type == "user" and entry.object_id.isdigit() else 0
        )

    check, now = selectors.latest_check(), timezone.now()
    ids = {e.actor_id or 0 for e in page} | {user_object(e) for e in page}
    ids.add((check.requested_by if check is not None else None) or 0)
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    for entry in page:
        setattr(entry, "actor_name", names.get(entry.actor_id or 0, ""))  # noqa: B010
        setattr(entry, "object_name", names.get(user_object(entry), ""))  # noqa: B010
    stalled = check is not None and check.stalled(now)
    under_way = check is not None and check.under_way(now)
    context = {
        "page": page,
        "filters": filters,
        "filtered": any(chosen.get(name) for name in LogFilters.base_fields),
        "check": check,
        # Who asked for it by name, beside their id, as the entries' actors are shown.
        "check_by": _named(check.requested_by, names) if check is not None else "",
        "stalled": stalled,
        "under_way": under_way,
        # While the worker checks, the page reloads itself to show how far it has come, as
        # long as the auditor lets it (a link on the page stops it).
        "follow": under_way and request.GET.get("follow") == "1",
        "checkpoints": selectors.recent_checkpoints(),
        "key_id": checkpoints.key_id(),
    }
    return render(request, "audit/log.html", context)


def _named(user_id: int | None, names: dict[int, str]) -> str:
    if user_id is None:
        return ""
    return f"{names[user_id]} ({user_id})" if user_id in names else str(user_id)


@requires("view_audit_log")
@require_POST
def check_request(request: HttpRequest) -> HttpResponse:
    services.request_check(request.user.pk)
    return redirect(reverse("audit:log") + "?follow=1#integrity")


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
@require_safe
def checkpoint_statement(request: HttpRequest, checkpoint_id: int) -> HttpResponse:
    stored = found(selectors.checkpoint(checkpoint_id), _("There is no such checkpoint."))
    return _download(stored.statement, f"aegis-{stored.chain}-{stored.seq}.json")


@requires("view_audit_log")
@require_safe
def checkpoint_signature(request: HttpRequest, checkpoint_id: int) -> HttpResponse:
    stored = found(selectors.checkpoint(checkpoint_id), _("There is no such checkpoint."))
    return _download(stored.signature, f"aegis-{stored.chain}-{stored.seq}.json.minisig")


@requires("view_audit_log")
@require_safe
def public_key(request: HttpRequest) -> HttpResponse:
    return _download(checkpoints.public_key_file(), "aegis-audit.pub")
