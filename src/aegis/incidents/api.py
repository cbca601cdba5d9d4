"""API for incidents, mounted at /api/v1/incidents/.

The router's auth checks the role before the body is read, so a refused role gets 403 even
for a malformed request. An incident outside the caller's compartments answers 404, exactly
like a missing one."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import WithJsonSchema

from aegis.api_auth import RoleAuth
from aegis.api_schemas import (
    COUNTRY_FILTER,
    COUNTRY_OR_ALL,
    MAX_OFFSET,
    BlankIsNone,
    ErrorOut,
    FieldErrorsOut,
    InputSchema,
    OneLine,
    RecordId,
    Undisguised,
    blank_allowed,
    region_follows_country,
    rows_of,
)
from aegis.cases import selectors as case_selectors
from aegis.cases.vocabulary import AgeGroup, Gender
from aegis.rules import NotFound
from aegis.vault.selectors import open_records

from . import selectors, services
from .models import Act, Incident, IncidentLink, Perpetrator, Source
from .vocabulary import (
    DatePrecision,
    Involvement,
    LinkKind,
    PerpetratorType,
    Reliability,
    SourceKind,
    VerificationStatus,
    ViolationType,
)

NOT_FOUND = gettext_noop("There is no such incident.")


router = Router(tags=["incidents"], auth=RoleAuth("view_cases"))


# --- Schemas ------------------------------------------------------------------------------


class IncidentIn(InputSchema):
    compartment_id: RecordId
    title: OneLine = Field(min_length=1, max_length=services.TITLE_MAX)
    description: str = Field("", max_length=services.TEXT_MAX)
    date_start: datetime.date
    date_end: datetime.date | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    country: str = Field("", description="ISO 3166-1 alpha-2")
    region: str = Field("", description="ISO 3166-2 first-level region of the country")
    exact_location: str = Field("", max_length=services.LINE_MAX)
    cases: list[str] = Field(default_factory=list, description="Case references")


class IncidentSummaryOut(Schema):
    reference: str
    title: str
    date_start: datetime.date
    date_end: datetime.date | None
    date_precision: str
    country: str
    region: str
    verification: str
    violation_types: list[str]


class VictimOut(Schema):
    person_id: int | None
    description: str
    sex: str
    age_group: str


class ActPerpetratorOut(Schema):
    perpetrator_id: int
    perpetrator_type: str
    name: str
    involvement: str


class ActOut(Schema):
    id: int
    violation_type: str
    victims: list[VictimOut]
    perpetrators: list[ActPerpetratorOut]


class SourceOut(Schema):
    id: int
    kind: str
    reliability: str
    independent: bool
    description: str
    added_at: datetime.datetime


class LinkOut(Schema):
    kind: str
    direction: str = Field(description="'to': this incident <kind> the other; 'from': reverse")
    reference: str


class IncidentOut(IncidentSummaryOut):
    compartment_id: int
    description: str
    exact_location: str
    verified_by: str | None
    verified_at: datetime.datetime | None
    cases: list[str]
    acts: list[ActOut]
    sources: list[SourceOut]
    links: list[LinkOut]


class DescribedVictimIn(InputSchema):
    description: str = Field(min_length=1, max_length=services.TEXT_MAX)
    sex: Gender = Gender.UNKNOWN
    age_group: AgeGroup = AgeGroup.UNKNOWN


class ActPerpetratorIn(InputSchema):
    perpetrator_id: RecordId
    involvement: Involvement = Involvement.PERPETRATOR


class ActIn(InputSchema):
    violation_type: ViolationType
    victim_person_ids: list[RecordId] = Field(default_factory=list)
    described_victims: list[DescribedVictimIn] = Field(default_factory=list)
    perpetrators: list[ActPerpetratorIn] = Field(default_factory=list)


# Written out where it is used: the schema keys an enum by its class name, and the news
# sources' SourceKind (feed, page) had taken this one's place, so "feed" was documented here.
SourceKindIn = Annotated[
    SourceKind, WithJsonSchema({"type": "string", "enum": list(SourceKind.values)})
]


class SourceIn(InputSchema):
    kind: SourceKindIn
    reliability: Reliability = Field(description="A (reliable) to E (unreliable)")
    independent: bool = False
    description: str = Field("", max_length=services.TEXT_MAX)


class VerificationIn(InputSchema):
    status: VerificationStatus


class PerpetratorIn(InputSchema):
    compartment_id: RecordId
    perpetrator_type: PerpetratorType = PerpetratorType.UNKNOWN
    name: OneLine = Field("", max_length=services.LINE_MAX)
    description: str = Field("", max_length=services.TEXT_MAX)


class PerpetratorOut(Schema):
    id: int
    compartment_id: int
    perpetrator_type: str
    name: str
    description: str


class LinkIn(InputSchema):
    kind: LinkKind
    to_reference: str = Field(min_length=1)


REASON = Field(
    min_length=1, description="Why this is corrected; kept, encrypted, in the history of changes."
)


class IncidentCorrectionIn(InputSchema):
    """Only the fields given change; the others keep their values."""

    title: OneLine | None = Field(None, min_length=1, max_length=services.TITLE_MAX)
    description: str | None = Field(None, max_length=services.TEXT_MAX)
    date_start: datetime.date | None = None
    date_end: datetime.date | None = Field(None, description="Omit to keep; null only if given.")
    date_precision: DatePrecision | None = None
    country: str | None = None
    region: str | None = None
    exact_location: str | None = Field(None, max_length=services.LINE_MAX)
    cases: list[str] | None = Field(
        None,
        description="Case references, replacing the links you can see; omit to keep them. "
        "A link to a case that moved to a compartment you are not in is kept.",
    )
    reason: Undisguised = REASON


class ActCorrectionIn(InputSchema):
    violation_type: ViolationType
    reason: Undisguised = REASON


class VictimCorrectionIn(InputSchema):
    id: RecordId | None = Field(None, description="A described victim of the act; omit to add.")
    description: str = Field(min_length=1, max_length=services.TEXT_MAX)
    sex: Gender = Gender.UNKNOWN
    age_group: AgeGroup = AgeGroup.UNKNOWN


class VictimsCorrectionIn(InputSchema):
    """The act's victims after the correction: a victim left out is no longer one."""

    victim_person_ids: list[RecordId] = Field(default_factory=list)
    described_victims: list[VictimCorrectionIn] = Field(default_factory=list)
    reason: Undisguised = REASON


class SourceCorrectionIn(SourceIn):
    reason: Undisguised = REASON


class PerpetratorCorrectionIn(InputSchema):
    perpetrator_type: PerpetratorType
    name: OneLine = Field("", max_length=services.LINE_MAX)
    description: str = Field("", max_length=services.TEXT_MAX)
    reason: Undisguised = REASON


class IncidentFilters(Schema):
    country: str = Field("", pattern=COUNTRY_OR_ALL, description=COUNTRY_FILTER)
    violation_type: Annotated[ViolationType | None, BlankIsNone] = Field(
        None, json_schema_extra=blank_allowed
    )
    verification: Annotated[VerificationStatus | None, BlankIsNone] = Field(
        None, json_schema_extra=blank_allowed
    )
    page: int = Field(1, ge=1, le=MAX_OFFSET)


# --- Serialising (inside the key context: encrypted fields decrypt on read) ---------------


def _summary(incident: Incident) -> dict[str, Any]:
    return {
        "reference": incident.reference,
        "title": incident.title,
        "date_start": incident.date_start,
        "date_end": incident.date_end,
        "date_precision": incident.date_precision,
        "country": incident.country,
        "region": incident.region,
        "verification": incident.verification,
        "violation_types": [act.violation_type for act in incident.acts.all()],
    }


def _act(act: Act) -> dict[str, Any]:
    # Its victims and perpetrators in one batch (none left to open after incident_page).
    open_records(act.victims.all(), [named.perpetrator for named in act.perpetrators.all()])
    return {
        "id": act.pk,
        "violation_type": act.violation_type,
        "victims": [
            {
                "person_id": v.person_id,
                "description": v.description or "",
                "sex": v.sex,
                "age_group": v.age_group,
            }
            for v in act.victims.all()
        ],
        "perpetrators": [
            {
                "perpetrator_id": p.perpetrator_id,
                "perpetrator_type": p.perpetrator.perpetrator_type,
                "name": p.perpetrator.name or "",
                "involvement": p.involvement,
            }
            for p in act.perpetrators.all()
        ],
    }


def _source(source: Source) -> dict[str, Any]:
    return {
        "id": source.pk,
        "kind": source.kind,
        "reliability": source.reliability,
        "independent": source.independent,
        "description": source.description or "",
        "added_at": source.added_at,
    }


def _links(shown: selectors.IncidentPage) -> list[dict[str, Any]]:
    return [
        {"kind": link.kind, "direction": "to", "reference": link.to_incident.reference}
        for link in shown.outgoing
    ] + [
        {"kind": link.kind, "direction": "from", "reference": link.from_incident.reference}
        for link in shown.incoming
    ]


def _full(user: Any, incident: Incident) -> dict[str, Any]:
    """The incident (its key opened by incident_for) and what its page shows, whose keys
    incident_page opens in one batch."""
    shown = selectors.incident_page(user, incident)
    acts = shown.acts
    return {
        **_summary(incident),
        "violation_types": [act.violation_type for act in acts],
        "compartment_id": incident.compartment_id,
        "description": incident.description or "",
        "exact_location": incident.exact_location or "",
        "verified_by": incident.verified_by.get_username() if incident.verified_by else None,
        "verified_at": incident.verified_at,
        "cases": list(incident.cases.order_by("reference").values_list("reference", flat=True)),
        "acts": [_act(act) for act in acts],
        "sources": [_source(s) for s in shown.sources],
        "links": _links(shown),
    }


def _perpetrator(perpetrator: Perpetrator) -> dict[str, Any]:
    return {
        "id": perpetrator.pk,
        "compartment_id": perpetrator.compartment_id,
        "perpetrator_type": perpetrator.perpetrator_type,
        "name": perpetrator.name or "",
        "description": perpetrator.description or "",
    }


def _incident(request: HttpRequest, incident_ref: str) -> Incident:
    incident = selectors.incident_for(request.user, incident_ref)
    if incident is None:
        raise HttpError(404, NOT_FOUND)
    return incident


def _compartment(request: HttpRequest, compartment_id: int) -> Any:
    compartment = case_selectors.compartment_of_user(request.user, compartment_id)
    if compartment is None:
        raise HttpError(404, gettext_noop("There is no such compartment."))
    return compartment


def _cases(request: HttpRequest, references: list[str]) -> list[Any]:
    """The cases a body names, each one the caller may see; else 404 naming the input, as
    for the record of the address."""
    cases = list(case_selectors.visible_cases(request.user).filter(reference__in=references))
    if len(cases) != len(set(references)):
        raise NotFound(_("One of the cases does not exist."), "cases")
    return cases


def _act_of(incident: Incident, act_id: int) -> Act:
    act = selectors.acts_of(incident).filter(pk=act_id).first()
    if act is None:
        raise HttpError(404, gettext_noop("This incident has no such act."))
    return act


# --- Endpoints ----------------------------------------------------------------------------


@router.get("/", response=list[IncidentSummaryOut], summary="List incidents")
def list_incidents(request: HttpRequest, filters: Query[IncidentFilters]) -> Any:
    """Incidents in the caller's compartments, newest first, 25 a page."""
    page = selectors.incidents_page(
        request.user,
        filters.page,
        country=filters.country,
        violation_type=filters.violation_type or "",
        verification=filters.verification or "",
    )
    return [_summary(incident) for incident in rows_of(page, filters.page)]


@router.post(
    "/",
    response={201: IncidentOut, 400: ErrorOut, 404: ErrorOut},
    summary="Record an incident",
)
def create_incident(request: HttpRequest, payload: IncidentIn) -> Any:
    compartment = _compartment(request, payload.compartment_id)
    cases = _cases(request, payload.cases)
    data = payload.model_dump(exclude={"compartment_id", "cases"})
    incident = services.create_incident(compartment, actor_id=request.user.pk, cases=cases, **data)
    return Status(201, _full(request.user, incident))


@router.post(
    "/perpetrators",
    response={201: PerpetratorOut, 400: ErrorOut, 404: ErrorOut},
    summary="Record a perpetrator",
)
def create_perpetrator(request: HttpRequest, payload: PerpetratorIn) -> Any:
    compartment = _compartment(request, payload.compartment_id)
    perpetrator = services.create_perpetrator(
        compartment,
        actor_id=request.user.pk,
        perpetrator_type=payload.perpetrator_type,
        name=payload.name,
        description=payload.description,
    )
    return Status(201, _perpetrator(perpetrator))


@router.get(
    "/{incident_ref}", response={200: IncidentOut, 404: ErrorOut}, summary="Read an incident"
)
def get_incident(request: HttpRequest, incident_ref: str) -> Any:
    incident = _incident(request, incident_ref)
    return _full(request.user, incident)


@router.post(
    "/{incident_ref}/acts",
    response={201: ActOut, 400: ErrorOut, 404: ErrorOut},
    summary="Add an act",
)
def add_act(request: HttpRequest, incident_ref: str, payload: ActIn) -> Any:
    incident = _incident(request, incident_ref)
    people = {
        p.pk: p
        for p in selectors.people_in(request.user, incident.compartment).filter(
            pk__in=payload.victim_person_ids
        )
    }
    perpetrators = {
        p.pk: p
        for p in selectors.perpetrators_in(incident.compartment).filter(
            pk__in=[p.perpetrator_id for p in payload.perpetrators]
        )
    }
    if set(payload.victim_person_ids) - set(people):
        raise HttpError(
            404, gettext_noop("A victim is not a person in this incident's compartment.")
        )
    if {p.perpetrator_id for p in payload.perpetrators} - set(perpetrators):
        raise HttpError(
            404, gettext_noop("A perpetrator is not recorded in this incident's compartment.")
        )
    act = services.add_act(
        incident,
        violation_type=payload.violation_type,
        actor_id=request.user.pk,
        victims=[people[pk] for pk in payload.victim_person_ids],
        perpetrators=[
            (perpetrators[p.perpetrator_id], p.involvement) for p in payload.perpetrators
        ],
        described_victims=[
            services.DescribedVictim(v.description, v.sex, v.age_group)
            for v in payload.described_victims
        ],
    )
    return Status(201, _act(selectors.acts_of(incident).get(pk=act.pk)))


@router.post(
    "/{incident_ref}/sources",
    response={201: SourceOut, 400: ErrorOut, 404: ErrorOut},
    summary="Add a source",
)
def add_source(request: HttpRequest, incident_ref: str, payload: SourceIn) -> Any:
    incident = _incident(request, incident_ref)
    source = services.add_source(incident, actor_id=request.user.pk, **payload.model_dump())
    return Status(201, _source(source))


@router.post(
    "/{incident_ref}/links",
    response={201: LinkOut, 400: ErrorOut, 404: ErrorOut},
    summary="Link two incidents",
)
def link_incidents(request: HttpRequest, incident_ref: str, payload: LinkIn) -> Any:
    incident = _incident(request, incident_ref)
    other = selectors.incident_for(request.user, payload.to_reference)
    if other is None:
        raise HttpError(404, gettext_noop("There is no incident with this reference."))
    link: IncidentLink = services.link_incidents(
        incident, other, kind=payload.kind, actor_id=request.user.pk
    )
    return Status(201, {"kind": link.kind, "direction": "to", "reference": other.reference})


@router.post(
    "/{incident_ref}/verification",
    response={200: IncidentSummaryOut, 400: ErrorOut, 404: ErrorOut},
    summary="Set verification",
)
def set_verification(request: HttpRequest, incident_ref: str, payload: VerificationIn) -> Any:
    """Corroborated needs two independent sources; verified records who and when."""
    incident = _incident(request, incident_ref)
    incident = services.set_verification(incident, payload.status, actor_id=request.user.pk)
    return _summary(incident)


# --- Corrections (each with its reason, kept in the history of changes) --------------------

CORRECTED = {200: IncidentOut, 404: ErrorOut, 422: FieldErrorsOut}


@router.patch("/{incident_ref}", response=CORRECTED, summary="Correct an incident")
def correct_incident(request: HttpRequest, incident_ref: str, payload: IncidentCorrectionIn) -> Any:
    """Only the fields given change; the previous values go to the history of changes."""
    incident = _incident(request, incident_ref)
    cases = None
    if payload.cases is not None:
        cases = _cases(request, payload.cases)
    fields = payload.model_dump(exclude={"reason", "cases"}, exclude_unset=True)
    fields = {k: v for k, v in fields.items() if v is not None or k == "date_end"}
    fields = region_follows_country(incident.country, fields)
    services.update_incident(
        incident, actor_id=request.user.pk, reason=payload.reason, cases=cases, **fields
    )
    return _full(request.user, incident)


@router.patch(
    "/{incident_ref}/acts/{act_id}",
    response={200: ActOut, 404: ErrorOut, 422: FieldErrorsOut},
    summary="Correct an act's violation",
)
def correct_act(
    request: HttpRequest, incident_ref: str, act_id: RecordId, payload: ActCorrectionIn
) -> Any:
    act = _act_of(_incident(request, incident_ref), act_id)
    services.update_act(
        act,
        actor_id=request.user.pk,
        reason=payload.reason,
        violation_type=payload.violation_type,
    )
    return _act(selectors.acts_of(act.incident).get(pk=act.pk))


@router.put(
    "/{incident_ref}/acts/{act_id}/victims",
    response={200: ActOut, 404: ErrorOut, 422: FieldErrorsOut},
    summary="Correct an act's victims",
)
def correct_victims(
    request: HttpRequest, incident_ref: str, act_id: RecordId, payload: VictimsCorrectionIn
) -> Any:
    """The victims after the correction: people on file by id, described victims with the
    id of one already recorded (corrected) or without (added); one left out is removed."""
    incident = _incident(request, incident_ref)
    act = _act_of(incident, act_id)
    people = {
        p.pk: p
        for p in selectors.people_in(request.user, incident.compartment).filter(
            pk__in=payload.victim_person_ids
        )
    }
    if set(payload.victim_person_ids) - set(people):
        raise NotFound(
            _("A victim is not a person in this incident's compartment."), "victim_person_ids"
        )

    def described(v: VictimCorrectionIn) -> services.DescribedVictim:
        return services.DescribedVictim(v.description, v.sex, v.age_group)

    services.update_victims(
        act,
        actor_id=request.user.pk,
        reason=payload.reason,
        people=[people[pk] for pk in payload.victim_person_ids],
        described={v.id: described(v) for v in payload.described_victims if v.id},
        added=[described(v) for v in payload.described_victims if not v.id],
    )
    return _act(selectors.acts_of(incident).get(pk=act.pk))


@router.patch(
    "/{incident_ref}/sources/{source_id}",
    response={200: SourceOut, 404: ErrorOut, 422: FieldErrorsOut},
    summary="Correct a source",
)
def correct_source(
    request: HttpRequest, incident_ref: str, source_id: RecordId, payload: SourceCorrectionIn
) -> Any:
    source = _incident(request, incident_ref).sources.filter(pk=source_id).first()
    if source is None:
        raise HttpError(404, NOT_FOUND)
    services.update_source(source, actor_id=request.user.pk, **payload.model_dump())
    return _source(source)


@router.patch(
    "/{incident_ref}/perpetrators/{perpetrator_id}",
    response={200: PerpetratorOut, 404: ErrorOut, 422: FieldErrorsOut},
    summary="Correct a perpetrator",
)
def correct_perpetrator(
    request: HttpRequest,
    incident_ref: str,
    perpetrator_id: RecordId,
    payload: PerpetratorCorrectionIn,
) -> Any:
    """A perpetrator of the incident's compartment; every act that names them shows it."""
    incident = _incident(request, incident_ref)
    perpetrator = selectors.perpetrators_in(incident.compartment).filter(pk=perpetrator_id).first()
    if perpetrator is None:
        raise HttpError(404, NOT_FOUND)
    services.update_perpetrator(perpetrator, actor_id=request.user.pk, **payload.model_dump())
    return _perpetrator(perpetrator)
