"""API for accountability, mounted at /api/v1/advocacy/.

Communications are for case staff, scoped like the pages (another compartment's answers 404,
like a missing one). The outcome counts are the analyst's: numbers by mechanism, never a name."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from aegis.api_auth import RoleAuth
from aegis.api_schemas import (
    ONE_LINE,
    BlankIsNone,
    ErrorOut,
    InputSchema,
    OneLine,
    RecordId,
    RuleErrorOut,
    blank_allowed,
    requires,
    rows_of,
    text_pattern,
    when,
)
from aegis.cases import selectors as cases
from aegis.incidents import selectors as incidents

from . import builder, checks, selectors, services
from .models import Communication
from .vocabulary import Kind, Language
from .vocabulary import Status as CommunicationStatus

NOT_FOUND = gettext_noop("Not found.")
router = Router(tags=["advocacy"], auth=RoleAuth("view_cases"))


class MechanismOut(Schema):
    id: int
    code: str
    name: str
    kinds: list[str]
    channel: str
    address: str
    subject_convention: str
    consent_rule: str
    languages: list[str]
    reply_period_days: int
    required_elements: list[str]
    mandates: dict[int, str]


class CommunicationSummaryOut(Schema):
    id: int
    case: str
    mechanism: str
    kind: str
    language: str
    status: str
    reference: str
    sent_on: datetime.date | None
    reply_due_on: datetime.date | None
    overdue: bool


class CommunicationOut(CommunicationSummaryOut):
    incidents: list[str]
    narrative: str
    elements: dict[str, Any]
    missing: list[str] = Field(description="Required elements not yet there: it cannot be sent.")
    reply_summary: str


def _elements(schema: dict[str, Any]) -> None:
    """The elements a communication takes (`checks.FIELDS`), each as the service reads it: a
    yes/no box is any true or false value; a text is one line or several (false: none)."""

    def text(one_line: bool) -> dict[str, Any]:
        pattern = text_pattern(ONE_LINE.characters if one_line else "")
        written = {"type": "string", "pattern": pattern, "maxLength": services.TEXT_MAX}
        return {"anyOf": [written, {"const": False}]}

    schema["propertyNames"] = {"enum": sorted(checks.FIELDS)}
    schema["properties"] = {
        key: {"anyOf": [{"type": "string"}, {"type": "boolean"}]} if f.flag else text(not f.lines)
        for key, f in sorted(checks.FIELDS.items())
    }


class CommunicationIn(InputSchema):
    case: str = Field(max_length=20)
    mechanism_id: RecordId
    kind: Kind
    language: Language
    incidents: list[str] = Field(default_factory=list, max_length=50)
    mandates: list[RecordId] = Field(default_factory=list, max_length=20)
    narrative: str = Field("", max_length=services.TEXT_MAX)
    elements: dict[str, str | bool] = Field(
        default_factory=dict, max_length=20, json_schema_extra=_elements
    )

    @field_validator("elements")
    @classmethod
    def _texts_not_too_long(cls, elements: dict[str, str | bool]) -> dict[str, str | bool]:
        """An element's text, as the schema documents it, is at most as long as the service
        takes; a yes/no box's value is any text (it is read as true)."""
        for key, value in elements.items():
            spec = checks.FIELDS.get(key)
            text = spec is not None and not spec.flag and isinstance(value, str)
            if text and len(str(value)) > services.TEXT_MAX:
                raise PydanticCustomError(
                    "string_too_long",
                    _("Give at most %(max_length)s characters.")
                    % {"max_length": services.TEXT_MAX},
                    {"max_length": services.TEXT_MAX},
                )
        return elements


class StepIn(InputSchema):
    step: Literal[
        "submit", "approve", "send", "acknowledge", "transmit", "no_reply", "publish", "follow_up"
    ]
    on: datetime.date | None = None
    reference: OneLine = Field(
        "", max_length=services.LINE_MAX, description="Required to acknowledge."
    )
    publication: OneLine = Field(
        "", max_length=services.LINE_MAX, description="Required to publish."
    )

    conditions = (
        when("step", ["acknowledge"], requires("reference")),
        when("step", ["publish"], requires("publication")),
    )


class ListFilters(Schema):
    page: int = Field(1, ge=1, le=100_000)
    status: Annotated[CommunicationStatus | None, BlankIsNone] = Field(
        None, json_schema_extra=blank_allowed
    )


class MechanismCountsOut(Schema):
    code: str
    communications: int
    sent: int
    answered: int
    overdue: int
    outcomes: dict[str, int]


def _summary(c: Communication) -> dict[str, Any]:
    return {
        "id": c.pk,
        "case": c.case.reference,
        "mechanism": c.mechanism.code,
        "kind": c.kind,
        "language": c.language,
        "status": c.status,
        "reference": c.reference_if_open,
        "sent_on": c.sent_on,
        "reply_due_on": c.reply_due_on,
        "overdue": selectors.is_overdue(c),
    }


def _full(c: Communication) -> dict[str, Any]:
    dossier = builder.build(c)  # opens the keys it reads
    return {
        **_summary(c),
        "incidents": [e.reference for e in dossier.events],
        "narrative": c.narrative or "",
        "elements": dossier.elements,
        "missing": [e.key for e in checks.missing(dossier)],
        "reply_summary": c.reply_summary or "",
    }


def _communication(request: HttpRequest, pk: int) -> Communication:
    found = selectors.communication_for(request.user, pk)
    if found is None:
        raise HttpError(404, NOT_FOUND)
    services.seal_references(found)  # one kept before its references were sealed
    return found


@router.get("/mechanisms", response={200: list[MechanismOut]}, url_name="advocacy_mechanisms")
def list_mechanisms(request: HttpRequest) -> Any:
    return [
        {
            "id": m.pk,
            "code": m.code,
            "name": m.name,
            "kinds": m.kind_list,
            "channel": m.channel,
            "address": m.address,
            "subject_convention": m.subject_convention,
            "consent_rule": m.consent_rule,
            "languages": m.language_list,
            "reply_period_days": m.reply_period_days,
            "required_elements": [e.key for e in checks.elements_of(m.checks)],
            "mandates": {mandate.pk: mandate.name for mandate in m.mandates.all()},
        }
        for m in selectors.mechanisms()
    ]


@router.get(
    "/communications",
    response={200: list[CommunicationSummaryOut]},
    url_name="advocacy_communications",
)
def list_communications(request: HttpRequest, filters: Query[ListFilters]) -> Any:
    """The caller's communications, most recently changed first, 25 a page."""
    page = selectors.communications_page(request.user, filters.page, status=filters.status or "")
    return [_summary(c) for c in rows_of(page, filters.page)]


@router.post(
    "/communications",
    response={201: CommunicationOut, 400: RuleErrorOut, 404: ErrorOut},
    url_name="advocacy_create",
)
def create_communication(request: HttpRequest, payload: CommunicationIn) -> Any:
    case = cases.case_for(request.user, payload.case)
    mechanism = selectors.mechanism_by_id(payload.mechanism_id)
    if case is None or mechanism is None:
        raise HttpError(404, NOT_FOUND)
    linked = list(
        incidents.incidents_of_case(request.user, case).filter(reference__in=payload.incidents)
    )
    if len(linked) != len(set(payload.incidents)):
        raise HttpError(404, gettext_noop("One of the incidents is not linked to this case."))
    mandates = selectors.mandates_of(mechanism, payload.mandates)
    if len(mandates) != len(set(payload.mandates)):
        raise HttpError(
            404, gettext_noop("One of the mandates is not a mandate of this mechanism.")
        )
    created = services.create_communication(
        case,
        mechanism=mechanism,
        kind=payload.kind,
        language=payload.language,
        actor_id=request.user.pk,
        incidents=linked,
        mandates=mandates,
        narrative=payload.narrative,
        elements=payload.elements,
    )
    return Status(201, _full(_communication(request, created.pk)))


@router.get(
    "/communications/{communication_id}",
    response={200: CommunicationOut, 404: ErrorOut},
    url_name="advocacy_communication",
)
def get_communication(request: HttpRequest, communication_id: RecordId) -> Any:
    return _full(_communication(request, communication_id))


@router.post(
    "/communications/{communication_id}/steps",
    response={200: CommunicationOut, 400: RuleErrorOut, 404: ErrorOut},
    url_name="advocacy_step",
)
def take_step(request: HttpRequest, communication_id: RecordId, payload: StepIn) -> Any:
    """Move it along: submit, approve (a second person), send (every required element
    there), acknowledge (with the mechanism's reference), transmit, no_reply, publish,
    follow_up."""
    c = _communication(request, communication_id)
    actor, on = request.user.pk, payload.on
    match payload.step:
        case "submit":
            services.submit_for_review(c, actor_id=actor)
        case "approve":
            services.approve(c, actor_id=actor)
        case "send":
            services.mark_sent(c, actor_id=actor, on=on)
        case "acknowledge":
            services.acknowledge(c, reference=payload.reference, actor_id=actor, on=on)
        case "transmit":
            services.transmitted(c, actor_id=actor, on=on)
        case "no_reply":
            services.record_no_reply(c, actor_id=actor)
        case "publish":
            services.publish(c, publication=payload.publication, actor_id=actor, on=on)
        case _:
            services.follow_up(c, actor_id=actor, on=on)
    return _full(_communication(request, communication_id))


@router.get(
    "/outcomes",
    response={200: list[MechanismCountsOut]},
    auth=RoleAuth("view_analytics"),
    url_name="advocacy_outcomes",
)
def outcomes(request: HttpRequest) -> Any:
    """Counts by mechanism: written, sent, answered, overdue, and outcomes. No names."""
    return [
        {
            "code": row.code,
            "communications": row.communications,
            "sent": row.sent,
            "answered": row.answered,
            "overdue": row.overdue,
            "outcomes": row.outcomes,
        }
        for row in selectors.outcome_counts()
    ]
