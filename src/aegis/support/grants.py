"""Emergency grants: requested → due diligence → approved → disbursed (tranches) → reported →
closed, or rejected / withdrawn before it closes; each step with who and when.

The two-person rule lives here, so the pages and the API cannot route round it: whoever
requested a grant or did its due diligence can never approve it, and a grant above
SUPPORT_SECOND_APPROVER_ABOVE (money.py) needs two different approvers. The caps per grant
and per person within a period are checked at the request and again at approval."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from aegis import clock
from aegis.audit import services as audit
from aegis.cases import selectors as cases
from aegis.cases import services as case_services
from aegis.cases.models import Case
from aegis.rules import Conflict, NotAllowed, RuleError
from aegis.vault import services as vault

from . import checks, ledger, money
from .models import (
    Approval,
    BudgetLine,
    Disbursement,
    Grant,
    GrantReport,
    GrantStep,
)
from .vocabulary import (
    Beneficiary,
    GrantStatus,
    GrantType,
    LedgerKind,
    Method,
    ReportKind,
    Urgency,
)

GRANT_KEY = "support-grant"
FINISHED = {GrantStatus.CLOSED, GrantStatus.REJECTED, GrantStatus.WITHDRAWN}
COUNTED = [s for s in GrantStatus.values if s not in {GrantStatus.REJECTED, GrantStatus.WITHDRAWN}]


def _coordinator(actor: Any) -> None:
    if not actor.has_perm("accounts.coordinate"):
        raise RuleError(_("Only a coordinator can do this."))


def _member(case: Case, actor: Any) -> None:
    if not cases.member_of(actor, case.compartment_id):
        raise RuleError(_("You are not a member of this case's compartment."))


def _step(grant: Grant, status: str, actor: Any, action: str) -> None:
    now = clock.now()
    grant.status = status
    grant.updated_at = now
    grant.save()
    GrantStep.objects.create(grant=grant, status=status, by=actor, at=now)
    audit.record(action, actor_id=actor.pk, object_type="grant", object_id=grant.pk)


def _locked(grant: Grant) -> Grant:
    """The grant as stored, locked until the transaction ends: two people acting on it at
    once queue, and a caller's stale copy never decides which step is possible."""
    return Grant.objects.select_for_update().get(pk=grant.pk)


def _in_status(grant: Grant, *allowed: str) -> None:
    if grant.status not in allowed:
        raise Conflict(
            _("This grant is %(status)s: that step is not possible now.")
            % {"status": GrantStatus(grant.status).label},
            "status",
        )


def _not_finished(grant: Grant) -> None:
    """A closed, withdrawn or rejected grant takes no more changes: a return and a receipt
    had still been written on a closed one."""
    if grant.status in FINISHED:
        raise Conflict(
            _("This grant is %(status)s: it takes no more changes.")
            % {"status": GrantStatus(grant.status).label},
            "status",
        )


def _budget(lines: Any, total: Decimal, code: str) -> list[tuple[str, Decimal]]:
    """Budget lines as (label, amount); when given, they must add up to the amount asked."""
    found: list[tuple[str, Decimal]] = []
    for row, line in enumerate(lines or []):
        label, value = (line.get("label"), line.get("amount")) if isinstance(line, dict) else line
        label = checks.line(label, "budget_lines", _("Budget line"), required=True)
        try:
            amount = money.in_units(
                money.amount(value, "budget_lines", row=row), code, "budget_lines", row=row
            )
        except RuleError as refused:
            # Which line, and the form of one: "locks 500" had been told only to write a number.
            raise RuleError(
                _(
                    "Budget line %(n)s (“%(line)s”): %(problem)s Write each line as what; "
                    "amount, for example: Lawyer's fee; 500"
                )
                % {"n": row + 1, "line": label[:60], "problem": refused.message},
                "budget_lines",
                row,
            ) from refused
        found.append((label, amount))
    if found and sum(v for _l, v in found) != total:
        raise RuleError(
            _("The budget lines add up to %(lines)s, not the amount asked (%(total)s).")
            % {"lines": sum(v for _l, v in found), "total": total},
            "budget_lines",
        )
    return found


def _check_caps(case: Case, base_amount: Decimal, *, excluding: int | None = None) -> None:
    base = money.base_currency()
    if base_amount > money.grant_cap():
        raise RuleError(
            _("A grant may be at most %(cap)s %(base)s; this one is %(amount)s %(base)s.")
            % {"cap": money.grant_cap(), "base": base, "amount": base_amount},
            "amount",
        )
    since = clock.now() - timedelta(days=money.cap_period_days())
    theirs = Grant.objects.filter(requested_at__gte=since)
    theirs = (
        theirs.filter(case__person=case.person)
        if case.person_id is not None
        else theirs.filter(case=case)
    )
    if excluding is not None:
        theirs = theirs.exclude(pk=excluding)
    earlier = theirs.filter(status__in=COUNTED)
    so_far = earlier.aggregate(total=Sum("base_amount"))["total"] or Decimal(0)
    # Money paid on a grant rejected or withdrawn since (one withdrawn before that was
    # refused) still counts: it was spent on this person whatever the grant's status.
    paid = Disbursement.objects.filter(grant__in=theirs.exclude(status__in=COUNTED)).aggregate(
        total=Sum(F("grant_amount") * F("grant__rate_to_base"))
    )["total"]
    so_far = money.in_base(Decimal(so_far) + Decimal(paid or 0), Decimal(1))
    if so_far + base_amount > money.person_cap():
        # What was granted before refuses it, not the request: another period takes it.
        raise Conflict(
            _(
                "Grants for this person or group may add up to at most %(cap)s %(base)s in "
                "%(days)s days; %(so_far)s %(base)s are already granted or asked for."
            )
            % {
                "cap": money.person_cap(),
                "base": base,
                "days": money.cap_period_days(),
                "so_far": money.shown(so_far, base),
            },
            "amount",
        )


def _base_rate(code: str, typed: Any) -> Decimal:
    """The rate to the base currency as typed; in the base currency itself it is 1, and a
    grant in EUR "at 0.01" (counted as a hundredth of its amount against the caps and the
    second-approver threshold) is refused."""
    base = money.base_currency()
    if code != base:
        return money.rate(typed, "rate_to_base")
    if typed in (None, "") or money.rate(typed, "rate_to_base") == 1:
        return Decimal(1)
    raise RuleError(
        _("In the organisation's base currency (%(base)s) the rate is 1.") % {"base": base},
        "rate_to_base",
    )


def confirmed_rate(grant: Grant) -> Decimal:
    """The grant's rate to the base currency: 1 for a grant in the base currency (one asked
    before that rule may hold another), else the rate asked and confirmed by each approver."""
    return Decimal(1) if grant.currency == money.base_currency() else grant.rate_to_base


def _confirm_rate(grant: Grant, typed: Any) -> Decimal:
    """An approver answers for the rate as for the amount: outside the base currency the
    rate must be typed (the page shows the one asked, and does not fill it in) and be the
    grant's own, so a rate changed since the approver read the page is refused rather than
    approved unseen."""
    if grant.currency == money.base_currency():
        return _base_rate(grant.currency, typed)
    shown = {
        "rate": money.plain(grant.rate_to_base),
        "base": money.base_currency(),
        "currency": grant.currency,
    }
    if typed in (None, ""):
        raise RuleError(
            _(
                "Confirm the exchange rate: this grant was asked at %(rate)s %(base)s per "
                "%(currency)s."
            )
            % shown,
            "rate_to_base",
        )
    if money.rate(typed, "rate_to_base") != grant.rate_to_base:
        raise RuleError(
            _(
                "This grant was asked at %(rate)s %(base)s per %(currency)s, not %(typed)s: "
                "confirm that rate or reject the grant."
            )
            % {**shown, "typed": money.plain(money.rate(typed, "rate_to_base"))},
            "rate_to_base",
        )
    return grant.rate_to_base


@transaction.atomic
def request_grant(
    case: Case,
    *,
    actor: Any,
    beneficiary: str,
    grant_type: str,
    urgency: str,
    need: str,
    amount: Any,
    currency: Any,
    rate_to_base: Any = None,
    group_size: Any = None,
    other_funders: str = "",
    budget_lines: Any = (),
) -> Grant:
    _member(case, actor)
    beneficiary = checks.one_code(beneficiary, Beneficiary, "beneficiary", _("For whom"))
    size = 1
    if beneficiary == Beneficiary.GROUP:
        size = checks.count(group_size, "group_size", _("People in the group"), low=2, high=10_000)
    grant_type = checks.one_code(grant_type, GrantType, "grant_type", _("Type of grant"))
    urgency = checks.one_code(urgency, Urgency, "urgency", _("Urgency"))
    need = checks.text(need, "need", _("The need"), required=True)
    other_funders = checks.text(other_funders, "other_funders", _("Other funders"))
    value = money.amount(amount)
    code = money.currency(currency)
    value = money.in_units(value, code)
    rate = _base_rate(code, rate_to_base)
    lines = _budget(budget_lines, value, code)
    base_amount = money.in_base(value, rate)
    _check_caps(case, base_amount)
    now = clock.now()
    grant = Grant.objects.create(
        reference=case_services.allocate_reference("GR"),
        case=case,
        data_key=vault.new_record_key(case.compartment, GRANT_KEY),
        beneficiary=beneficiary,
        group_size=size,
        grant_type=grant_type,
        urgency=urgency,
        country=case.country,
        need=need,
        other_funders=other_funders,
        currency=code,
        amount=value,
        rate_to_base=rate,
        base_amount=base_amount,
        requested_by=actor,
        requested_at=now,
        updated_at=now,
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(grant=grant, data_key_id=grant.data_key_id, label=label, amount=line_amount)
        for label, line_amount in lines
    )
    GrantStep.objects.create(grant=grant, status=GrantStatus.REQUESTED, by=actor, at=now)
    audit.record("grant.request", actor_id=actor.pk, object_type="grant", object_id=grant.pk)
    return grant


@transaction.atomic
def do_diligence(grant: Grant, *, actor: Any, note: str) -> Grant:
    grant = _locked(grant)
    _member(grant.case, actor)
    _in_status(grant, GrantStatus.REQUESTED)
    grant.diligence_note = checks.text(note, "note", _("Due diligence"), required=True)
    grant.diligence_by = actor
    grant.diligence_at = clock.now()
    _step(grant, GrantStatus.DILIGENCE, actor, "grant.diligence")
    return grant


def approvers_needed(grant: Grant, approved_amount: Decimal | None = None) -> int:
    value = (
        approved_amount if approved_amount is not None else grant.approved_amount or grant.amount
    )
    if grant.currency != money.base_currency():
        # The rate is the requester's word: no reference rate is kept here, and one mistyped
        # or bent (USD at 0.0001) would count a large grant as a small one against the caps
        # and the threshold. Two approvers answer for it.
        return 2
    in_base = money.in_base(value, confirmed_rate(grant))
    return 2 if in_base > money.second_approver_above() else 1


@transaction.atomic
def approve(
    grant: Grant, *, actor: Any, approved_amount: Any = None, rate_to_base: Any = None
) -> Grant:
    """One approval. The first approver fixes the amount approved (the amount asked unless
    less is given); a second, different approver confirms it where two are needed. Every
    approver confirms the rate to the base currency (see _confirm_rate): the caps and the
    number of approvers are counted at that rate."""
    _coordinator(actor)
    grant = _locked(grant)
    _in_status(grant, GrantStatus.DILIGENCE)
    if actor.pk in {grant.requested_by_id, grant.diligence_by_id}:
        raise NotAllowed(
            _(
                "You requested this grant or did its due diligence, so you cannot approve it: "
                "another coordinator must."
            )
        )
    if grant.approvals.filter(approver=actor).exists():
        raise Conflict(_("You have approved this grant already: a second coordinator must."))
    rate = _confirm_rate(grant, rate_to_base)
    first = not grant.approvals.exists()
    if first:
        value = (
            grant.amount
            if approved_amount in (None, "")
            else money.in_units(
                money.amount(approved_amount, "approved_amount"), grant.currency, "approved_amount"
            )
        )
        if value > grant.amount:
            raise RuleError(
                _("The amount approved cannot be more than the amount asked (%(amount)s).")
                % {"amount": grant.amount},
                "approved_amount",
            )
        _check_caps(grant.case, money.in_base(value, rate), excluding=grant.pk)
        grant.approved_amount = value
        grant.rate_to_base = rate
        grant.base_amount = money.in_base(value, rate)
    elif (
        approved_amount not in (None, "")
        and money.amount(approved_amount, "approved_amount") != grant.approved_amount
    ):
        raise RuleError(
            _("The first approver approved %(amount)s; confirm that amount or reject the grant.")
            % {"amount": grant.approved_amount},
            "approved_amount",
        )
    Approval.objects.create(grant=grant, approver=actor, at=clock.now())
    if grant.approvals.count() >= approvers_needed(grant):
        _step(grant, GrantStatus.APPROVED, actor, "grant.approve")
    else:
        grant.updated_at = clock.now()
        grant.save()
        audit.record("grant.approve", actor_id=actor.pk, object_type="grant", object_id=grant.pk)
    return grant


@transaction.atomic
def reject(grant: Grant, *, actor: Any) -> Grant:
    grant = _locked(grant)
    _coordinator(actor)
    _in_status(grant, GrantStatus.REQUESTED, GrantStatus.DILIGENCE, GrantStatus.APPROVED)
    _step(grant, GrantStatus.REJECTED, actor, "grant.reject")
    return grant


@transaction.atomic
def withdraw(grant: Grant, *, actor: Any) -> Grant:
    grant = _locked(grant)
    _member(grant.case, actor)
    _in_status(
        grant,
        GrantStatus.REQUESTED,
        GrantStatus.DILIGENCE,
        GrantStatus.APPROVED,
        GrantStatus.DISBURSED,
    )
    if disbursed_so_far(grant) > 0:
        # Paid money does not vanish with the grant: withdrawn, it had dropped out of the
        # person's cap and the summary, so paying and withdrawing again got round the cap.
        raise Conflict(
            _(
                "Money was already disbursed on this grant, so it cannot be withdrawn: record "
                "the unspent funds returned, then close the grant."
            ),
            "status",
        )
    _step(grant, GrantStatus.WITHDRAWN, actor, "grant.withdraw")
    return grant


def _tranche_rate(grant: Grant, code: str, typed: Any) -> Decimal:
    """Grant-currency units per unit paid or returned. Money moves in the grant's currency
    (rate 1) or the base currency (at the grant's confirmed rate): a rate typed by whoever
    pays had let 900,000 EUR be counted as 0.90 on a 4,000 EUR grant. A typed rate is taken
    only where it is that rate."""
    base = money.base_currency()
    if code == grant.currency:
        expected = Decimal(1)
        wrong = _("In the grant's own currency (%(currency)s) the rate is 1.")
    elif code == base:
        expected = (Decimal(1) / confirmed_rate(grant)).quantize(money.RATE_PLACES)
        wrong = _(
            "In %(base)s the rate is the grant's own (%(rate)s %(currency)s per %(base)s): "
            "leave the rate empty."
        )
    elif grant.currency == base:
        raise RuleError(
            _(
                "Pay in %(base)s; a payment made in another currency is recorded at what it "
                "came to in %(base)s."
            )
            % {"base": base},
            "currency",
        )
    else:
        raise RuleError(
            _(
                "Pay in %(currency)s or %(base)s; a payment made in another currency is "
                "recorded at what it came to in one of them."
            )
            % {"currency": grant.currency, "base": base},
            "currency",
        )
    if typed not in (None, "") and money.rate(typed) != expected:
        raise RuleError(
            wrong % {"currency": grant.currency, "base": base, "rate": money.plain(expected)},
            "rate",
        )
    return expected


def _converted(value: Decimal, rate: Decimal, grant: Grant) -> Decimal:
    """The amount in the grant's currency; refused when it comes to nothing (4.99 at a rate
    of 0.001 had been recorded as 0.00, again and again)."""
    in_grant = money.in_base(value, rate)
    if in_grant <= 0:
        raise RuleError(
            _(
                "This comes to %(amount)s %(currency)s once converted, which is nothing: "
                "enter a larger amount."
            )
            % {"amount": in_grant, "currency": grant.currency},
            "amount",
        )
    return in_grant


def disbursed_so_far(grant: Grant) -> Decimal:
    found = grant.disbursements.aggregate(total=Sum("grant_amount"))["total"]
    return Decimal(found or 0).quantize(money.CENTS)  # SQLite sums without the scale


@transaction.atomic
def disburse(
    grant: Grant,
    *,
    actor: Any,
    method: str,
    amount: Any,
    currency: Any,
    rate: Any = None,
    payment_details: str = "",
) -> Disbursement:
    """One tranche: the amount paid, in the grant's currency or the base currency (the rate
    follows from the currency, see _tranche_rate). Refused when the tranches would add up to
    more than was approved. Each tranche is a ledger entry, in the same transaction."""
    _coordinator(actor)
    grant = _locked(grant)
    _in_status(grant, GrantStatus.APPROVED, GrantStatus.DISBURSED)
    method = checks.one_code(method, Method, "method", _("Method"))
    value = money.amount(amount)
    code = money.currency(currency)
    value = money.in_units(value, code)
    found_rate = _tranche_rate(grant, code, rate)
    details = checks.text(payment_details, "payment_details", _("Payment details"), required=True)
    in_grant = _converted(value, found_rate, grant)
    approved = grant.approved_amount or Decimal(0)
    so_far = disbursed_so_far(grant)
    if so_far + in_grant > approved:
        # The grant's approval and its tranches refuse it, not the request (409 by the API).
        raise Conflict(
            _(
                "This tranche (%(tranche)s %(currency)s) would take the grant past the amount "
                "approved: %(so_far)s of %(approved)s %(currency)s are paid already."
            )
            % {
                "tranche": in_grant,
                "currency": grant.currency,
                "so_far": so_far,
                "approved": approved,
            },
            "amount",
        )
    number = grant.disbursements.count() + 1
    tranche = Disbursement.objects.create(
        grant=grant,
        data_key_id=grant.data_key_id,
        number=number,
        method=method,
        amount=value,
        currency=code,
        rate=found_rate,
        grant_amount=in_grant,
        payment_details=details,
        by=actor,
        at=clock.now(),
    )
    ledger.append(
        kind=LedgerKind.DISBURSEMENT,
        grant_ref=grant.reference,
        grant_type=grant.grant_type,
        tranche=number,
        method=method,
        amount=value,
        currency=code,
        rate=found_rate,
        grant_amount=in_grant,
        grant_currency=grant.currency,
    )
    if number == 1:
        due = clock.today() + timedelta(days=money.report_days())
        GrantReport.objects.bulk_create(
            GrantReport(grant=grant, data_key_id=grant.data_key_id, kind=kind, due_on=due, text="")
            for kind in ReportKind.values
        )
    if grant.status != GrantStatus.DISBURSED:
        _step(grant, GrantStatus.DISBURSED, actor, "grant.disburse")
    else:
        audit.record("grant.disburse", actor_id=actor.pk, object_type="grant", object_id=grant.pk)
    return tranche


def returned_so_far(grant: Grant) -> Decimal:
    """Unspent funds returned, in the grant's currency, as the ledger records them (the
    ledger is the only record of a return: append-only and chained)."""
    found = ledger.entries_of(grant.reference, LedgerKind.RETURN).aggregate(
        total=Sum("grant_amount")
    )["total"]
    return Decimal(found or 0).quantize(money.CENTS)


@transaction.atomic
def return_funds(grant: Grant, *, actor: Any, amount: Any, currency: Any, rate: Any = None) -> Any:
    """Unspent funds a beneficiary gave back, as one ledger entry. The amount (converted to
    the grant's currency as a tranche is) may be at most what was disbursed less what was
    returned already; the currency and rate are checked as for a tranche."""
    _coordinator(actor)
    grant = _locked(grant)
    _not_finished(grant)
    disbursed = disbursed_so_far(grant)
    if disbursed <= 0:
        raise Conflict(_("Nothing was disbursed on this grant, so nothing can be returned."))
    value = money.amount(amount)
    code = money.currency(currency)
    value = money.in_units(value, code)
    found_rate = _tranche_rate(grant, code, rate)
    in_grant = _converted(value, found_rate, grant)
    returned = returned_so_far(grant)
    if returned + in_grant > disbursed:
        # What was paid and returned before refuses it (409 by the API), as for a tranche.
        raise Conflict(
            _(
                "This return (%(amount)s %(currency)s) is more than is left to return: "
                "%(disbursed)s %(currency)s were disbursed and %(returned)s %(currency)s "
                "returned already."
            )
            % {
                "amount": in_grant,
                "currency": grant.currency,
                "disbursed": disbursed,
                "returned": returned,
            },
            "amount",
        )
    entry = ledger.append(
        kind=LedgerKind.RETURN,
        grant_ref=grant.reference,
        grant_type=grant.grant_type,
        amount=value,
        currency=code,
        rate=found_rate,
        grant_amount=in_grant,
        grant_currency=grant.currency,
    )
    grant.updated_at = clock.now()
    grant.save(update_fields=["updated_at"])
    # Who recorded it; the ledger entry (no actor, on its own chain) is the record of the money.
    audit.record("grant.return", actor_id=actor.pk, object_type="grant", object_id=grant.pk)
    return entry


@transaction.atomic
def acknowledge_receipt(tranche: Disbursement, *, actor: Any) -> Disbursement:
    _member(tranche.grant.case, actor)
    _not_finished(_locked(tranche.grant))
    if tranche.receipt_at is not None:
        raise Conflict(_("This tranche's receipt was acknowledged already."))
    tranche.receipt_at = clock.now()
    tranche.receipt_by = actor
    tranche.save(update_fields=["receipt_at", "receipt_by"])
    audit.record(
        "grant.receipt", actor_id=actor.pk, object_type="grant", object_id=tranche.grant_id
    )
    return tranche


@transaction.atomic
def receive_report(grant: Grant, kind: str, *, actor: Any, text: str) -> GrantReport:
    grant = _locked(grant)
    """A narrative or financial report received; once both are in, the grant is reported."""
    _member(grant.case, actor)
    _in_status(grant, GrantStatus.DISBURSED)
    kind = checks.one_code(kind, ReportKind, "kind", _("Report"))
    body = checks.text(text, "text", _("The report"), required=True)
    report = grant.reports.filter(kind=kind).first()
    if report is None:
        raise RuleError(_("No report of this kind is due for this grant."), "kind")
    if report.received_at is not None:
        raise Conflict(_("This report was received already."), "kind")
    report.text = body
    report.received_at = clock.now()
    report.received_by = actor
    report.save()
    audit.record("grant.report", actor_id=actor.pk, object_type="grant", object_id=grant.pk)
    if not grant.reports.filter(received_at__isnull=True).exists():
        _step(grant, GrantStatus.REPORTED, actor, "grant.report")
    return report


@transaction.atomic
def close(grant: Grant, *, actor: Any) -> Grant:
    grant = _locked(grant)
    _coordinator(actor)
    _in_status(grant, GrantStatus.REPORTED)
    _step(grant, GrantStatus.CLOSED, actor, "grant.close")
    return grant
