"""Writes and rules for compartments, people, cases, notes, tasks and consent.

Every app keys its records with `vault.services.new_record_key(compartment, purpose)`, so
that compartment membership governs every protected record, whatever app it lives in."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    ProhibitNullCharactersValidator,
    validate_email,
)
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock, places, rules
from aegis.audit import services as audit
from aegis.roles import Role
from aegis.rules import Conflict, RuleError
from aegis.text import (
    breaks_lines,
    has_control_characters,
    has_disguising_characters,
    hides_in_a_line,
    shows_nothing,
)
from aegis.vault import services as vault
from aegis.vault.keychain import NoKeyAccess, current
from aegis.vault.selectors import keypair_for_user, keypairs_of_users

from .models import (
    RESPONDER_KEY_PURPOSES,
    Case,
    CaseNote,
    CaseStatusChange,
    CaseTask,
    Compartment,
    CompartmentKey,
    CompartmentMember,
    ConsentRecord,
    Person,
    RecordChange,
    ReferenceCounter,
)
from .signals import account_linked, account_unlinked, case_moved
from .vocabulary import (
    AgeGroup,
    CaseStatus,
    CompartmentKind,
    ConsentScope,
    Gender,
    Sector,
    SubjectKind,
)

# --- Change log ---------------------------------------------------------------------------


def reason_missing_message() -> str:
    return _("Say why this is changed; the reason is kept in the history of changes.")


def require_reason(reason: str) -> str:
    """The typed reason for a correction, or RuleError before anything is written."""
    if not isinstance(reason, str) or not reason.strip():
        raise RuleError(reason_missing_message(), "reason")
    check_characters(reason, "reason")
    return reason.strip()


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def snapshot(record: Any, fields: Any) -> dict[str, str]:
    """The values of `fields` of `record` as text, to compare before and after a change."""
    return {name: _shown(getattr(record, name)) for name in fields}


def stored_snapshot(record: Any, fields: Any) -> dict[str, str]:
    """`snapshot` of the row as stored, locked until the transaction ends: the log's 'before'
    is what the correction replaces, even if someone else saved since the form was opened."""
    return snapshot(type(record).objects.select_for_update().get(pk=record.pk), fields)


@transaction.atomic
def record_change(
    record_type: str,
    record_id: Any,
    data_key_id: Any,
    *,
    actor_id: int | None,
    reason: str,
    before: Mapping[str, str],
    after: Mapping[str, str],
) -> RecordChange | None:
    """Keep one correction in the change log (encrypted under `data_key_id`, the record's own
    key) and audit it without content. Nothing is kept when no value changed."""
    reason = require_reason(reason)
    changed = [[name, before[name], after.get(name, "")] for name in before]
    changed = [row for row in changed if row[1] != row[2]]
    if not changed:
        return None
    change = RecordChange.objects.create(
        record_type=record_type,
        record_id=str(record_id),
        data_key_id=data_key_id,
        reason=reason,
        changes=json.dumps(changed, ensure_ascii=False),
        changed_by_id=actor_id,
    )
    audit.record("record.update", actor_id=actor_id, object_type=record_type, object_id=record_id)
    return change


@contextmanager
def correction(
    record_type: str,
    record: Any,
    fields: Sequence[str],
    *,
    actor_id: int | None,
    reason: str,
    record_id: Any = None,
    data_key_id: Any = None,
    also: Callable[[], dict[str, str]] | None = None,
) -> Iterator[None]:
    """The change log around a correction written in the block: `fields` as stored before it
    (locked, `stored_snapshot`), as on `record` after it, kept by `record_change` under
    `record_id` (the primary key unless given) and `data_key_id` (the record's own key unless
    given). `also`: values kept beside the fields, read before and after (linked records)."""
    before = stored_snapshot(record, fields) | (also() if also else {})
    yield
    after = snapshot(record, fields) | (also() if also else {})
    record_change(
        record_type,
        record.pk if record_id is None else record_id,
        record.data_key_id if data_key_id is None else data_key_id,
        actor_id=actor_id,
        reason=reason,
        before=before,
        after=after,
    )


# --- Compartments -------------------------------------------------------------------------


def _is_responder(user: Any) -> bool:
    return bool(user.groups.filter(name=Role.RESPONDER.value).exists())


def _member_keypairs(compartment: Compartment, purpose: str) -> list[Any]:
    return list(keypairs_of_users(compartment.key_holder_ids(purpose)))


@transaction.atomic
def create_compartment(
    name: str,
    description: str = "",
    *,
    members: list[Any] = (),  # type: ignore[assignment]
    kind: str = CompartmentKind.WORK,
) -> Compartment:
    compartment = Compartment.objects.create(name=name, description=description, kind=kind)
    for user in members:
        CompartmentMember.objects.create(compartment=compartment, user=user)
    return compartment


@transaction.atomic
def add_member(compartment: Compartment, user: Any, *, actor_id: int | None) -> None:
    """Seal every key of the compartment (and the search key) to one more person; to a
    responder only the keys of its alerts. The caller must hold them, so only an existing
    member can let someone in."""
    keypair = keypair_for_user(user.pk)
    if keypair is None:
        raise RuleError(_("This person has no keys yet and cannot join a compartment."))
    _membership, created = CompartmentMember.objects.get_or_create(
        compartment=compartment, user=user
    )
    if not created:
        return
    keys = compartment.keys.all()
    responder = _is_responder(user)
    if responder:
        keys = keys.filter(data_key__purpose__in=RESPONDER_KEY_PURPOSES)
    vault.grant_all(keys.values_list("data_key_id", flat=True), keypair, actor_id=actor_id)
    if responder:
        return
    if (index_key_id := vault.index_key_id()) is not None and current().holds(index_key_id):
        vault.grant(index_key_id, keypair, actor_id=actor_id)


@transaction.atomic
def remove_member(compartment: Compartment, user: Any, *, actor_id: int | None) -> None:
    keypair = keypair_for_user(user.pk)
    CompartmentMember.objects.filter(compartment=compartment, user=user).delete()
    if keypair is not None:
        vault.revoke_all(compartment.keys.values("data_key_id"), keypair, actor_id=actor_id)


# --- Input rules ----------------------------------------------------------------------------
# What a person, a case, a note or a task may hold. The web forms and the API both check
# through these, so both refuse the same input in the same words (Django's own words where
# the forms used its checks).

LINE_MAX = 200
TEXT_MAX = 20_000  # a long narrative fits; a pasted megabyte does not

# The longest value of each typed field of a person.
PERSON_LIMITS = {
    "pseudonym": 80,
    "legal_name": LINE_MAX,
    "other_names": 500,
    "phone": 40,
    "email": LINE_MAX,
    "contact_channels": TEXT_MAX,
    "organisation": LINE_MAX,
    "identity_document": 100,
    "languages": 60,
}
# What a person's page shows as one line (a name, an address, a code): a line break there
# would forge another line of the page or of an export.
PERSON_LINES = frozenset(PERSON_LIMITS) - {"other_names", "contact_channels"}
PERSON_CHOICES = {"gender": Gender, "age_group": AgeGroup, "sector": Sector}

CASE_PLACE = rules.PlaceWords(
    unknown_country=gettext_lazy("Choose a country from the list."),
    no_country=gettext_lazy("Choose the country of this region first."),
    elsewhere=gettext_lazy("%(region)s is not a region of %(country)s. Choose one from the list."),
    no_country_field="region",
)


def _django_check(check: Any, value: Any, field: str) -> None:
    try:
        check(value)
    except ValidationError as invalid:
        raise RuleError(invalid.messages[0], field) from invalid


def check_characters(value: str, field: str | None = None) -> None:
    """Text that reads as typed: no characters that hide or disguise it."""
    if has_disguising_characters(value):
        raise RuleError(
            _(
                "This text contains hidden characters that change how it is displayed (such as "
                "a right-to-left override). Type it again without them."
            ),
            field,
        )
    # NUL has its own message (Django's ProhibitNullCharactersValidator, in check_text).
    if has_control_characters(value.replace("\x00", "")):
        raise RuleError(
            _("This text contains control characters. Type it again without them."), field
        )


def check_text(
    value: Any, field: str, *, limit: int = TEXT_MAX, required: Any = False, line: bool = False
) -> str:
    """The value stripped; a RuleError when it is missing (`required`: True, or the message
    that says what to give), too long, or holds a NUL or a hiding character; for a `line`
    (a name, a title), also a line break."""
    value = "" if value is None else str(value)
    # Before stripping: str.strip() takes the separators \x1c to \x1f for spaces, so "\x1f"
    # alone had been taken as an empty value rather than refused.
    if has_control_characters(value.replace("\x00", "")):
        check_characters(value, field)
    # A value of format characters alone ("\u200e", a soft hyphen) shows nothing: empty, as
    # for rules.text, where str.strip() had kept it as a group's name.
    value = "" if shows_nothing(value) else value.strip()
    if not value:
        if required:
            raise RuleError(
                _("This field is required.") if required is True else str(required), field
            )
        return value
    _django_check(MaxLengthValidator(limit), value, field)
    _django_check(ProhibitNullCharactersValidator(), value, field)
    if line and breaks_lines(value):
        raise RuleError(_("This must fit on one line."), field)
    check_characters(value, field)
    if line and hides_in_a_line(value):
        # As rules.text refuses in every other one-line value, and the API's OneLine says.
        raise RuleError(
            _("This contains characters that are not shown (such as a zero-width space)."), field
        )
    return value


def check_place(country: Any, region: Any) -> tuple[str, str]:
    return rules.place(country, region, CASE_PLACE)


def check_languages(value: str) -> str:
    """ISO 639 codes separated by commas, lower case, each once."""
    codes = [c.strip().lower() for c in value.split(",") if c.strip()]
    unknown = [
        c
        for c in codes
        if not (
            (len(c) == 2 and pycountry.languages.get(alpha_2=c))
            or (len(c) == 3 and pycountry.languages.get(alpha_3=c))
        )
    ]
    if unknown:
        raise RuleError(
            _("Unknown language code: %(codes)s. Use ISO 639 codes such as es, en, qu.")
            % {"codes": ", ".join(unknown)},
            "languages",
        )
    return ",".join(dict.fromkeys(codes))


def check_person(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A person's fields as the services store them, or the RuleError of the first one at
    fault. Fields not given are left out (a correction names only what changes)."""
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"Unknown person fields: {', '.join(sorted(unknown))}")
    clean: dict[str, Any] = {}
    for name, limit in PERSON_LIMITS.items():
        if name in fields:
            clean[name] = check_text(
                fields[name],
                name,
                limit=limit,
                line=name in PERSON_LINES,
                required=name == "pseudonym"
                and _("Give a pseudonym: lists show it instead of the name."),
            )
    if clean.get("email"):
        _django_check(validate_email, clean["email"], "email")
    if clean.get("languages"):
        clean["languages"] = check_languages(clean["languages"])
    for name, choices in PERSON_CHOICES.items():
        if name in fields:
            clean[name] = _chosen(fields[name], choices, name)
    if "country" in fields or "region" in fields:
        clean["country"], clean["region"] = check_place(
            fields.get("country", ""), fields.get("region", "")
        )
    return clean


def _chosen(value: Any, choices: Any, field: str) -> str:
    value = "" if value is None else str(value)
    if value not in choices.values:
        raise RuleError(
            _("Select a valid choice. %(value)s is not one of the available choices.")
            % {"value": value},
            field,
        )
    return value


def check_case_subject(
    subject_kind: str, *, compartment: Any, person: Any, subject_name: str
) -> None:
    """A case is about a person of its own compartment, or about a named group or
    organisation (and then no person)."""
    if subject_kind == SubjectKind.PERSON:
        if person is not None and compartment not in (None, person.compartment):
            raise RuleError(
                _("This person is in another compartment. Choose a person of this one."),
                "person",
            )
    elif subject_kind:
        if person is not None:
            raise RuleError(_("A case about a group or organisation has no person."), "person")
        if not subject_name.strip():
            raise RuleError(_("Give the name of the group or organisation."), "subject_name")


def check_new_status(case_status: str, to_status: str) -> str:
    if to_status not in CaseStatus.values:
        raise RuleError(_("Unknown status."), "to_status")
    if to_status == case_status:
        raise Conflict(_("The case already has this status. Choose another one."), "to_status")
    return to_status


def _full_clean(record: Any, exclude: list[str]) -> None:
    """The model's own checks, refused as the first RuleError they find."""
    try:
        record.full_clean(exclude=exclude)
    except ValidationError as invalid:
        field, messages = next(iter(invalid.message_dict.items()))
        raise RuleError(messages[0], None if field == "__all__" else field) from invalid


# --- People -------------------------------------------------------------------------------

# What a person record holds, in the order forms show it.
PERSON_FIELDS = (
    "pseudonym",
    "legal_name",
    "other_names",
    "phone",
    "email",
    "contact_channels",
    "organisation",
    "identity_document",
    "gender",
    "age_group",
    "sector",
    "country",
    "region",
    "languages",
)


@transaction.atomic
def create_person(compartment: Compartment, *, actor_id: int | None, **fields: Any) -> Person:
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"Unknown person fields: {', '.join(sorted(unknown))}")
    person = Person(
        compartment=compartment, data_key=vault.new_record_key(compartment, "person"), **fields
    )
    _full_clean(person, ["data_key", "compartment"])
    person.save()
    audit.record("record.create", actor_id=actor_id, object_type="person", object_id=person.pk)
    return person


def add_person(compartment: Compartment, *, actor_id: int | None, **fields: Any) -> Person:
    """A person as staff type them (the page, the API): the input rules, then create_person.
    Other apps' writes (a case opened from a report) keep what was accepted there."""
    return create_person(
        compartment, actor_id=actor_id, **check_person({"pseudonym": "", **fields})
    )


@transaction.atomic
def update_person(person: Person, *, actor_id: int | None, reason: str, **fields: Any) -> Person:
    """Correct a person's details; the previous values go to the change log."""
    require_reason(reason)
    fields = check_person(fields)
    with correction("person", person, PERSON_FIELDS, actor_id=actor_id, reason=reason):
        for name, value in fields.items():
            setattr(person, name, value)
        _full_clean(person, ["data_key", "compartment"])
        person.save()
    return person


# --- Defender accounts --------------------------------------------------------------------


def _require_file_member(person: Person, actor: Any) -> None:
    # Receivers seal keys of the person's records to the account: only a member holds them.
    if not person.compartment.members.filter(user=actor).exists():
        raise RuleError(
            _("Only a member of this person's compartment can link or unlink their account.")
        )


def _is_defender_account(account: Any) -> bool:
    return bool(account.is_active and account.groups.filter(name=Role.DEFENDER.value).exists())


@transaction.atomic
def link_account(person: Person, account: Any, *, actor: Any) -> Person:
    """Link a defender's own account to their file: their panic, check-in and safety plan
    pages then work for them. Receivers of `account_linked` seal what they need to the
    account (the safety plan's key); if anything fails, nothing is linked."""
    _require_file_member(person, actor)
    if not _is_defender_account(account):
        raise RuleError(_("Only an active defender's account can be linked to a person."))
    # Locked, so two caseworkers linking at once cannot both pass the checks below.
    linked_id = Person.objects.select_for_update().values_list("account_id", flat=True)
    if linked_id.get(pk=person.pk) is not None:
        raise Conflict(
            _("This person is already linked to an account. Unlink it first to link another.")
        )
    if Person.objects.filter(account=account).exists():
        raise Conflict(_("This account is already linked to another person's file."))
    if keypair_for_user(account.pk) is None:
        raise RuleError(_("This account has no keys yet, so nothing can be shared with it."))
    person.account = account
    try:
        with transaction.atomic():
            person.save(update_fields=["account"])
    except IntegrityError as clash:  # the same account linked elsewhere meanwhile
        raise Conflict(_("This account is already linked to another person's file.")) from clash
    try:
        account_linked.send(Person, person=person, account=account, actor_id=actor.pk)
    except NoKeyAccess as missing:
        raise RuleError(
            _(
                "You do not hold every key of this person's records, so you cannot share them "
                "with the account. Ask another member of the compartment."
            )
        ) from missing
    audit.record("account.link", actor_id=actor.pk, object_type="person", object_id=person.pk)
    return person


@transaction.atomic
def unlink_account(person: Person, *, actor: Any) -> Person:
    """Remove the link; receivers of `account_unlinked` revoke what it granted, so the
    account is left as one with no file."""
    _require_file_member(person, actor)
    account = person.account
    if account is None:
        raise RuleError(_("This person's file is not linked to any account."))
    person.account = None
    person.save(update_fields=["account"])
    account_unlinked.send(Person, person=person, account=account, actor_id=actor.pk)
    audit.record("account.unlink", actor_id=actor.pk, object_type="person", object_id=person.pk)
    return person


# --- Cases --------------------------------------------------------------------------------


@transaction.atomic
def allocate_reference(series: str) -> str:
    """The next reference of `series` this year: AEG-2026-00042, longer past 99,999.

    Call it inside the transaction that saves the record: the counter row stays locked until
    that transaction ends, so people creating records at once queue for numbers instead of
    racing for them, and a record that is not saved gives its number back. The audit chain is
    locked first, as creators audit too: taking the two locks in one order everywhere keeps
    a person-then-case transaction and a case-only one from deadlocking on PostgreSQL."""
    audit.hold_chain()
    year = clock.now().year
    counter = ReferenceCounter.objects.filter(series=series, year=year)
    if not counter.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(series=series, year=year, last=1)
        except IntegrityError:  # someone else made this year's counter first: wait for it
            counter.update(last=F("last") + 1)
    number = counter.values_list("last", flat=True).get()
    return f"{series}-{year}-{number:05d}"


@transaction.atomic
def open_case(
    compartment: Compartment,
    *,
    subject_kind: str,
    actor_id: int | None,
    person: Person | None = None,
    subject_name: str = "",
    summary: str = "",
    country: str = "",
    region: str = "",
    sector: str = "other",
) -> Case:
    if subject_kind == SubjectKind.PERSON and person is None:
        raise RuleError(_("Choose the person this case is about."), "person")
    _chosen(subject_kind, SubjectKind, "subject_kind")
    check_case_subject(
        subject_kind, compartment=compartment, person=person, subject_name=subject_name
    )
    # The slow part, before the counter is held.
    data_key = vault.new_record_key(compartment, "case")
    case = Case(
        reference=allocate_reference("AEG"),
        compartment=compartment,
        subject_kind=subject_kind,
        person=person,
        subject_name=subject_name,
        summary=summary,
        country=country or (person.country if person else ""),
        region=region or (person.region if person else ""),
        sector=sector if sector != "other" or person is None else person.sector,
        data_key=data_key,
    )
    case.save()
    CaseStatusChange.objects.create(
        case=case,
        data_key=case.data_key,
        to_status=case.status,
        reason=CaseStatusChange.OPENED,
        changed_by_id=actor_id,
    )
    audit.record("record.create", actor_id=actor_id, object_type="case", object_id=case.reference)
    return case


@transaction.atomic
def change_status(case: Case, to_status: str, reason: str, *, actor_id: int | None) -> Case:
    check_new_status(case.status, to_status)
    reason = check_text(
        reason,
        "reason",
        required=_("Say why the status changes; the reason is kept with the case."),
    )
    CaseStatusChange.objects.create(
        case=case,
        data_key=case.data_key,
        from_status=case.status,
        to_status=to_status,
        reason=reason,
        changed_by_id=actor_id,
    )
    case.status = to_status
    case.closed_at = timezone.now() if to_status == CaseStatus.CLOSED else None
    case.save(update_fields=["status", "closed_at", "updated_at"])
    audit.record("record.update", actor_id=actor_id, object_type="case", object_id=case.reference)
    return case


@transaction.atomic
def add_note(case: Case, body: str, *, actor_id: int | None) -> CaseNote:
    body = check_text(body, "body", required=_("The note is empty."))
    note = CaseNote.objects.create(case=case, data_key=case.data_key, body=body, author_id=actor_id)
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    return note


@transaction.atomic
def add_task(
    case: Case, title: str, *, actor_id: int | None, due_on: Any = None, assigned_to: Any = None
) -> CaseTask:
    title = check_text(
        title, "title", limit=500, required=_("Say what needs to be done."), line=True
    )
    rules.within_years(due_on, "due_on", gettext_lazy("Due on"), back=1, ahead=10)
    return CaseTask.objects.create(
        case=case, data_key=case.data_key, title=title, due_on=due_on, assigned_to=assigned_to
    )


@transaction.atomic
def complete_task(task: CaseTask, *, actor_id: int | None) -> CaseTask:
    task.done_at = timezone.now()
    task.save(update_fields=["done_at"])
    return task


# What a correction of a case may change, in the order the form shows it.
CASE_FIELDS = ("summary", "subject_name", "country", "region", "sector")


@transaction.atomic
def update_case(case: Case, *, actor_id: int | None, reason: str, **fields: Any) -> Case:
    """Correct a case's summary, subject name, place or sector; the previous values go to
    the change log."""
    require_reason(reason)
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown case fields: {', '.join(sorted(unknown))}")
    values = {**snapshot(case, CASE_FIELDS), **fields}
    values["summary"] = check_text(
        values["summary"], "summary", required=_("Write a short summary of the case.")
    )
    if case.subject_kind == SubjectKind.PERSON:
        given = str(fields.get("subject_name") or "").strip()
        if given and given != (case.subject_name or ""):
            # It would be dropped without a word: a person's name is on their file.
            raise RuleError(
                _("A case about a person has no subject name: correct the name on their file."),
                "subject_name",
            )
        values["subject_name"] = case.subject_name or ""
    else:
        values["subject_name"] = check_text(
            values["subject_name"],
            "subject_name",
            limit=LINE_MAX,
            required=_("Give the name of the group or organisation this case is about."),
            line=True,
        )
    values["country"], values["region"] = check_place(values["country"], values["region"])
    logged = correction(
        "case", case, CASE_FIELDS, actor_id=actor_id, reason=reason, record_id=case.reference
    )
    with logged:
        for name, value in values.items():
            setattr(case, name, value)
        _full_clean(case, ["data_key", "compartment", "person", "reference"])
        case.save()
    return case


@transaction.atomic
def move_case(case: Case, to: Compartment, *, actor: Any, reason: str) -> Case:
    """Move a case file to another compartment. The case's own key (its summary, notes,
    tasks, status history, evidence, risk assessments and change log) is sealed to the new
    compartment's members and the copies of old members who are not in the new one are
    destroyed. The person's file stays where it is: a person can have several cases, and
    their key is not the case's to give away."""
    require_reason(reason)
    source = case.compartment
    if to.pk == source.pk:
        raise Conflict(_("The case is already in this compartment."))
    members = CompartmentMember.objects.filter(user=actor)
    if not (
        members.filter(compartment=source).exists() and members.filter(compartment=to).exists()
    ):
        raise RuleError(
            _(
                "Only a member of both compartments can move a case: the mover must hold the "
                "case's key and be trusted by the new compartment."
            )
        )
    # Locked, so two moves of one case at once cannot both re-seal its key.
    Case.objects.select_for_update().filter(pk=case.pk).get()
    staying = set(to.members.values_list("user_id", flat=True))
    try:
        for keypair in _member_keypairs(to, "case"):
            vault.grant(case.data_key_id, keypair, actor_id=actor.pk)
    except NoKeyAccess as missing:
        raise RuleError(
            _("You do not hold this case's key, so you cannot seal it to other people.")
        ) from missing
    for user_id in source.members.exclude(user_id__in=staying).values_list("user_id", flat=True):
        if (keypair := keypair_for_user(user_id)) is not None:
            vault.revoke(case.data_key_id, keypair, actor_id=actor.pk)
    CompartmentKey.objects.filter(data_key_id=case.data_key_id).update(compartment=to)
    case.compartment = to
    case.save(update_fields=["compartment", "updated_at"])
    record_change(
        "case",
        case.reference,
        case.data_key_id,
        actor_id=actor.pk,
        reason=reason,
        before={"compartment": source.name},
        after={"compartment": to.name},
    )
    case_moved.send(Case, case=case, from_compartment=source, to_compartment=to, actor_id=actor.pk)
    return case


# --- Consent ------------------------------------------------------------------------------


@transaction.atomic
def record_consent(
    person: Person, scope: str, note: str = "", *, actor_id: int | None
) -> ConsentRecord:
    if scope not in ConsentScope.values:
        raise RuleError(_("Unknown kind of consent."))
    consent = ConsentRecord.objects.create(
        person=person,
        data_key=person.data_key,
        scope=scope,
        note=note,
        given_at=timezone.now(),
        recorded_by_id=actor_id,
    )
    audit.record("consent.give", actor_id=actor_id, object_type="person", object_id=person.pk)
    return consent


@transaction.atomic
def withdraw_consent(consent: ConsentRecord, *, actor_id: int | None) -> ConsentRecord:
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        audit.record(
            "consent.withdraw", actor_id=actor_id, object_type="person", object_id=consent.person_id
        )
    return consent


# --- Staff pages --------------------------------------------------------------------------


@transaction.atomic
def start_case(
    compartment: Compartment,
    *,
    subject_kind: str,
    actor_id: int | None,
    summary: str,
    person: Person | None = None,
    new_person: dict[str, Any] | None = None,
    subject_name: str = "",
    country: str = "",
    region: str = "",
    sector: str = "",
) -> Case:
    """Open a case, creating its person first when `new_person` is given. One transaction:
    if anything fails, neither the person nor the case is kept."""
    summary = check_text(summary, "summary", required=_("Write a short summary of the case."))
    subject_name = check_text(subject_name, "subject_name", limit=LINE_MAX, line=True)
    check_case_subject(
        subject_kind, compartment=compartment, person=person, subject_name=subject_name
    )
    if new_person and subject_kind != SubjectKind.PERSON:
        # Refused rather than dropped: the caller meant a person to be recorded.
        raise RuleError(_("A case about a group or organisation has no person."), "new_person")
    country, region = check_place(country, region)
    if sector:
        _chosen(sector, Sector, "sector")
    if subject_kind == SubjectKind.PERSON and person is None and new_person:
        try:
            person = add_person(compartment, actor_id=actor_id, **new_person)
        except RuleError as broken:
            # The new person's inputs are named like the form's: new_person-<field>.
            field = broken.field and f"new_person-{broken.field}"
            raise RuleError(broken.message, field) from broken
    case = open_case(
        compartment,
        subject_kind=subject_kind,
        actor_id=actor_id,
        person=person if subject_kind == SubjectKind.PERSON else None,
        subject_name=subject_name if subject_kind != SubjectKind.PERSON else "",
        summary=summary,
        country=country,
        region=region,
        sector=sector or "other",
    )
    # open_case falls back to the person's region even when the case names another country.
    if case.region and not places.is_region_of(case.region, case.country):
        case.region = ""
        case.save(update_fields=["region"])
    return case


@transaction.atomic
def create_compartment_by(
    name: str, description: str = "", *, creator: Any, kind: str = CompartmentKind.WORK
) -> Compartment:
    """A new compartment whose first member is the coordinator who made it (someone must
    hold its keys)."""
    name = name.strip()
    if Compartment.objects.filter(name__iexact=name).exists():
        raise Conflict(_("A compartment with this name exists already. Choose another."))
    compartment = create_compartment(name, description.strip(), members=[creator], kind=kind)
    audit.record(
        "record.create", actor_id=creator.pk, object_type="compartment", object_id=compartment.pk
    )
    return compartment


def _require_member(compartment: Compartment, actor: Any) -> None:
    if not compartment.members.filter(user=actor).exists():
        raise RuleError(
            _(
                "Only a member of this compartment can change who is in it: members hold its "
                "keys, and letting someone in means sealing those keys to them. Ask a member."
            )
        )


@transaction.atomic
def admit_member(compartment: Compartment, user: Any, *, actor: Any) -> None:
    """`add_member`, done by a coordinator who belongs to the compartment (holds its keys)."""
    _require_member(compartment, actor)
    # A responder joins for the compartment's alerts (add_member seals them only those keys):
    # the alert ladders' first step is "Responders of the compartment".
    if not (user.has_perm("accounts.view_cases") or user.has_perm("accounts.respond_to_alerts")):
        raise RuleError(_("Only caseworkers, coordinators and responders can join a compartment."))
    try:
        add_member(compartment, user, actor_id=actor.pk)
    except NoKeyAccess as missing:
        raise RuleError(
            _(
                "You do not hold every key of this compartment, so you cannot seal them to "
                "someone else. Ask another member to add this person."
            )
        ) from missing
    audit.record(
        "record.update", actor_id=actor.pk, object_type="compartment", object_id=compartment.pk
    )


@transaction.atomic
def dismiss_member(compartment: Compartment, user: Any, *, actor: Any) -> None:
    """`remove_member`, refusing to remove the last member: nobody could open its records."""
    _require_member(compartment, actor)
    if not compartment.members.filter(user=user).exists():
        raise RuleError(_("This person is not a member of the compartment."))
    if compartment.members.count() <= 1:
        raise RuleError(
            _(
                "This is the last member. Removing them would leave nobody able to open the "
                "compartment's records; add someone else first."
            )
        )
    remove_member(compartment, user, actor_id=actor.pk)
    audit.record(
        "record.update", actor_id=actor.pk, object_type="compartment", object_id=compartment.pk
    )


# --- Expiry by crypto-shredding (retention) -------------------------------------------------


class StillNeeded(Exception):
    """A record to shred that other records still need (evidence, an assessment): kept."""

    def __init__(self, models: Sequence[str]) -> None:
        super().__init__(", ".join(models))
        self.models = list(models)


def _key_fields(model: type[Any]) -> list[Any]:
    from aegis.vault.models import DataKey

    return [f for f in model._meta.concrete_fields if f.is_relation and f.related_model is DataKey]


@transaction.atomic
def shred_records(rows: Sequence[Any], *, actor_id: int | None) -> int:
    """Delete `rows` with everything that cascades from them, then destroy every data key
    they were encrypted under that no remaining record uses (its wraps, so no keypair, the
    recovery key included, can open it again), with the keys' change logs and compartment
    copies. StillNeeded, writing nothing, when a protected reference stands in the way.
    Returns how many keys were shredded."""
    from django.db.models.deletion import Collector, ProtectedError, RestrictedError

    collector = Collector(using="default")
    try:
        collector.collect(list(rows))
    except (ProtectedError, RestrictedError) as blocked:
        names = sorted({o._meta.verbose_name_plural for o in blocked.args[1]})
        raise StillNeeded([str(n) for n in names]) from blocked
    key_ids: set[Any] = set()
    for model, instances in collector.data.items():
        for field in _key_fields(model):
            key_ids.update(getattr(o, field.attname) for o in instances)
    for query in collector.fast_deletes:
        for field in _key_fields(query.model):
            key_ids.update(query.values_list(field.attname, flat=True))
    collector.delete()
    key_ids.discard(None)
    gone = key_ids - vault.keys_in_use(key_ids, ignoring=(RecordChange, CompartmentKey))
    RecordChange.objects.filter(data_key_id__in=gone).delete()
    CompartmentKey.objects.filter(data_key_id__in=gone).delete()
    for key_id in sorted(gone, key=str):
        vault.shred(key_id, actor_id=actor_id)
    return len(gone)


def shred_case(case: Case, *, actor_id: int | None) -> int:
    """Expire a closed case: the case, its notes, tasks and history and whatever else goes
    with it, its keys destroyed; then its person too when no other record needs them.
    StillNeeded (nothing written) when other records still refer to the case."""
    if case.status != CaseStatus.CLOSED:  # retention asks only for closed ones
        raise ValueError("Only a closed case can expire.")
    with transaction.atomic():
        person = case.person
        shredded = shred_records([case], actor_id=actor_id)
        if person is not None and not Case.objects.filter(person=person).exists():
            try:
                with transaction.atomic():  # a savepoint: the person alone stays on refusal
                    shredded += shred_records([person], actor_id=actor_id)
            except StillNeeded:
                pass
    return shredded
