"""Reads of the support network. The directory's clear columns (name, kinds, places,
languages, capacity, vetting) are for all case staff; its contact details and references open
only for holders of the directory compartment's key, a safe house's address only for members
of its own compartment. Referrals and grants are scoped to the case's compartment, as the
case is: for anyone else they do not exist.

`grant_totals` (counts and sums by type, month and country, no identity) is for the
programme summary; `grant_cells` (the same, finer, with each cell's largest grants) for the
public reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.formats import date_format

from aegis import clock, places
from aegis.cases import selectors as cases
from aegis.vault.keychain import current_or_none
from aegis.vault.selectors import open_records

from . import money
from .models import (
    Approval,
    Disbursement,
    Grant,
    GrantReport,
    LedgerEntry,
    Provider,
    Referral,
    Relocation,
    SafeHouseAddress,
)
from .vocabulary import (
    Availability,
    GrantStatus,
    GrantType,
    LedgerKind,
    ReferralStatus,
    VettingStatus,
)

APPROVED_OR_LATER = [
    GrantStatus.APPROVED,
    GrantStatus.DISBURSED,
    GrantStatus.REPORTED,
    GrantStatus.CLOSED,
]
REPORT_REMINDER_DAYS = 7


def can_open(record: Any) -> bool:
    """Do the unlocked keys open this record?"""
    chain = current_or_none()
    return record is not None and chain is not None and chain.holds(record.data_key_id)


# --- Providers ----------------------------------------------------------------------------


def _listed(column: str, code: str) -> Q:
    """`code` as a whole member of a comma-separated column: "safe" is not "safe_house", nor
    "T" "GT"."""
    return (
        Q(**{column: code})
        | Q(**{f"{column}__startswith": f"{code},"})
        | Q(**{f"{column}__endswith": f",{code}"})
        | Q(**{f"{column}__contains": f",{code},"})
    )


def providers(
    *, kind: str = "", country: str = "", vetting: str = "", due: bool = False
) -> QuerySet[Provider]:
    found = Provider.objects.select_related("vetted_by").order_by("name", "id")
    if kind:
        found = found.filter(_listed("kinds", kind))
    if country:
        found = found.filter(_listed("countries", country.upper()))
    if vetting:
        found = found.filter(vetting=vetting)
    if due:
        found = found.filter(revet_on__lt=clock.today())
    return found


def offerable_providers() -> QuerySet[Provider]:
    """Approved, not due for re-vetting, not paused: what a new referral may choose."""
    return (
        Provider.objects.filter(vetting=VettingStatus.APPROVED)
        .exclude(revet_on__lt=clock.today())
        .exclude(availability=Availability.PAUSED)
        .order_by("name", "id")
    )


def providers_due() -> QuerySet[Provider]:
    return Provider.objects.filter(
        vetting=VettingStatus.APPROVED, revet_on__lt=clock.today()
    ).order_by("revet_on")


def provider(provider_id: int) -> Provider | None:
    return Provider.objects.filter(pk=provider_id).select_related("vetted_by").first()


@dataclass(frozen=True)
class ProviderFile:
    provider: Provider
    readable: bool  # the directory key is held: contacts and references can be shown
    references: list[Any]
    address: SafeHouseAddress | None  # only for members of the safe house's compartment
    has_address: bool
    steps: list[Any]


def provider_file(found: Provider) -> ProviderFile:
    address = SafeHouseAddress.objects.filter(provider=found).first()
    readable = can_open(found)
    references = list(found.references.all()) if readable else []
    shown_address = address if can_open(address) else None
    open_records([found] if readable else [], references, [shown_address])
    return ProviderFile(
        provider=found,
        readable=readable,
        references=references,
        address=shown_address,
        has_address=address is not None,
        steps=list(found.vetting_steps.select_related("by")),
    )


# --- Referrals ----------------------------------------------------------------------------


def referrals(user: Any) -> QuerySet[Referral]:
    return cases.visible(Referral, user, via="case__compartment").select_related("case", "provider")


def referral_for(user: Any, referral_id: int) -> Referral | None:
    found = referrals(user).filter(pk=referral_id).first()
    if found is not None:
        open_records([found, Relocation.objects.filter(referral=found).first()])
    return found


def referrals_of_case(case: Any) -> QuerySet[Referral]:
    return Referral.objects.filter(case=case).select_related("provider", "consent")


def referrals_touching(consent: Any) -> QuerySet[Referral]:
    """The referrals that relied on this consent (what they shared is listed in clear)."""
    return Referral.objects.filter(consent=consent).select_related("provider", "case")


def referrals_on_withdrawn_consents(user: Any) -> QuerySet[Referral]:
    """Open referrals whose consent was withdrawn since: someone must tell the provider."""
    return referrals(user).filter(
        consent__withdrawn_at__isnull=False,
        status__in=[ReferralStatus.DRAFT, ReferralStatus.SENT, ReferralStatus.ACCEPTED],
    )


def referrals_to_follow_up(user: Any) -> QuerySet[Referral]:
    return referrals(user).filter(
        status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED],
        follow_up_on__lt=clock.today(),
    )


# --- Grants -------------------------------------------------------------------------------


def grants(user: Any, *, status: str = "") -> QuerySet[Grant]:
    found = cases.visible(Grant, user, via="case__compartment").select_related("case")
    return found.filter(status=status) if status else found


def grant_for(user: Any, grant_id: int) -> Grant | None:
    return grants(user).filter(pk=grant_id).first()


@dataclass(frozen=True)
class GrantFile:
    grant: Grant
    lines: list[Any]
    approvals: list[Any]
    tranches: list[Disbursement]
    reports: list[GrantReport]
    steps: list[Any]
    referrals: list[Referral]
    disbursed: Decimal
    needed: int
    returned: Decimal = Decimal(0)  # unspent funds given back, from the ledger
    # The rate to the base currency each approver confirms (1 in the base currency), and
    # the amount (approved, else asked) at that rate: what the approver answers for.
    rate: Decimal = Decimal(1)
    in_base: Decimal = Decimal(0)


def grant_file(grant: Grant) -> GrantFile:
    from .grants import approvers_needed, confirmed_rate, disbursed_so_far, returned_so_far

    lines = list(grant.budget_lines.all())
    tranches = list(grant.disbursements.select_related("by", "receipt_by"))
    reports = list(grant.reports.select_related("received_by"))
    open_records([grant], lines, tranches, reports)
    return GrantFile(
        grant=grant,
        lines=lines,
        approvals=list(grant.approvals.select_related("approver")),
        tranches=tranches,
        reports=reports,
        steps=list(grant.steps.select_related("by")),
        referrals=list(grant.referrals.select_related("provider")),
        disbursed=disbursed_so_far(grant),
        needed=approvers_needed(grant),
        returned=returned_so_far(grant),
        rate=confirmed_rate(grant),
        in_base=money.in_base(grant.approved_amount or grant.amount, confirmed_rate(grant)),
    )


def grant_rate(grant: Grant) -> Decimal:
    """The grant's confirmed rate to the base currency (1 in the base currency)."""
    from .grants import confirmed_rate

    return confirmed_rate(grant)


def grants_of_case(case: Any) -> QuerySet[Grant]:
    return Grant.objects.filter(case=case)


def awaiting_approval(user: Any) -> QuerySet[Grant]:
    """Grants past due diligence that this coordinator may approve: not their own request or
    diligence, and not yet approved by them."""
    return (
        grants(user, status=GrantStatus.DILIGENCE)
        .exclude(requested_by=user)
        .exclude(diligence_by=user)
        .exclude(approvals__approver=user)
    )


def reports_due(user: Any) -> QuerySet[GrantReport]:
    """Reports not yet received that are due within a week, or overdue."""
    soon = clock.today() + timedelta(days=REPORT_REMINDER_DAYS)
    return GrantReport.objects.filter(
        grant__in=grants(user, status=GrantStatus.DISBURSED),
        received_at__isnull=True,
        due_on__lte=soon,
    ).select_related("grant")


def grant_choices_for(case: Any) -> QuerySet[Grant]:
    return Grant.objects.filter(case=case).exclude(
        status__in=[GrantStatus.REJECTED, GrantStatus.WITHDRAWN]
    )


# --- Ledger and totals (no identity) ------------------------------------------------------


def ledger_entries() -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.order_by("-seq")


@dataclass(frozen=True)
class Total:
    key: str
    count: int
    amount: Decimal  # as approved
    disbursed: Decimal = Decimal(0)  # paid in tranches
    returned: Decimal = Decimal(0)  # unspent funds given back (the ledger's returns)
    # The key as the summary page shows it, in the reader's language (the codes "digital",
    # "GT" and "2026-12" had been shown as stored); the key stays the code for the API.
    label: str = ""

    @property
    def net(self) -> Decimal:
        """What the programme spent: disbursed less returned."""
        return self.disbursed - self.returned


@dataclass(frozen=True)
class Totals:
    currency: str
    by_type: list[Total]
    by_month: list[Total]
    by_country: list[Total]
    count: int
    amount: Decimal
    disbursed: Decimal = Decimal(0)
    returned: Decimal = Decimal(0)

    @property
    def net(self) -> Decimal:
        return self.disbursed - self.returned


def _or_zero(per_grant: Any) -> Any:
    """A grant's sum in its own currency (a subquery), zero when there is none."""
    amount = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(
        Subquery(per_grant, output_field=amount), Value(Decimal(0)), output_field=amount
    )


def grant_totals(*, since: date | None = None, until: date | None = None) -> Totals:
    """Grants approved or further on: how many, how much (in the base currency, as
    approved), how much was disbursed and how much of it returned, by type, by month of the
    request and by country. No identity, no reference: what the programme summary shows."""
    # A grant withdrawn or rejected after money was paid still counts (its tranches are in
    # the ledger): left out, the Disbursed total had fallen short of the ledger's.
    found = Grant.objects.filter(
        Q(status__in=APPROVED_OR_LATER)
        | Q(Exists(Disbursement.objects.filter(grant=OuterRef("pk"))))
    )
    if since is not None:
        found = found.filter(requested_at__date__gte=since)
    if until is not None:
        found = found.filter(requested_at__date__lte=until)
    paid = (
        Disbursement.objects.filter(grant=OuterRef("pk"))
        .order_by()
        .values("grant")
        .annotate(s=Sum("grant_amount"))
        .values("s")
    )
    back = (
        LedgerEntry.objects.filter(kind=LedgerKind.RETURN, grant_ref=OuterRef("reference"))
        .order_by()
        .values("grant_ref")
        .annotate(s=Sum("grant_amount"))
        .values("s")
    )
    found = found.annotate(
        # In the base currency at the grant's own rate, as its amount approved is.
        paid=_or_zero(paid) * F("rate_to_base"),
        back=_or_zero(back) * F("rate_to_base"),
    )
    sums = {
        "n": Count("id"),
        "total": Sum("base_amount"),
        "disbursed": Sum("paid"),
        "returned": Sum("back"),
    }

    def cents(value: Any) -> Decimal:
        return Decimal(value or 0).quantize(money.CENTS)  # SQLite sums without the scale

    def grouped(field: str, label: Callable[[Any], str], query: Any = None) -> list[Total]:
        rows = (query if query is not None else found).values(field).order_by(field)
        return [
            Total(
                key=row[field].strftime("%Y-%m") if hasattr(row[field], "strftime") else row[field],
                count=row["n"],
                amount=cents(row["total"]),
                disbursed=cents(row["disbursed"]),
                returned=cents(row["returned"]),
                label=label(row[field]) if row[field] else "",
            )
            for row in rows.annotate(**sums)
        ]

    summed = found.aggregate(**sums)
    return Totals(
        currency=money.base_currency(),
        by_type=grouped("grant_type", _type_label),
        by_month=grouped("month", _month_label, found.annotate(month=TruncMonth("requested_at"))),
        by_country=grouped("country", _country_label),
        count=summed["n"] or 0,
        amount=cents(summed["total"]),
        disbursed=cents(summed["disbursed"]),
        returned=cents(summed["returned"]),
    )


def _type_label(code: str) -> str:
    return str(GrantType(code).label) if code in GrantType.values else code


def _month_label(month: datetime) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def _country_label(code: str) -> str:
    return places.country_name(code) or code


def base_currency() -> str:
    """The currency every grant is summed in (its amount as approved, converted)."""
    return money.base_currency()


@dataclass(frozen=True)
class GrantCell:
    """Grants of one type, country and month of request: how many, how much, and the two
    largest amounts (largest first: the dominance rule of the public reports needs them)."""

    grant_type: str
    country: str
    month: str  # "YYYY-MM"
    count: int
    amount: Decimal
    largest: tuple[Decimal, ...]


def grant_cells(
    consenting: QuerySet[Any], approved_before: datetime | None = None
) -> list[GrantCell]:
    """Grants approved or further on whose beneficiary is in `consenting` (a subquery of
    people), grouped by type, country and month of the request. A grant counts only through
    its case's person: a grant for a group counts when the person of its case consents, and
    a grant on a case about a group or an organisation with no person on file (no member
    known) counts nowhere, as an incident that concerns no known person. One query; only
    coded fields and amounts are read, never a reference or an identity. `approved_before`:
    only grants whose every approval was given before then (a public release's cut, so that
    one approved since waits for the next release)."""
    chosen = Grant.objects.all()
    if approved_before is not None:
        chosen = chosen.filter(
            pk__in=Approval.objects.filter(at__lt=approved_before).values("grant")
        ).exclude(pk__in=Approval.objects.filter(at__gte=approved_before).values("grant"))
    found = (
        chosen.filter(status__in=APPROVED_OR_LATER, case__person__in=consenting.values("pk"))
        .annotate(month=TruncMonth("requested_at"))
        .values_list("grant_type", "country", "month", "base_amount")
        .order_by("-base_amount")
    )
    groups: dict[tuple[str, str, str], list[Decimal]] = {}
    for grant_type, country, month, amount in found:
        key = (grant_type, country or "", month.strftime("%Y-%m"))
        groups.setdefault(key, []).append(Decimal(amount).quantize(money.CENTS))
    return [
        GrantCell(t, c, m, len(amounts), sum(amounts, Decimal(0)), tuple(amounts[:2]))
        for (t, c, m), amounts in sorted(groups.items())
    ]


def referral_totals() -> list[tuple[str, int]]:
    """(the state's label in the reader's language, how many referrals are in it), in the
    order of the states: the summary had shown the codes ("draft: 1")."""
    rows = Referral.objects.values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    return [
        (str(status.label), counts[status.value])
        for status in ReferralStatus
        if status.value in counts
    ]


def pending_counts(user: Any) -> dict[str, int]:
    return {
        "follow_up": referrals_to_follow_up(user).count(),
        "approval": awaiting_approval(user).count() if user.has_perm("accounts.coordinate") else 0,
        "reports": reports_due(user).count(),
    }


def case_panel(user: Any, case: Any) -> dict[str, Any]:
    """What the case page shows: the case's referrals and grants (no protected field)."""
    return {
        "case": case,
        "referrals": list(referrals_of_case(case)[:20]),
        "grants": list(grants_of_case(case)[:20]),
    }
