"""API for safety plans, mounted at /api/v1/safety/. Staff reach a person's plan within their
compartments (anyone else's answers 404, exactly like a missing one); a defender reads only
their own plan. The duress word is never returned, only whether one is set."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, time
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from aegis.api_auth import RoleAuth
from aegis.api_schemas import EMAIL, ErrorOut, FieldErrorsOut, InputSchema, RecordId, Undisguised
from aegis.cases.models import Person

from . import selectors, services
from .drafts import ContactDraft, PlanDraft, ScenarioDraft
from .models import PlanVersion
from .vocabulary import (
    CHECKIN_GRACE_MAX_MINUTES,
    CHECKIN_INTERVAL_MAX_HOURS,
    DEFAULT_GRACE_MINUTES,
    DURESS_MAX,
    LINE_MAX,
    MAX_CONTACTS,
    NAME_MAX,
    SAFE_PLACES_MAX,
    SCENARIO_TEXT_MAX,
    PlanLanguage,
    ScenarioKind,
)

NOT_FOUND = gettext_noop("Not found.")
STAFF = "view_cases"
DEFENDER = "view_own_case"


router = Router(tags=["safety"], auth=RoleAuth(STAFF))


class ContactIn(InputSchema):
    name: Undisguised = Field(min_length=1, max_length=NAME_MAX)
    relation: Undisguised = Field("", max_length=LINE_MAX)
    phone: Undisguised = Field("", max_length=LINE_MAX, description="For calls and SMS.")
    email: str = Field("", max_length=LINE_MAX, json_schema_extra=EMAIL)
    signal: Undisguised = Field("", max_length=LINE_MAX)
    other_channel: Undisguised = Field("", max_length=LINE_MAX)
    language: PlanLanguage | None = Field(None, description="Default: the plan's language.")


class ContactOut(Schema):
    priority: int = Field(description="1 is called first.")
    name: str
    relation: str
    phone: str
    email: str
    signal: str
    other_channel: str
    language: str


class ScenarioIn(InputSchema):
    kind: ScenarioKind
    steps: Undisguised = Field("", max_length=SCENARIO_TEXT_MAX)
    whom_to_call: Undisguised = Field("", max_length=SCENARIO_TEXT_MAX)
    what_to_carry: Undisguised = Field("", max_length=SCENARIO_TEXT_MAX)


class ScenarioOut(Schema):
    kind: str
    steps: str
    whom_to_call: str
    what_to_carry: str


# A wall-clock time as the plan takes it: JSON Schema's "time" format (RFC 3339) requires an
# offset, which the plan refuses, so a client following the format was always refused.
WALL_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _wall_clock(schema: dict[str, Any]) -> None:
    for option in schema.get("anyOf", []):
        if option.get("format") == "time":
            del option["format"]
            option["pattern"] = WALL_CLOCK


class PlanIn(InputSchema):
    language: PlanLanguage
    contacts: list[ContactIn] = Field(
        default_factory=list,
        max_length=MAX_CONTACTS,
        description=f"In order of priority; at most {MAX_CONTACTS}.",
    )
    checkin_interval_hours: int | None = Field(
        None, ge=1, le=CHECKIN_INTERVAL_MAX_HOURS, description="None: no regular check-in."
    )
    checkin_grace_minutes: int = Field(DEFAULT_GRACE_MINUTES, ge=0, le=CHECKIN_GRACE_MAX_MINUTES)
    quiet_from: time | None = Field(
        None,
        description="A wall-clock time without an offset, such as 22:00, read in the instance's "
        "time zone, which a plan's `quiet_hours_time_zone` names.",
        json_schema_extra=_wall_clock,
    )
    quiet_until: time | None = Field(
        None, description="As `quiet_from`.", json_schema_extra=_wall_clock
    )
    duress_word: Undisguised | None = Field(
        None,
        max_length=DURESS_MAX,
        description="None keeps the current word; an empty string removes it.",
    )
    safe_places: Undisguised = Field("", max_length=SAFE_PLACES_MAX, description="One per line.")
    scenarios: list[ScenarioIn] = Field(
        default_factory=list,
        max_length=len(ScenarioKind),
        description="At most one of each kind.",
    )


class VersionOut(Schema):
    number: int
    created_at: datetime
    created_by: str | None
    language: str


class PlanOut(VersionOut):
    person_id: int
    current: bool
    checkin_interval_hours: int | None
    checkin_grace_minutes: int
    # Local wall-clock times without an offset ("22:00:00"), which JSON Schema's "time" format
    # (RFC 3339, offset required) does not describe.
    quiet_from: str | None = Field(None, pattern=r"^\d\d:\d\d:\d\d$")
    quiet_until: str | None = Field(None, pattern=r"^\d\d:\d\d:\d\d$")
    quiet_hours_time_zone: str = Field(
        description="The time zone the quiet hours are read in (the instance's), such as "
        "America/Bogota."
    )
    safe_places: list[str]
    contacts: list[ContactOut]
    scenarios: list[ScenarioOut]


class StaffPlanOut(PlanOut):
    """A plan as its caseworkers read it. The defender's own (PlanOut) says nothing of a
    duress word: whoever makes them show their phone must not learn there is one to ask for."""

    duress_word_set: bool


def _staff_person(request: HttpRequest, person_id: RecordId) -> Person:
    person = selectors.person_for_staff(request.user, person_id)
    if person is None:
        raise HttpError(404, NOT_FOUND)
    return person


def _version_out(version: PlanVersion) -> dict[str, Any]:
    user = version.created_by
    return {
        "number": version.number,
        "created_at": version.created_at,
        "created_by": user.get_username() if user is not None else None,
        "language": version.language,
    }


def _clock_time(value: time) -> str:
    return value.replace(microsecond=0, tzinfo=None).isoformat()


def _staff_plan_out(person: Person, version: PlanVersion) -> dict[str, Any]:
    return {**_plan_out(person, version), "duress_word_set": bool(version.duress_digest)}


def _plan_out(person: Person, version: PlanVersion) -> dict[str, Any]:
    plan = selectors.contents(version)
    current = selectors.current_version(person)
    return {
        **_version_out(version),
        "person_id": person.pk,
        "current": current is not None and current.number == version.number,
        "checkin_interval_hours": version.checkin_interval_hours,
        "checkin_grace_minutes": version.checkin_grace_minutes,
        "quiet_from": _clock_time(plan.quiet_hours[0]) if plan.quiet_hours else None,
        "quiet_until": _clock_time(plan.quiet_hours[1]) if plan.quiet_hours else None,
        "quiet_hours_time_zone": plan.time_zone,
        "safe_places": plan.safe_places,
        "contacts": [asdict(c) for c in selectors.emergency_contacts_of(version)],
        "scenarios": [
            {
                "kind": s.kind,
                "steps": s.steps or "",
                "whom_to_call": s.whom_to_call or "",
                "what_to_carry": s.what_to_carry or "",
            }
            for s in plan.scenarios
        ],
    }


def _draft(payload: PlanIn) -> PlanDraft:
    return PlanDraft(
        language=payload.language,
        contacts=[
            ContactDraft(**{**c.model_dump(), "language": c.language or ""})
            for c in payload.contacts
        ],
        checkin_interval_hours=payload.checkin_interval_hours,
        checkin_grace_minutes=payload.checkin_grace_minutes,
        quiet_from=payload.quiet_from,
        quiet_until=payload.quiet_until,
        duress_word=payload.duress_word,
        safe_places=payload.safe_places,
        scenarios=[ScenarioDraft(**s.model_dump()) for s in payload.scenarios],
    )


@router.get(
    "/people/{person_id}/plan", response={200: StaffPlanOut, 404: ErrorOut}, url_name="safety_plan"
)
def get_plan(request: HttpRequest, person_id: RecordId) -> Any:
    """The current version of a person's safety plan."""
    person = _staff_person(request, person_id)
    version = selectors.current_version(person)
    if version is None:
        raise HttpError(404, gettext_noop("This person has no safety plan yet."))
    return _staff_plan_out(person, version)


@router.post(
    "/people/{person_id}/plan",
    response={201: StaffPlanOut, 404: ErrorOut, 422: FieldErrorsOut},
    url_name="safety_plan_save",
)
def save_plan(request: HttpRequest, person_id: RecordId, payload: PlanIn) -> Any:
    """Save a new version (the first creates the plan). Earlier versions are kept."""
    person = _staff_person(request, person_id)
    try:
        version = services.save_plan(person, _draft(payload), actor_id=request.user.pk)
    except services.SafetyPlanError as problem:
        return Status(
            422,
            {"detail": f"{_('Nothing was saved.')} {problem}", "errors": problem.errors},
        )
    return Status(201, _staff_plan_out(person, version))


@router.get(
    "/people/{person_id}/plan/versions",
    response={200: list[VersionOut], 404: ErrorOut},
    url_name="safety_versions",
)
def list_versions(request: HttpRequest, person_id: RecordId) -> Any:
    """Every version, newest first, with who saved it and when."""
    person = _staff_person(request, person_id)
    return [_version_out(v) for v in selectors.versions_of(person)]


@router.get(
    "/people/{person_id}/plan/versions/{plan_version}",
    response={200: StaffPlanOut, 404: ErrorOut},
    url_name="safety_version",
)
def get_version(request: HttpRequest, person_id: RecordId, plan_version: RecordId) -> Any:
    person = _staff_person(request, person_id)
    version = selectors.version_of(person, plan_version)
    if version is None:
        raise HttpError(404, NOT_FOUND)
    return _staff_plan_out(person, version)


@router.get(
    "/mine",
    response={200: PlanOut, 404: ErrorOut},
    url_name="safety_mine",
    auth=RoleAuth(DEFENDER),
)
def my_plan(request: HttpRequest) -> Any:
    """The signed-in defender's own current plan."""
    person = selectors.own_person(request.user)
    version = selectors.current_version(person) if person is not None else None
    if person is None or version is None:
        raise HttpError(404, gettext_noop("There is no safety plan for your account yet."))
    if not selectors.can_open(version):
        raise HttpError(404, gettext_noop("Your plan is not yet shared with this account."))
    return _plan_out(person, version)
