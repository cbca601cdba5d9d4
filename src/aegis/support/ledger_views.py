"""The ledger for auditors (amounts, dates, kinds, pseudonymous grant references: never an
identity) and the programme summary for coordinators (counts and sums, no identity)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from aegis.access import requires
from aegis.audit import services as audit

from . import ledger, money, selectors
from .exports import ledger_csv


@requires("view_audit_log")
@require_safe
def ledger_page(request: HttpRequest) -> HttpResponse:
    checked, problem = (None, None)
    if request.GET.get("verify") == "1":
        checked, problem = ledger.verify()
    return render(
        request,
        "support/ledger.html",
        {
            "page": Paginator(selectors.ledger_entries(), 100).get_page(request.GET.get("page")),
            "checked": checked,
            "problem": problem,
            "checkpoints": ledger.recent_checkpoints(),
            "key_id": audit.instance_key()[0],
        },
    )


@requires("view_audit_log")
@require_POST
def ledger_checkpoint_take(request: HttpRequest) -> HttpResponse:
    try:
        stored = ledger.take_checkpoint()
    except audit.CheckpointRefused:
        messages.error(
            request,
            _(
                "No checkpoint was signed: the ledger is empty or does not verify. "
                "Check its integrity."
            ),
        )
    else:
        messages.success(
            request,
            _("Checkpoint of ledger entry %(seq)s signed. Download it and keep it off this server.")
            % {"seq": stored.seq},
        )
    return redirect(reverse("support:ledger") + "#checkpoints")


@requires("view_audit_log")
@require_safe
def ledger_export(request: HttpRequest) -> HttpResponse:
    audit.record("export", actor_id=request.user.pk, object_type="ledger", object_id="csv")
    response = HttpResponse(
        ledger_csv(selectors.ledger_entries().order_by("seq")),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="aegis-grant-ledger.csv"'
    return response


@requires("coordinate")
@require_safe
def summary(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "support/summary.html",
        {
            "totals": selectors.grant_totals(),
            "referrals": selectors.referral_totals(),
            "base": money.base_currency(),
            "due": selectors.providers_due().count(),
        },
    )
