"""API for people and cases, mounted at /api/v1/cases/. Scoped like the pages: a record
outside the caller's compartments answers 404, exactly like a missing one. Input is checked
by the services' input rules, as on the pages: a broken rule answers 422 with the message by
input (aegis.api renders the RuleError)."""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from aegis.api_auth import RoleAuth
from aegis.api_schemas import (
    COUNTRY_FILTER,
    COUNTRY_OR_ALL,
    EMAIL,
    NULL,
    VISIBLE_TEXT,
    BlankIsNone,
    ErrorOut,
    FieldErrorsOut,
    InputSchema,
    OneLine,
    Pages,
    RecordId,
    Undisguised,
    blank_allowed,
    form_max_length,
    region_follows_country,
    when,
)
from aegis.rules import Conflict, NotFound, RuleError
from aegis.vault.selectors import opened

from . import selectors, services
from .forms import CaseEditForm, CaseMoveForm, PersonEditForm
from .models import Case, Person
from .vocabulary import AgeGroup, CaseStatus, ConsentScope, Gender, Sector, SubjectKind

NOT_FOUND = gettext_noop("Not found.")
PERMISSION = "view_cases"


router = Router(tags=["cases"], auth=RoleAuth(PERMISSION))

# The longest value of each typed field of a person, as the services refuse past it (and the
# forms, which check a correction first, with the same lengths).
LIMITS = services.PERSON_LIMITS


# --- Schemas ------------------------------------------------------------------------------


class PersonFields(InputSchema):
    pseudonym: OneLine = Field(
        min_length=1,
        max_length=LIMITS["pseudonym"],
        description="Shown in lists; must not identify the person.",
    )
    legal_name: OneLine = Field("", max_length=LIMITS["legal_name"])
    other_names: Undisguised = Field("", max_length=LIMITS["other_names"])
    phone: OneLine = Field("", max_length=LIMITS["phone"])
    email: str = Field("", max_length=LIMITS["email"], json_schema_extra=EMAIL)
    contact_channels: Undisguised = Field(
        "", max_length=LIMITS["contact_channels"], description="One per line."
    )
    organisation: OneLine = Field("", max_length=LIMITS["organisation"])
    identity_document: OneLine = Field("", max_length=LIMITS["identity_document"])
    gender: Gender = Gender.UNKNOWN
    age_group: AgeGroup = AgeGroup.UNKNOWN
    sector: Sector = Sector.OTHER
    country: str = Field("", description="ISO 3166-1 alpha-2 code.")
    region: str = Field("", description="ISO 3166-2 first-level region of the country.")
    languages: OneLine = Field(
        "",
        max_length=LIMITS["languages"],
        description="ISO 639 codes separated by commas, e.g. es,qu",
    )


class PersonIn(PersonFields):
    compartment_id: RecordId


class PersonSummaryOut(Schema):
    id: int
    compartment_id: int
    pseudonym: str
    gender: str
    age_group: str
    sector: str
    country: str
    region: str
    languages: str


class ConsentOut(Schema):
    id: int
    scope: ConsentScope
    note: str
    given_at: datetime
    withdrawn_at: datetime | None


class PersonOut(PersonSummaryOut):
    legal_name: str
    other_names: str
    phone: str
    email: str
    contact_channels: str
    organisation: str
    identity_document: str
    consents: list[ConsentOut]
    cases: list[str] = Field(description="References of the cases about this person.")


class CaseIn(InputSchema):
    compartment_id: RecordId
    subject_kind: SubjectKind
    person_id: RecordId | None = Field(None, description="An existing person of the compartment.")
    new_person: PersonFields | None = Field(None, description="Or a person to create.")
    subject_name: OneLine = Field(
        "",
        max_length=services.LINE_MAX,
        description="The group or organisation, when not a person.",
    )
    summary: Undisguised = Field(min_length=1, max_length=services.TEXT_MAX)
    country: str = ""
    region: str = ""
    sector: Sector | None = None

    conditions = (
        # A person's case names one person, existing or new; a group's or an organisation's
        # names the group and no person.
        when(
            "subject_kind",
            [SubjectKind.PERSON],
            {
                "oneOf": [
                    {
                        "required": ["person_id"],
                        "properties": {"person_id": {"type": "integer"}, "new_person": NULL},
                    },
                    {
                        "required": ["new_person"],
                        "properties": {"new_person": {"type": "object"}, "person_id": NULL},
                    },
                ]
            },
        ),
        when(
            "subject_kind",
            [SubjectKind.GROUP, SubjectKind.ORGANISATION],
            {
                "required": ["subject_name"],
                "properties": {"subject_name": VISIBLE_TEXT, "person_id": NULL, "new_person": NULL},
            },
        ),
    )


REASON = Field(
    min_length=1,
    max_length=services.TEXT_MAX,
    description="Why this is corrected; kept, encrypted, in the history of changes.",
)


class PersonCorrectionIn(InputSchema):
    """Only the fields given change; the others keep their values."""

    pseudonym: OneLine | None = Field(None, min_length=1, max_length=LIMITS["pseudonym"])
    legal_name: OneLine | None = Field(None, max_length=LIMITS["legal_name"])
    other_names: Undisguised | None = Field(None, max_length=LIMITS["other_names"])
    phone: OneLine | None = Field(None, max_length=LIMITS["phone"])
    email: str | None = Field(None, max_length=LIMITS["email"], json_schema_extra=EMAIL)
    contact_channels: Undisguised | None = Field(None, max_length=LIMITS["contact_channels"])
    organisation: OneLine | None = Field(None, max_length=LIMITS["organisation"])
    identity_document: OneLine | None = Field(None, max_length=LIMITS["identity_document"])
    gender: Gender | None = None
    age_group: AgeGroup | None = None
    sector: Sector | None = None
    country: str | None = None
    region: str | None = Field(None, max_length=form_max_length(PersonEditForm, "region"))
    languages: OneLine | None = Field(None, max_length=LIMITS["languages"])
    reason: Undisguised = REASON


class CaseCorrectionIn(InputSchema):
    """Only the fields given change; the others keep their values."""

    summary: Undisguised | None = Field(None, min_length=1, max_length=services.TEXT_MAX)
    subject_name: OneLine | None = Field(
        None, max_length=services.LINE_MAX, description="Only for a group or organisation."
    )
    country: str | None = None
    region: str | None = Field(None, max_length=form_max_length(CaseEditForm, "region"))
    sector: Sector | None = None
    reason: Undisguised = REASON


class CaseMoveIn(InputSchema):
    compartment_id: RecordId = Field(description="A compartment you are a member of.")
    reason: Undisguised = REASON


class CaseSummaryOut(Schema):
    reference: str
    compartment_id: int
    subject_kind: str
    person_id: int | None
    status: str
    country: str
    region: str
    sector: str
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    reason: str
    changed_by: str | None
    changed_at: datetime


class NoteIn(InputSchema):
    body: Undisguised = Field(min_length=1, max_length=services.TEXT_MAX)


class NoteOut(Schema):
    id: int
    body: str
    author: str | None
    created_at: datetime


class TaskOut(Schema):
    id: int
    title: str
    due_on: date | None
    assigned_to: str | None
    done_at: datetime | None
    overdue: bool


class CaseOut(CaseSummaryOut):
    subject_name: str
    summary: str
    history: list[StatusChangeOut]
    notes: list[NoteOut]
    tasks: list[TaskOut]


# --- Helpers ------------------------------------------------------------------------------


def _invalid(*forms: Any) -> Status:
    errors: dict[str, list[str]] = {}
    for form in forms:
        for name, messages in form.errors.items():
            errors.setdefault(form.add_prefix(name) if name != "__all__" else name, []).extend(
                messages
            )
    return Status(
        422, {"detail": _("The input is not valid; nothing was stored."), "errors": errors}
    )


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _person_out(person: Person) -> dict[str, Any]:
    out = {name: getattr(person, name) or "" for name in services.PERSON_FIELDS}
    out["id"], out["compartment_id"] = person.pk, person.compartment_id
    out["consents"] = [
        {
            "id": c.pk,
            "scope": c.scope,
            "note": c.note or "",
            "given_at": c.given_at,
            "withdrawn_at": c.withdrawn_at,
        }
        for c in opened(selectors.consents_of(person))
    ]
    out["cases"] = list(selectors.cases_of(person).values_list("reference", flat=True))
    return out


def _note_out(note: Any) -> dict[str, Any]:
    return {
        "id": note.pk,
        "body": note.body,
        "author": _username(note.author),
        "created_at": note.created_at,
    }


def _case_out(case: Case) -> dict[str, Any]:
    file = selectors.case_file(case)
    out = CaseSummaryOut.model_validate(case).model_dump()
    out.update(
        subject_name=case.subject_name or "",
        summary=case.summary or "",
        history=[
            {
                "from_status": c.from_status,
                "to_status": c.to_status,
                "reason": c.reason or "",
                "changed_by": _username(c.changed_by),
                "changed_at": c.changed_at,
            }
            for c in file.history
        ],
        notes=[_note_out(n) for n in file.notes],
        tasks=[
            {
                "id": t.pk,
                "title": t.title,
                "due_on": t.due_on,
                "assigned_to": _username(t.assigned_to),
                "done_at": t.done_at,
                "overdue": t.done_at is None and t.due_on is not None and t.due_on < file.today,
            }
            for t in file.tasks
        ],
    )
    return out


def _person_fields(fields: PersonFields) -> dict[str, Any]:
    return {name: value for name, value in fields.dict().items() if name in services.PERSON_FIELDS}


# --- People -------------------------------------------------------------------------------


@router.get("/people", response=list[PersonSummaryOut], url_name="cases_people")
@paginate(Pages, max_limit=100)
def list_people(request: HttpRequest) -> Any:
    """People in your compartments, by pseudonym (no identifying fields)."""
    # Nothing protected is listed, so no key is opened (as on the people page).
    return selectors.visible_people(request.user).order_by("pseudonym", "pk")


@router.post(
    "/people",
    response={201: PersonOut, 404: ErrorOut, 422: FieldErrorsOut},
    url_name="cases_person_create",
)
def create_person(request: HttpRequest, payload: PersonIn) -> Any:
    compartment = selectors.compartment_of_user(request.user, payload.compartment_id)
    if compartment is None:
        raise HttpError(404, NOT_FOUND)
    person = services.add_person(compartment, actor_id=request.user.pk, **_person_fields(payload))
    return Status(201, _person_out(person))


@router.get(
    "/people/{person_id}", response={200: PersonOut, 404: ErrorOut}, url_name="cases_person"
)
def get_person(request: HttpRequest, person_id: RecordId) -> Any:
    person = selectors.person_for(request.user, person_id)
    if person is None:
        raise HttpError(404, NOT_FOUND)
    return _person_out(person)


def _given(payload: InputSchema) -> dict[str, Any]:
    return {k: v for k, v in payload.model_dump(exclude={"reason"}).items() if v is not None}


@router.patch(
    "/people/{person_id}",
    response={200: PersonOut, 404: ErrorOut, 422: FieldErrorsOut},
    url_name="cases_person_correct",
)
def correct_person(request: HttpRequest, person_id: RecordId, payload: PersonCorrectionIn) -> Any:
    """Correct a person's details, with the reason; the previous values go to the person's
    history of changes."""
    person = selectors.person_for(request.user, person_id)
    if person is None:
        raise HttpError(404, NOT_FOUND)
    current = {name: getattr(person, name) or "" for name in services.PERSON_FIELDS}
    given = region_follows_country(current["country"], _given(payload))
    form = PersonEditForm({**current, **given, "reason": payload.reason})
    if not form.is_valid():
        return _invalid(form)
    services.update_person(
        person,
        actor_id=request.user.pk,
        reason=form.cleaned_data["reason"],
        **form.person_fields(),
    )
    return _person_out(person)


# --- Cases --------------------------------------------------------------------------------


class CaseFilters(Schema):
    # An empty filter (`?status=`, as a form's empty select sends it) filters nothing.
    status: Annotated[CaseStatus | None, BlankIsNone] = Field(None, json_schema_extra=blank_allowed)
    country: str = Field("", pattern=COUNTRY_OR_ALL, description=COUNTRY_FILTER)
    sector: Annotated[Sector | None, BlankIsNone] = Field(None, json_schema_extra=blank_allowed)


@router.get("/", response=list[CaseSummaryOut], url_name="cases_list")
@paginate(Pages, max_limit=100)
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> Any:
    """Cases in your compartments, most recently updated first; filter by coded fields."""
    # Nothing protected is listed, so no key is opened (as on the case list).
    return selectors.filtered_cases(
        request.user,
        status=filters.status or "",
        country=filters.country,
        sector=filters.sector or "",
    )


@router.post(
    "/",
    response={201: CaseOut, 404: ErrorOut, 422: FieldErrorsOut},
    url_name="cases_open",
)
def open_case(request: HttpRequest, payload: CaseIn) -> Any:
    """Open a case about an existing person, a new person, a group or an organisation."""
    compartment = selectors.compartment_of_user(request.user, payload.compartment_id)
    person = None
    if payload.person_id is not None:
        person = selectors.person_for(request.user, payload.person_id)
        if person is None:
            raise HttpError(404, NOT_FOUND)
    if compartment is None:
        raise HttpError(404, NOT_FOUND)
    if payload.subject_kind == SubjectKind.PERSON and person is None and not payload.new_person:
        raise RuleError(_("Give person_id or new_person for a case about a person."), "person_id")
    if person is not None and payload.new_person:
        # One of them would be dropped without a word.
        raise RuleError(_("Give person_id or new_person, not both."), "new_person")
    case = services.start_case(
        compartment,
        subject_kind=payload.subject_kind,
        actor_id=request.user.pk,
        summary=payload.summary,
        person=person,
        new_person=_person_fields(payload.new_person) if payload.new_person else None,
        subject_name=payload.subject_name,
        country=payload.country,
        region=payload.region,
        sector=payload.sector or "",
    )
    return Status(201, _case_out(case))


@router.get("/{reference}", response={200: CaseOut, 404: ErrorOut}, url_name="cases_case")
def get_case(request: HttpRequest, reference: str) -> Any:
    case = selectors.case_for(request.user, reference)
    if case is None:
        raise HttpError(404, NOT_FOUND)
    return _case_out(case)


@router.post(
    "/{reference}/notes",
    response={201: NoteOut, 404: ErrorOut, 422: FieldErrorsOut},
    url_name="cases_note_add",
)
def add_note(request: HttpRequest, reference: str, payload: NoteIn) -> Any:
    case = selectors.case_for(request.user, reference)
    if case is None:
        raise HttpError(404, NOT_FOUND)
    note = services.add_note(case, payload.body, actor_id=request.user.pk)
    return Status(201, _note_out(note))


@router.patch(
    "/{reference}",
    response={200: CaseOut, 404: ErrorOut, 422: FieldErrorsOut},
    url_name="cases_case_correct",
)
def correct_case(request: HttpRequest, reference: str, payload: CaseCorrectionIn) -> Any:
    """Correct a case's summary, subject name, place or sector, with the reason; the previous
    values go to the case's history of changes."""
    case = selectors.case_for(request.user, reference)
    if case is None:
        raise HttpError(404, NOT_FOUND)
    current = {name: getattr(case, name) or "" for name in services.CASE_FIELDS}
    given = region_follows_country(current["country"], _given(payload))
    form = CaseEditForm(
        {**current, **given, "reason": payload.reason},
        about_person=case.subject_kind == SubjectKind.PERSON,
    )
    if not form.is_valid():
        return _invalid(form)
    fields = form.case_fields()
    if "subject_name" in given and "subject_name" not in fields:
        # The form of a case about a person has no such field: the service says why, rather
        # than the name being dropped without a word.
        fields["subject_name"] = given["subject_name"]
    services.update_case(
        case, actor_id=request.user.pk, reason=form.cleaned_data["reason"], **fields
    )
    return _case_out(case)


@router.post(
    "/{reference}/move",
    response={200: CaseOut, 404: ErrorOut, 422: FieldErrorsOut},
    url_name="cases_case_move",
)
def move_case(request: HttpRequest, reference: str, payload: CaseMoveIn) -> Any:
    """Move a case to another of your compartments: its key is sealed to the new members and
    taken from those who are not; the move is in the case's history of changes."""
    case = selectors.case_for(request.user, reference)
    if case is None:
        raise HttpError(404, NOT_FOUND)
    if payload.compartment_id == case.compartment_id:
        raise Conflict(_("The case is already in this compartment."), "compartment_id")
    targets = selectors.work_compartments_of(request.user).exclude(pk=case.compartment_id)
    if not targets.filter(pk=payload.compartment_id).exists():
        # Not one of the caller's compartments: as for a case that is not theirs.
        raise NotFound(
            _("This is not one of your compartments where cases are filed."), "compartment_id"
        )
    form = CaseMoveForm(
        {"compartment": payload.compartment_id, "reason": payload.reason}, compartments=targets
    )
    if not form.is_valid():
        return _invalid(form)
    services.move_case(
        case,
        form.cleaned_data["compartment"],
        actor=request.user,
        reason=form.cleaned_data["reason"],
    )
    return _case_out(case)
