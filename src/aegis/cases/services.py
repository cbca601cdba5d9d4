"""Writes and rules for compartments, people, cases, notes, tasks and consent.

Other apps create the keys of their records with `new_record_key(compartment, purpose)`, so
that compartment membership governs every protected record, whatever app it lives in."""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aegis import clock, places
from aegis.audit import services as audit
from aegis.roles import Role
from aegis.vault import services as vault
from aegis.vault.keychain import NoKeyAccess, current
from aegis.vault.models import DataKey
from aegis.vault.selectors import keypair_for_user

from .models import (
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
from .vocabulary import CaseStatus, ConsentScope, SubjectKind


class CaseRuleError(ValueError):
    """A request that breaks a rule of the case workflow; the message is for the user."""


# --- Change log ---------------------------------------------------------------------------


def reason_missing_message() -> str:
    return _("Say why this is changed; the reason is kept in the history of changes.")


def require_reason(reason: str) -> str:
    """The typed reason for a correction, or CaseRuleError before anything is written."""
    if not isinstance(reason, str) or not reason.strip():
        raise CaseRuleError(reason_missing_message())
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


# --- Compartments -------------------------------------------------------------------------


# Responders join compartments to be reached by its alerts: they hold the keys of those
# alerts and nothing that opens a case file (nor the search key).
RESPONDER_KEY_PURPOSES = frozenset({"alert"})


def _is_responder(user: Any) -> bool:
    return bool(user.groups.filter(name=Role.RESPONDER.value).exists())


def _member_keypairs(compartment: Compartment, purpose: str) -> list[Any]:
    members = compartment.members.all()
    if purpose not in RESPONDER_KEY_PURPOSES:
        members = members.exclude(user__groups__name=Role.RESPONDER.value)
    user_ids = members.values_list("user_id", flat=True)
    return [kp for uid in user_ids if (kp := keypair_for_user(uid)) is not None]


@transaction.atomic
def create_compartment(name: str, description: str = "", *, members: list[Any] = ()) -> Compartment:  # type: ignore[assignment]
    compartment = Compartment.objects.create(name=name, description=description)
    for user in members:
        CompartmentMember.objects.create(compartment=compartment, user=user)
    return compartment


@transaction.atomic
def new_record_key(compartment: Compartment, purpose: str) -> DataKey:
    """A fresh key for one record, sealed to every member of the compartment."""
    data_key = vault.create_data_key(purpose, _member_keypairs(compartment, purpose))
    CompartmentKey.objects.create(compartment=compartment, data_key=data_key)
    return data_key


@transaction.atomic
def add_member(compartment: Compartment, user: Any, *, actor_id: int | None) -> None:
    """Seal every key of the compartment (and the search key) to one more person; to a
    responder only the keys of its alerts. The caller must hold them, so only an existing
    member can let someone in."""
    keypair = keypair_for_user(user.pk)
    if keypair is None:
        raise CaseRuleError(_("This person has no keys yet and cannot join a compartment."))
    _membership, created = CompartmentMember.objects.get_or_create(
        compartment=compartment, user=user
    )
    if not created:
        return
    keys = compartment.keys.all()
    responder = _is_responder(user)
    if responder:
        keys = keys.filter(data_key__purpose__in=RESPONDER_KEY_PURPOSES)
    for data_key_id in keys.values_list("data_key_id", flat=True):
        vault.grant(data_key_id, keypair, actor_id=actor_id)
    if responder:
        return
    if (index_key_id := vault.index_key_id()) is not None and current().holds(index_key_id):
        vault.grant(index_key_id, keypair, actor_id=actor_id)


@transaction.atomic
def remove_member(compartment: Compartment, user: Any, *, actor_id: int | None) -> None:
    keypair = keypair_for_user(user.pk)
    CompartmentMember.objects.filter(compartment=compartment, user=user).delete()
    if keypair is not None:
        for data_key_id in compartment.keys.values_list("data_key_id", flat=True):
            vault.revoke(data_key_id, keypair, actor_id=actor_id)


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
        compartment=compartment, data_key=new_record_key(compartment, "person"), **fields
    )
    person.full_clean(exclude=["data_key", "compartment"])
    person.save()
    audit.record("record.create", actor_id=actor_id, object_type="person", object_id=person.pk)
    return person


@transaction.atomic
def update_person(person: Person, *, actor_id: int | None, reason: str, **fields: Any) -> Person:
    """Correct a person's details; the previous values go to the change log."""
    require_reason(reason)
    before = stored_snapshot(person, PERSON_FIELDS)
    for name, value in fields.items():
        if name not in PERSON_FIELDS:
            raise TypeError(f"Unknown person field: {name}")
        setattr(person, name, value)
    person.full_clean(exclude=["data_key", "compartment"])
    person.save()
    record_change(
        "person",
        person.pk,
        person.data_key_id,
        actor_id=actor_id,
        reason=reason,
        before=before,
        after=snapshot(person, PERSON_FIELDS),
    )
    return person


# --- Defender accounts --------------------------------------------------------------------


def _require_file_member(person: Person, actor: Any) -> None:
    # Receivers seal keys of the person's records to the account: only a member holds them.
    if not person.compartment.members.filter(user=actor).exists():
        raise CaseRuleError(
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
        raise CaseRuleError(_("Only an active defender's account can be linked to a person."))
    # Locked, so two caseworkers linking at once cannot both pass the checks below.
    linked_id = Person.objects.select_for_update().values_list("account_id", flat=True)
    if linked_id.get(pk=person.pk) is not None:
        raise CaseRuleError(
            _("This person is already linked to an account. Unlink it first to link another.")
        )
    if Person.objects.filter(account=account).exists():
        raise CaseRuleError(_("This account is already linked to another person's file."))
    if keypair_for_user(account.pk) is None:
        raise CaseRuleError(_("This account has no keys yet, so nothing can be shared with it."))
    person.account = account
    try:
        with transaction.atomic():
            person.save(update_fields=["account"])
    except IntegrityError as clash:  # the same account linked elsewhere meanwhile
        raise CaseRuleError(
            _("This account is already linked to another person's file.")
        ) from clash
    try:
        account_linked.send(Person, person=person, account=account, actor_id=actor.pk)
    except NoKeyAccess as missing:
        raise CaseRuleError(
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
        raise CaseRuleError(_("This person's file is not linked to any account."))
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
    if subject_kind == "person" and person is None:
        raise CaseRuleError(_("Choose the person this case is about."))
    if subject_kind != "person" and not subject_name.strip():
        raise CaseRuleError(_("Give the name of the group or organisation this case is about."))
    if person is not None and person.compartment_id != compartment.pk:
        raise CaseRuleError(_("The person and the case must be in the same compartment."))
    data_key = new_record_key(compartment, "case")  # the slow part, before the counter is held
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
        reason="Case opened",
        changed_by_id=actor_id,
    )
    audit.record("record.create", actor_id=actor_id, object_type="case", object_id=case.reference)
    return case


@transaction.atomic
def change_status(case: Case, to_status: str, reason: str, *, actor_id: int | None) -> Case:
    if to_status not in CaseStatus.values:
        raise CaseRuleError(_("Unknown status."))
    if to_status == case.status:
        raise CaseRuleError(_("The case already has this status."))
    if not reason.strip():
        raise CaseRuleError(_("Say why the status changes; the reason is kept with the case."))
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
    if not body.strip():
        raise CaseRuleError(_("The note is empty."))
    note = CaseNote.objects.create(case=case, data_key=case.data_key, body=body, author_id=actor_id)
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    return note


@transaction.atomic
def add_task(
    case: Case, title: str, *, actor_id: int | None, due_on: Any = None, assigned_to: Any = None
) -> CaseTask:
    if not title.strip():
        raise CaseRuleError(_("Say what needs to be done."))
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
    if not str(values["summary"]).strip():
        raise CaseRuleError(_("Write a short summary of the case."))
    if case.subject_kind != SubjectKind.PERSON and not str(values["subject_name"]).strip():
        raise CaseRuleError(_("Give the name of the group or organisation this case is about."))
    if case.subject_kind == SubjectKind.PERSON:
        values["subject_name"] = case.subject_name or ""
    country = str(values["country"] or "").strip().upper()
    region = str(values["region"] or "").strip().upper()
    if country and not places.is_country(country):
        raise CaseRuleError(_("Choose a country from the list."))
    if region and not places.is_region_of(region, country):
        raise CaseRuleError(_("This region is not a first-level region of the country chosen."))
    values.update(country=country, region=region)
    before = stored_snapshot(case, CASE_FIELDS)
    for name, value in values.items():
        setattr(case, name, value)
    case.full_clean(exclude=["data_key", "compartment", "person", "reference"])
    case.save()
    record_change(
        "case",
        case.reference,
        case.data_key_id,
        actor_id=actor_id,
        reason=reason,
        before=before,
        after=snapshot(case, CASE_FIELDS),
    )
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
        raise CaseRuleError(_("The case is already in this compartment."))
    members = CompartmentMember.objects.filter(user=actor)
    if not (
        members.filter(compartment=source).exists() and members.filter(compartment=to).exists()
    ):
        raise CaseRuleError(
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
        raise CaseRuleError(
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
        raise CaseRuleError(_("Unknown kind of consent."))
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
    if not summary.strip():
        raise CaseRuleError(_("Write a short summary of the case."))
    if subject_kind == SubjectKind.PERSON and person is None and new_person:
        person = create_person(compartment, actor_id=actor_id, **new_person)
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
def create_compartment_by(name: str, description: str = "", *, creator: Any) -> Compartment:
    """A new compartment whose first member is the coordinator who made it (someone must
    hold its keys)."""
    name = name.strip()
    if Compartment.objects.filter(name__iexact=name).exists():
        raise CaseRuleError(_("A compartment with this name exists already. Choose another."))
    compartment = create_compartment(name, description.strip(), members=[creator])
    audit.record(
        "record.create", actor_id=creator.pk, object_type="compartment", object_id=compartment.pk
    )
    return compartment


def _require_member(compartment: Compartment, actor: Any) -> None:
    if not compartment.members.filter(user=actor).exists():
        raise CaseRuleError(
            _(
                "Only a member of this compartment can change who is in it: members hold its "
                "keys, and letting someone in means sealing those keys to them. Ask a member."
            )
        )


@transaction.atomic
def admit_member(compartment: Compartment, user: Any, *, actor: Any) -> None:
    """`add_member`, done by a coordinator who belongs to the compartment (holds its keys)."""
    _require_member(compartment, actor)
    if not user.has_perm("accounts.view_cases"):
        raise CaseRuleError(_("Only caseworkers and coordinators can join a compartment."))
    try:
        add_member(compartment, user, actor_id=actor.pk)
    except NoKeyAccess as missing:
        raise CaseRuleError(
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
        raise CaseRuleError(_("This person is not a member of the compartment."))
    if compartment.members.count() <= 1:
        raise CaseRuleError(
            _(
                "This is the last member. Removing them would leave nobody able to open the "
                "compartment's records; add someone else first."
            )
        )
    remove_member(compartment, user, actor_id=actor.pk)
    audit.record(
        "record.update", actor_id=actor.pk, object_type="compartment", object_id=compartment.pk
    )
