"""Pages of emergency grants. Caseworkers request, do due diligence, record receipts and
reports; coordinators approve, reject, disburse and close. The two-person rule is the
service's: these pages only show its refusal."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aegis import confirm
from aegis.access import found, requires
from aegis.cases import selectors as cases
from aegis.rules import RuleError, flash_refusal, refusal_on, show_on

from . import money, selectors, services
from .forms import (
    ApproveForm,
    DiligenceForm,
    DisburseForm,
    GrantForm,
    ReportForm,
    ReturnForm,
)
from .models import Grant
from .vocabulary import GrantStatus

STAFF = "view_cases"
COORDINATOR = "coordinate"


def _grant(request: HttpRequest, grant_id: int) -> Grant:
    return found(selectors.grant_for(request.user, grant_id))


@requires(STAFF)
@require_safe
def grants(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = selectors.grants(request.user, status=status if status in GrantStatus.values else "")
    return render(
        request,
        "support/grants.html",
        {
            "page": Paginator(rows, 25).get_page(request.GET.get("page")),
            "statuses": GrantStatus.choices,
            "status": status,
            "awaiting": selectors.awaiting_approval(request.user)
            if request.user.has_perm("accounts.coordinate")
            else [],
            "reports_due": selectors.reports_due(request.user),
        },
    )


@requires(STAFF)
@require_http_methods(["GET", "POST"])
def grant_new(request: HttpRequest) -> HttpResponse:
    visible = cases.visible_cases(request.user).order_by("-opened_at")[:200]
    form = GrantForm(
        request.POST or None, initial={"case": request.GET.get("case", "")}, cases=visible
    )
    if request.method == "POST" and form.is_valid():
        case = cases.case_for(request.user, form.cleaned_data["case"])
        if case is None:
            form.add_error("case", _("Choose one of your cases."))
        else:
            data = form.cleaned_data
            with refusal_on(form):
                made = services.request_grant(
                    case,
                    actor=request.user,
                    beneficiary=data["beneficiary"],
                    group_size=data["group_size"],
                    grant_type=data["grant_type"],
                    urgency=data["urgency"],
                    need=data["need"],
                    amount=data["amount"],
                    currency=data["currency"],
                    rate_to_base=data["rate_to_base"],
                    other_funders=data["other_funders"],
                    budget_lines=form.lines(),
                )
                messages.success(
                    request,
                    _("Grant %(ref)s is requested; due diligence comes next.")
                    % {"ref": made.reference},
                )
                return redirect("support:grant", grant_id=made.pk)
    return render(
        request,
        "support/grant_form.html",
        {"form": form, "base": money.base_currency()},
        status=422 if form.errors else 200,
    )


@requires(STAFF)
@require_safe
def grant(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _page(request, _grant(request, grant_id))


def _page(request: HttpRequest, shown: Grant, bound: Any = None) -> HttpResponse:
    """The grant page; `bound` is {name: form} for a form sent back with its errors, shown
    with what was typed (422)."""
    file = selectors.grant_file(shown)
    user = request.user
    context: dict[str, Any] = {
        "file": file,
        "grant": shown,
        "base": money.base_currency(),
        "rate": money.plain(file.rate),
        "coordinator": user.has_perm("accounts.coordinate"),
        "may_approve": shown.status == GrantStatus.DILIGENCE
        and user.pk not in {shown.requested_by_id, shown.diligence_by_id}
        and not any(a.approver_id == user.pk for a in file.approvals),
        "open": shown.status
        not in {GrantStatus.CLOSED, GrantStatus.REJECTED, GrantStatus.WITHDRAWN},
        **{name: make(shown, None) for name, make in FORMS.items()},
        **(bound or {}),
    }
    return render(request, "support/grant.html", context, status=422 if bound else 200)


def _approve_form(shown: Grant, data: Any) -> ApproveForm:
    foreign = shown.currency != money.base_currency()
    return ApproveForm(
        data,
        first=not shown.approvals.exists(),
        # The rate asked is not filled in: the approver types it, so it is read.
        foreign=foreign,
    )


def _moves(form_class: Any) -> Any:
    """A tranche or return form offering the grant's currency and the base one."""

    def make(shown: Grant, data: Any) -> Any:
        rate = Decimal(1) / selectors.grant_rate(shown)
        return form_class(
            data,
            currency=shown.currency,
            base=money.base_currency(),
            rate=money.plain(rate.quantize(money.RATE_PLACES)),
        )

    return make


# The grant page's forms by their name in its context, each made for the grant shown.
FORMS: dict[str, Callable[[Grant, Any], Any]] = {
    "diligence_form": lambda shown, data: DiligenceForm(data),
    "approve_form": _approve_form,
    "disburse_form": _moves(DisburseForm),
    "report_form": lambda shown, data: ReportForm(data),
    "return_form": _moves(ReturnForm),
}


def _act(
    request: HttpRequest, grant_id: int, form_name: str | None, act: Any, done: str
) -> HttpResponse:
    """An action of the grant page. One sent with a form and refused shows the page again
    with that form as it was typed (it had redirected, emptying the amount, the rate and the
    payment details) and the error beside its input; an error about the grant rather than an
    input (its status, the two-person rule) is said above the page."""
    shown = _grant(request, grant_id)
    if form_name is None:
        with flash_refusal(request):
            act(shown, {})
            messages.success(request, done)
        return redirect("support:grant", grant_id=shown.pk)
    form = FORMS[form_name](shown, request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: fill in the required fields."))
        return _page(request, shown, {form_name: form})
    try:
        act(shown, form.cleaned_data)
    except RuleError as refused:
        if refused.field in form.fields:
            show_on(form, refused)
        else:
            messages.error(request, str(refused))
        return _page(request, _grant(request, grant_id), {form_name: form})
    messages.success(request, done)
    return redirect("support:grant", grant_id=shown.pk)


@requires(STAFF)
@require_POST
def grant_diligence(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _act(
        request,
        grant_id,
        "diligence_form",
        lambda g, d: services.do_diligence(g, actor=request.user, note=d["note"]),
        _("Due diligence is recorded."),
    )


@requires(COORDINATOR)
@require_POST
def grant_approve(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _act(
        request,
        grant_id,
        "approve_form",
        lambda g, d: services.approve(
            g,
            actor=request.user,
            approved_amount=d.get("approved_amount"),
            rate_to_base=d.get("rate_to_base"),
        ),
        _("Your approval is recorded."),
    )


@requires(COORDINATOR)
@require_POST
def grant_reject(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _act(
        request,
        grant_id,
        None,
        lambda g, d: services.reject(g, actor=request.user),
        _("The grant is rejected."),
    )


@requires(STAFF)
@require_http_methods(["GET", "POST"])
def grant_withdraw(request: HttpRequest, grant_id: int) -> HttpResponse:
    if request.method != "POST":
        shown = _grant(request, grant_id)
        return confirm.ask(
            request,
            question=_("Withdraw grant %(reference)s?") % {"reference": shown.reference},
            consequence=_(
                "The request ends here and cannot be taken up again: a new request would be needed."
            ),
            button=_("Withdraw the grant"),
            back=reverse("support:grant", kwargs={"grant_id": shown.pk}),
        )
    return _act(
        request,
        grant_id,
        None,
        lambda g, d: services.withdraw(g, actor=request.user),
        _("The grant is withdrawn."),
    )


@requires(COORDINATOR)
@require_POST
def grant_disburse(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _act(
        request,
        grant_id,
        "disburse_form",
        lambda g, d: services.disburse(g, actor=request.user, **d),
        _("The tranche is recorded in the ledger."),
    )


@requires(COORDINATOR)
@require_POST
def grant_return(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _act(
        request,
        grant_id,
        "return_form",
        lambda g, d: services.return_funds(g, actor=request.user, **d),
        _("The funds returned are recorded in the ledger."),
    )


@requires(STAFF)
@require_POST
def grant_receipt(request: HttpRequest, grant_id: int, tranche: int) -> HttpResponse:
    def act(g: Grant, _d: Any) -> None:
        services.acknowledge_receipt(
            found(g.disbursements.filter(number=tranche).first()), actor=request.user
        )

    return _act(request, grant_id, None, act, _("The receipt is acknowledged."))


@requires(STAFF)
@require_POST
def grant_report(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _act(
        request,
        grant_id,
        "report_form",
        lambda g, d: services.receive_report(g, d["kind"], actor=request.user, text=d["text"]),
        _("The report is recorded."),
    )


@requires(COORDINATOR)
@require_POST
def grant_close(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _act(
        request,
        grant_id,
        None,
        lambda g, d: services.close(g, actor=request.user),
        _("The grant is closed."),
    )
