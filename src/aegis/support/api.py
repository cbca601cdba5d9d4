"""API for the support network, mounted at /api/v1/support/. Case staff (view_cases) list
providers, make referrals and request grants; coordinators (coordinate) vet, approve,
disburse and close; auditors (view_audit_log) read the ledger. The rules, the two-person
rule and the caps among them, are the services': a refusal is a 400 with its message.
Amounts are strings ("1250.50"), never floats."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import JsonValue

from aegis.api_auth import RoleAuth
from aegis.api_schemas import (
    COUNTRY_FILTER,
    COUNTRY_OR_ALL,
    BlankIsNone,
    ErrorOut,
    InputSchema,
    OneLine,
    Pages,
    RecordId,
    RuleErrorOut,
    blank_allowed,
    column_max_length,
    requires,
    when,
)
from aegis.cases import selectors as cases
from aegis.rules import named_as

from . import checks, money, selectors, services
from .models import Grant, Provider, Referral
from .vocabulary import (
    Availability,
    Beneficiary,
    GrantType,
    Method,
    ProviderKind,
    ReferralKind,
    ReferralStatus,
    ReportKind,
    SharedField,
    Urgency,
    VettingStatus,
)

STAFF = "view_cases"
COORDINATOR = "coordinate"
NOT_FOUND = gettext_noop("Not found.")

router = Router(tags=["support"], auth=RoleAuth(STAFF))


class _Paged:
    """A list endpoint's query, turned into answers only once `paginate` has cut its page:
    the count is asked of the database and only the page's rows are read and shaped. (The
    summaries carry no protected field, so no key is opened, as on the case list.)"""

    def __init__(self, query: QuerySet[Any], out: Callable[[Any], dict[str, Any]]) -> None:
        self.query, self.out = query, out

    def all(self) -> "_Paged":  # what paginate asks before counting
        return self

    def count(self) -> int:
        return self.query.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [self.out(row) for row in self.query[page]]


# --- Providers ----------------------------------------------------------------------------


class ProviderSummaryOut(Schema):
    id: int
    name: str
    kinds: list[str]
    countries: list[str]
    languages: str
    capacity: int | None
    availability: str
    vetting: str
    revet_on: date | None
    revetting_due: bool
    offered: bool


class ProviderOut(ProviderSummaryOut):
    contact: str | None = Field(description="None when your keys do not open it.")
    references: list[str] | None
    safe_house_address: str | None = Field(
        description="Only for members of the safe house's own compartment."
    )


class ProviderIn(InputSchema):
    compartment_id: RecordId = Field(description="A compartment of yours: holds the contacts.")
    name: OneLine = Field(min_length=1, max_length=column_max_length(Provider, "name"))
    individual: bool = False
    kinds: list[ProviderKind] = Field(min_length=1)
    countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    languages: str = ""
    capacity: int | None = Field(None, ge=0, le=10_000)
    availability: Annotated[Availability | None, BlankIsNone] = Field(
        Availability.AVAILABLE,
        description="available, full or paused; blank or null: available.",
        json_schema_extra=blank_allowed,
    )
    cost: OneLine = Field("", max_length=column_max_length(Provider, "cost"))
    contact: str = Field("", max_length=checks.TEXT)
    notes: str = Field("", max_length=checks.TEXT)
    safe_house_address: str = Field("", max_length=checks.TEXT)


class ReferenceIn(InputSchema):
    name: OneLine = Field(min_length=1, max_length=checks.LINE)
    contact: str = Field(min_length=1, max_length=checks.TEXT)


class VetIn(InputSchema):
    status: VettingStatus
    revet_on: date | None = Field(None, description="Required to approve; today or later.")

    conditions = (
        when(
            "status",
            [VettingStatus.APPROVED],
            requires("revet_on", {"type": "string", "format": "date"}),
        ),
    )


def _provider_summary(p: Provider) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "kinds": p.kind_list(),
        "countries": p.country_list(),
        "languages": p.languages,
        "capacity": p.capacity,
        "availability": p.availability,
        "vetting": p.vetting,
        "revet_on": p.revet_on,
        "revetting_due": services.revetting_due(p),
        "offered": services.offerable(p),
    }


def _provider_out(p: Provider) -> dict[str, Any]:
    file = selectors.provider_file(p)
    return {
        **_provider_summary(p),
        "contact": p.contact or "" if file.readable else None,
        "references": [f"{r.name}: {r.contact}" for r in file.references]
        if file.readable
        else None,
        "safe_house_address": file.address.address if file.address else None,
    }


def _provider(provider_id: int) -> Provider:
    found = selectors.provider(provider_id)
    if found is None:
        raise HttpError(404, NOT_FOUND)
    return found


class ProviderFilters(Schema):
    kind: Annotated[ProviderKind | None, BlankIsNone] = Field(None, json_schema_extra=blank_allowed)
    country: str = Field("", pattern=COUNTRY_OR_ALL, description=COUNTRY_FILTER)


@router.get("/providers", response=list[ProviderSummaryOut], url_name="support_providers")
@paginate(Pages, max_limit=100)
def list_providers(request: HttpRequest, filters: Query[ProviderFilters]) -> Any:
    """The directory, by name (no contact details)."""
    found = selectors.providers(kind=filters.kind or "", country=filters.country)
    return _Paged(found, _provider_summary)


@router.post(
    "/providers",
    response={201: ProviderOut, 400: RuleErrorOut, 404: ErrorOut},
    url_name="support_provider_create",
)
def create_provider(request: HttpRequest, payload: ProviderIn) -> Any:
    compartment = cases.compartment_of_user(request.user, payload.compartment_id)
    if compartment is None:
        raise HttpError(404, NOT_FOUND)
    data = payload.model_dump(exclude={"compartment_id"})
    made = services.create_provider(compartment, actor=request.user, **data)
    return Status(201, _provider_out(made))


@router.get(
    "/providers/{provider_id}",
    response={200: ProviderOut, 404: ErrorOut},
    url_name="support_provider",
)
def get_provider(request: HttpRequest, provider_id: RecordId) -> Any:
    return _provider_out(_provider(provider_id))


@router.post(
    "/providers/{provider_id}/references",
    response={201: ProviderOut, 400: RuleErrorOut, 404: ErrorOut},
    url_name="support_provider_reference",
)
def add_reference(request: HttpRequest, provider_id: RecordId, payload: ReferenceIn) -> Any:
    found = _provider(provider_id)
    services.add_reference(found, actor=request.user, name=payload.name, contact=payload.contact)
    return Status(201, _provider_out(found))


@router.post(
    "/providers/{provider_id}/vetting",
    response={200: ProviderOut, 400: RuleErrorOut, 404: ErrorOut},
    url_name="support_provider_vet",
    auth=RoleAuth(COORDINATOR),
)
def vet_provider(request: HttpRequest, provider_id: RecordId, payload: VetIn) -> Any:
    """A vetting decision (approving needs two references and a future re-vetting date)."""
    found = _provider(provider_id)
    services.vet(found, payload.status, actor=request.user, revet_on=payload.revet_on)
    return _provider_out(found)


# --- Referrals ----------------------------------------------------------------------------


class RelocationIn(InputSchema):
    destination_country: str
    destination_why: str = Field(min_length=1, max_length=checks.TEXT)
    host: str = Field(min_length=1, max_length=checks.TEXT)
    months: int = Field(
        services.MAX_RELOCATION_MONTHS,
        ge=0,
        le=services.MAX_RELOCATION_MONTHS,
        description=f"1 to {services.MAX_RELOCATION_MONTHS}, renewable; 0 is taken as "
        f"{services.MAX_RELOCATION_MONTHS}.",
    )
    visa_travel_plan: str = Field("", max_length=checks.TEXT)
    security_plan: str = Field("", max_length=checks.TEXT)
    family: str = Field("", max_length=checks.TEXT)
    return_plan: str = Field("", max_length=checks.TEXT)


class ReferralIn(InputSchema):
    case_reference: str = Field(max_length=20)
    provider_id: RecordId
    kind: ReferralKind = ReferralKind.SERVICE
    purpose: str = Field(min_length=1, max_length=checks.TEXT)
    shared: list[SharedField] = Field(
        min_length=1, description="What the provider is told: the minimum it needs."
    )
    follow_up_on: date | None = None
    grant_id: RecordId | None = None
    relocation: RelocationIn | None = None


class ReferralMoveIn(InputSchema):
    status: ReferralStatus
    outcome: str = Field("", max_length=checks.TEXT)
    follow_up_on: date | None = None


class ReferralSummaryOut(Schema):
    id: int
    case_reference: str
    provider_id: int
    kind: str
    status: str
    shared: list[str]
    follow_up_on: date | None
    created_at: datetime


class ReferralOut(ReferralSummaryOut):
    purpose: str
    shared_text: str
    outcome: str
    grant_reference: str | None
    relocation: dict[str, Any] | None


def _referral_summary(r: Referral) -> dict[str, Any]:
    return {
        "id": r.pk,
        "case_reference": r.case.reference,
        "provider_id": r.provider_id,
        "kind": r.kind,
        "status": r.status,
        "shared": r.shared_list(),
        "follow_up_on": r.follow_up_on,
        "created_at": r.created_at,
    }


def _referral_out(request: HttpRequest, referral_id: int) -> dict[str, Any]:
    r = selectors.referral_for(request.user, referral_id)
    if r is None:
        raise HttpError(404, NOT_FOUND)
    relocation = getattr(r, "relocation", None) if r.kind == "relocation" else None
    return {
        **_referral_summary(r),
        "purpose": r.purpose or "",
        "shared_text": r.shared_text or "",
        "outcome": r.outcome or "",
        "grant_reference": r.grant.reference if r.grant is not None else None,
        "relocation": None
        if relocation is None
        else {
            "destination_country": relocation.destination_country,
            "months": relocation.months,
            "renewals": relocation.renewals,
            **{name: getattr(relocation, name) or "" for name in services.RELOCATION_TEXTS},
        },
    }


@router.get("/referrals", response=list[ReferralSummaryOut], url_name="support_referrals")
@paginate(Pages, max_limit=100)
def list_referrals(request: HttpRequest) -> Any:
    """Referrals from cases of your compartments, most recently changed first."""
    return _Paged(selectors.referrals(request.user), _referral_summary)


# The service names the form's inputs; a refusal names the body's.
REFERRAL_FIELDS = {
    "provider": "provider_id",
    "grant": "grant_id",
    **{name: f"relocation.{name}" for name in RelocationIn.model_fields},
}


@router.post(
    "/referrals",
    response={201: ReferralOut, 400: RuleErrorOut, 404: ErrorOut},
    url_name="support_referral_create",
)
def create_referral(request: HttpRequest, payload: ReferralIn) -> Any:
    """A draft referral; refused without the person's live consent to share with partners."""
    case = cases.case_for(request.user, payload.case_reference)
    provider = selectors.provider(payload.provider_id)
    grant = selectors.grant_for(request.user, payload.grant_id) if payload.grant_id else None
    if case is None or provider is None or (payload.grant_id and grant is None):
        raise HttpError(404, NOT_FOUND)
    with named_as(REFERRAL_FIELDS):
        made = services.create_referral(
            case,
            provider,
            actor=request.user,
            purpose=payload.purpose,
            shared=[str(field) for field in payload.shared],
            follow_up_on=payload.follow_up_on,
            kind=payload.kind,
            relocation=payload.relocation.model_dump() if payload.relocation else None,
            grant=grant,
        )
    return Status(201, _referral_out(request, made.pk))


@router.get(
    "/referrals/{referral_id}",
    response={200: ReferralOut, 404: ErrorOut},
    url_name="support_referral",
)
def get_referral(request: HttpRequest, referral_id: RecordId) -> Any:
    return _referral_out(request, referral_id)


@router.post(
    "/referrals/{referral_id}/status",
    response={200: ReferralOut, 400: RuleErrorOut, 404: ErrorOut},
    url_name="support_referral_move",
)
def move_referral(request: HttpRequest, referral_id: RecordId, payload: ReferralMoveIn) -> Any:
    r = selectors.referral_for(request.user, referral_id)
    if r is None:
        raise HttpError(404, NOT_FOUND)
    services.move_referral(
        r,
        payload.status,
        actor=request.user,
        outcome=payload.outcome,
        follow_up_on=payload.follow_up_on,
    )
    return _referral_out(request, referral_id)


class RenewalIn(InputSchema):
    months: int = Field(
        ge=1, le=services.MAX_RELOCATION_MONTHS, description="One more term, up to 6 months."
    )


@router.post(
    "/referrals/{referral_id}/renewal",
    response={200: ReferralOut, 400: RuleErrorOut, 404: ErrorOut},
    url_name="support_referral_renew",
)
def renew_relocation(request: HttpRequest, referral_id: RecordId, payload: RenewalIn) -> Any:
    """Renew a temporary relocation for one more term."""
    r = selectors.referral_for(request.user, referral_id)
    if r is None:
        raise HttpError(404, NOT_FOUND)
    services.renew_relocation(r, actor=request.user, months=payload.months)
    return _referral_out(request, referral_id)


# --- Grants -------------------------------------------------------------------------------


# How an amount and a currency are documented: a positive decimal with at most two decimals
# and twelve digits before them, and an ISO 4217 code money is paid in. Documented, not
# enforced: the services also read "1,250.50" and " eur " (as typed on the pages) and refuse
# in words.
AMOUNT: dict[str, JsonValue] = {
    "pattern": r"^([1-9][0-9]{0,11}(\.[0-9]{1,2})?|0\.(0[1-9]|[1-9][0-9]?))$",
    "description": 'A positive decimal as text, with a dot: "1250.50".',
}
CURRENCY: dict[str, JsonValue] = {
    "enum": sorted(money.CURRENCIES),
    "description": "An ISO 4217 code money is paid in, such as EUR or USD.",
}


class BudgetLineIn(InputSchema):
    label: OneLine = Field(min_length=1, max_length=checks.LINE)
    amount: str = Field(min_length=1, json_schema_extra=AMOUNT)


class GrantIn(InputSchema):
    case_reference: str = Field(max_length=20)
    beneficiary: Beneficiary = Field(description="person, or group (two or more people)")
    group_size: int | None = Field(None, description="For a group: 2 to 10,000 people.")
    grant_type: GrantType
    urgency: Urgency
    need: str = Field(min_length=1, max_length=checks.TEXT)
    amount: str = Field(min_length=1, json_schema_extra=AMOUNT)
    currency: str = Field(min_length=3, json_schema_extra=CURRENCY)
    rate_to_base: str | None = Field(
        None, description="Base currency per unit; empty or 1 in the base currency."
    )
    other_funders: str = Field("", max_length=checks.TEXT)
    budget_lines: list[BudgetLineIn] = Field(default_factory=list)

    conditions = (
        when(
            "beneficiary",
            [Beneficiary.GROUP],
            requires("group_size", {"type": "integer", "minimum": 2, "maximum": 10_000}),
        ),
    )


class DiligenceNoteIn(InputSchema):
    note: str = Field(min_length=1, max_length=checks.TEXT)


class ApproveIn(InputSchema):
    approved_amount: str | None = Field(
        None, json_schema_extra={**AMOUNT, "pattern": f"^$|{AMOUNT['pattern']}"}
    )
    rate_to_base: str | None = Field(
        None,
        description="The grant's rate to the base currency, confirmed: required for a grant in "
        "another currency and refused unless it is the rate asked; empty or 1 in the base one.",
    )


class TrancheIn(InputSchema):
    method: Method
    amount: str = Field(min_length=1, json_schema_extra=AMOUNT)
    currency: str = Field(min_length=3, json_schema_extra=CURRENCY)
    rate: str | None = Field(
        None,
        description="Empty: 1 in the grant's currency, the grant's own rate in the base "
        "currency (no other currency is taken); a rate given must be that one.",
    )
    payment_details: str = Field(min_length=1, max_length=checks.TEXT)


class ReturnIn(InputSchema):
    amount: str = Field(min_length=1, json_schema_extra=AMOUNT)
    currency: str = Field(min_length=3, json_schema_extra=CURRENCY)
    rate: str | None = Field(None, description="As for a tranche: best left empty.")


class GrantReportIn(InputSchema):
    kind: ReportKind
    text: str = Field(min_length=1, max_length=checks.TEXT)


class GrantSummaryOut(Schema):
    id: int
    reference: str
    case_reference: str
    beneficiary: str
    group_size: int
    grant_type: str
    urgency: str
    status: str
    amount: str
    currency: str
    approved_amount: str | None
    requested_at: datetime


class TrancheOut(Schema):
    number: int
    method: str
    amount: str
    currency: str
    rate: str
    grant_amount: str
    payment_details: str
    at: datetime
    receipt_at: datetime | None


class GrantOut(GrantSummaryOut):
    need: str
    other_funders: str
    budget_lines: list[dict[str, str]]
    rate_to_base: str = Field(description="Base currency per unit, as asked and confirmed.")
    base_currency: str
    base_amount: str = Field(description="The amount approved (else asked) at that rate.")
    approvers: list[str]
    approvers_needed: int
    disbursed: str
    returned: str
    tranches: list[TrancheOut]
    reports: list[dict[str, Any]]


def _grant_summary(g: Grant) -> dict[str, Any]:
    return {
        "id": g.pk,
        "reference": g.reference,
        "case_reference": g.case.reference,
        "beneficiary": g.beneficiary,
        "group_size": g.group_size,
        "grant_type": g.grant_type,
        "urgency": g.urgency,
        "status": g.status,
        "amount": str(g.amount),
        "currency": g.currency,
        "approved_amount": None if g.approved_amount is None else str(g.approved_amount),
        "requested_at": g.requested_at,
    }


def _grant(request: HttpRequest, grant_id: int) -> Grant:
    found = selectors.grant_for(request.user, grant_id)
    if found is None:
        raise HttpError(404, NOT_FOUND)
    return found


def _grant_out(request: HttpRequest, grant_id: int) -> dict[str, Any]:
    g = _grant(request, grant_id)
    file = selectors.grant_file(g)
    return {
        **_grant_summary(g),
        "need": g.need or "",
        "other_funders": g.other_funders or "",
        "budget_lines": [{"label": line.label, "amount": str(line.amount)} for line in file.lines],
        "rate_to_base": money.plain(file.rate),
        "base_currency": money.base_currency(),
        "base_amount": str(file.in_base),
        "approvers": [a.approver.get_username() for a in file.approvals],
        "approvers_needed": file.needed,
        "disbursed": str(file.disbursed),
        "returned": str(file.returned),
        "tranches": [
            {
                "number": t.number,
                "method": t.method,
                "amount": str(t.amount),
                "currency": t.currency,
                "rate": str(t.rate),
                "grant_amount": str(t.grant_amount),
                "payment_details": t.payment_details or "",
                "at": t.at,
                "receipt_at": t.receipt_at,
            }
            for t in file.tranches
        ],
        "reports": [
            {"kind": r.kind, "due_on": r.due_on, "received": r.received_at is not None}
            for r in file.reports
        ],
    }


GRANT_WRITE = {200: GrantOut, 400: RuleErrorOut, 404: ErrorOut}


def _step(request: HttpRequest, grant_id: int, service: Callable[..., Any], **fields: Any) -> Any:
    """One step of a grant's workflow by the caller (the service holds the rules; a refusal
    is a 400), answered with the grant as it now is; 404 for a grant the caller cannot see."""
    service(_grant(request, grant_id), actor=request.user, **fields)
    return _grant_out(request, grant_id)


@router.get("/grants", response=list[GrantSummaryOut], url_name="support_grants")
@paginate(Pages, max_limit=100)
def list_grants(request: HttpRequest) -> Any:
    """Grants for cases of your compartments, newest first (no narrative)."""
    return _Paged(selectors.grants(request.user), _grant_summary)


@router.post(
    "/grants",
    response={201: GrantOut, 400: RuleErrorOut, 404: ErrorOut},
    url_name="support_grant_create",
)
def request_grant(request: HttpRequest, payload: GrantIn) -> Any:
    case = cases.case_for(request.user, payload.case_reference)
    if case is None:
        raise HttpError(404, NOT_FOUND)
    data = payload.model_dump(exclude={"case_reference"})
    made = services.request_grant(case, actor=request.user, **data)
    return Status(201, _grant_out(request, made.pk))


@router.get("/grants/{grant_id}", response={200: GrantOut, 404: ErrorOut}, url_name="support_grant")
def get_grant(request: HttpRequest, grant_id: RecordId) -> Any:
    return _grant_out(request, grant_id)


@router.post(
    "/grants/{grant_id}/diligence", response=GRANT_WRITE, url_name="support_grant_diligence"
)
def grant_diligence(request: HttpRequest, grant_id: RecordId, payload: DiligenceNoteIn) -> Any:
    return _step(request, grant_id, services.do_diligence, note=payload.note)


@router.post(
    "/grants/{grant_id}/approve",
    response=GRANT_WRITE,
    url_name="support_grant_approve",
    auth=RoleAuth(COORDINATOR),
)
def grant_approve(request: HttpRequest, grant_id: RecordId, payload: ApproveIn) -> Any:
    """One approval: never by whoever requested the grant or did its due diligence; above
    the threshold, two different coordinators."""
    return _step(
        request,
        grant_id,
        services.approve,
        approved_amount=payload.approved_amount,
        rate_to_base=payload.rate_to_base,
    )


@router.post(
    "/grants/{grant_id}/reject",
    response=GRANT_WRITE,
    url_name="support_grant_reject",
    auth=RoleAuth(COORDINATOR),
)
def grant_reject(request: HttpRequest, grant_id: RecordId) -> Any:
    return _step(request, grant_id, services.reject)


@router.post("/grants/{grant_id}/withdraw", response=GRANT_WRITE, url_name="support_grant_withdraw")
def grant_withdraw(request: HttpRequest, grant_id: RecordId) -> Any:
    return _step(request, grant_id, services.withdraw)


@router.post(
    "/grants/{grant_id}/tranches",
    response={201: GrantOut, 400: RuleErrorOut, 404: ErrorOut},
    url_name="support_grant_disburse",
    auth=RoleAuth(COORDINATOR),
)
def grant_disburse(request: HttpRequest, grant_id: RecordId, payload: TrancheIn) -> Any:
    """One tranche; refused past the amount approved. Written to the ledger."""
    return Status(201, _step(request, grant_id, services.disburse, **payload.model_dump()))


@router.post(
    "/grants/{grant_id}/returns",
    response={201: GrantOut, 400: RuleErrorOut, 404: ErrorOut},
    url_name="support_grant_return",
    auth=RoleAuth(COORDINATOR),
)
def grant_return(request: HttpRequest, grant_id: RecordId, payload: ReturnIn) -> Any:
    """Unspent funds returned: at most what was disbursed less what was returned already.
    Written to the ledger."""
    return Status(201, _step(request, grant_id, services.return_funds, **payload.model_dump()))


@router.post("/grants/{grant_id}/reports", response=GRANT_WRITE, url_name="support_grant_report")
def grant_report(request: HttpRequest, grant_id: RecordId, payload: GrantReportIn) -> Any:
    return _step(request, grant_id, services.receive_report, kind=payload.kind, text=payload.text)


@router.post(
    "/grants/{grant_id}/close",
    response=GRANT_WRITE,
    url_name="support_grant_close",
    auth=RoleAuth(COORDINATOR),
)
def grant_close(request: HttpRequest, grant_id: RecordId) -> Any:
    return _step(request, grant_id, services.close)


# --- Ledger and summary (no identity) -----------------------------------------------------


class LedgerOut(Schema):
    entry: int
    at: datetime
    kind: str
    grant: str = Field(description="The grant's pseudonymous reference.")
    grant_type: str
    tranche: int | None
    method: str
    amount: str
    currency: str
    rate: str
    grant_amount: str
    grant_currency: str


@router.get(
    "/ledger",
    response=list[LedgerOut],
    url_name="support_ledger",
    auth=RoleAuth("view_audit_log"),
)
@paginate(Pages, max_limit=500)
def list_ledger(request: HttpRequest) -> Any:
    """Every money movement, oldest first: amounts, dates, kinds, grant references."""
    return _Paged(selectors.ledger_entries().order_by("seq"), _ledger_row)


def _ledger_row(e: Any) -> dict[str, Any]:
    return {
        "entry": e.seq,
        "at": e.at,
        "kind": e.kind,
        "grant": e.grant_ref,
        "grant_type": e.grant_type,
        "tranche": e.tranche,
        "method": e.method,
        "amount": str(e.amount),
        "currency": e.currency,
        "rate": str(e.rate),
        "grant_amount": str(e.grant_amount),
        "grant_currency": e.grant_currency,
    }


class TotalOut(Schema):
    key: str
    count: int
    amount: str = Field(description="As approved.")
    disbursed: str
    returned: str = Field(description="Unspent funds given back.")
    net_disbursed: str = Field(description="Disbursed less returned.")


class TotalsOut(Schema):
    currency: str
    count: int
    amount: str = Field(description="As approved.")
    disbursed: str
    returned: str = Field(description="Unspent funds given back.")
    net_disbursed: str = Field(description="Disbursed less returned.")
    by_type: list[TotalOut]
    by_month: list[TotalOut]
    by_country: list[TotalOut]


@router.get(
    "/summary",
    response=TotalsOut,
    url_name="support_summary",
    auth=RoleAuth(COORDINATOR),
)
def summary(request: HttpRequest) -> Any:
    """Approved grants counted and summed by type, month and country, with what was
    disbursed, returned unspent and the net disbursed (no identity)."""
    t = selectors.grant_totals()

    def money(i: Any) -> dict[str, Any]:
        return {
            "count": i.count,
            "amount": str(i.amount),
            "disbursed": str(i.disbursed),
            "returned": str(i.returned),
            "net_disbursed": str(i.net),
        }

    def rows(items: Any) -> list[dict[str, Any]]:
        return [{"key": i.key or "", **money(i)} for i in items]

    return {
        "currency": t.currency,
        **money(t),
        "by_type": rows(t.by_type),
        "by_month": rows(t.by_month),
        "by_country": rows(t.by_country),
    }
