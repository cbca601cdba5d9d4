"""Reads of safety plans. Staff reach a plan through the person, scoped to their
compartments (anyone else gets None, as for a missing person); a defender reaches only the
plan of the person linked to their own account.

For the alert worker (with `unlocked(service_keys.service_keychain())`):
`emergency_contacts(person)`, `checkin_schedule(person)`, `duress_word_matches(person, word)`
and, with no key at all, `versions_with_checkins()`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from aegis.cases import selectors as cases
from aegis.cases.models import Person
from aegis.vault.keychain import current_or_none
from aegis.vault.selectors import open_records

from . import duress
from .drafts import ContactDraft, PlanDraft, ScenarioDraft, quiet_hours_zone
from .models import EmergencyContact, PlanVersion, SafetyPlan, Scenario
from .vocabulary import ScenarioKind


def clear(record: Any, field: str) -> str:
    """An encrypted field's text ("" when empty); the record's key must be unlocked."""
    return getattr(record, field) or ""


# --- Who may read which plan --------------------------------------------------------------


def person_for_staff(user: Any, person_id: int) -> Person | None:
    """A person in one of the user's compartments; anyone else's is None, like a missing one."""
    return cases.person_for(user, person_id)


def own_person(user: Any) -> Person | None:
    """The person this (defender's) account belongs to, if one is linked."""
    return Person.objects.filter(account=user).first() if user.is_authenticated else None


# --- Versions -----------------------------------------------------------------------------


def current_version(person: Person) -> PlanVersion | None:
    """The latest version: the plan in force, its key opened (its contacts and scenarios
    are under the same key)."""
    version = (
        PlanVersion.objects.filter(plan__person=person)
        .select_related("plan", "created_by")
        .order_by("-number")
        .first()
    )
    open_records([version])
    return version


def version_of(person: Person, number: int) -> PlanVersion | None:
    version = (
        PlanVersion.objects.filter(plan__person=person, number=number)
        .select_related("plan", "created_by")
        .first()
    )
    open_records([version])
    return version


def versions_of(person: Person) -> QuerySet[PlanVersion]:
    """Every version, newest first, with who wrote it and when (no contents are opened)."""
    return (
        PlanVersion.objects.filter(plan__person=person)
        .select_related("created_by")
        .order_by("-number")
    )


def contacts_of(version: PlanVersion) -> list[EmergencyContact]:
    return list(version.contacts.order_by("priority"))


def scenarios_of(version: PlanVersion) -> list[Scenario]:
    """In the order of ScenarioKind (arrest first), not the order they were written."""
    order = {kind: position for position, kind in enumerate(ScenarioKind.values)}
    return sorted(version.scenarios.all(), key=lambda s: order.get(s.kind, len(order)))


def quiet_hours(version: PlanVersion) -> tuple[time, time] | None:
    text = clear(version, "quiet_hours")
    if "-" not in text:
        return None
    start, end = text.split("-", 1)
    return time.fromisoformat(start), time.fromisoformat(end)


@dataclass(frozen=True)
class PlanContents:
    """One version, decrypted for a page (read inside the key context)."""

    version: PlanVersion
    contacts: list[EmergencyContact]
    scenarios: list[Scenario]
    quiet_hours: tuple[time, time] | None
    safe_places: list[str]
    # The zone the quiet hours are read in (drafts.quiet_hours_zone), shown beside them.
    time_zone: str


def contents(version: PlanVersion) -> PlanContents:
    return PlanContents(
        version=version,
        contacts=contacts_of(version),
        scenarios=scenarios_of(version),
        quiet_hours=quiet_hours(version),
        safe_places=[p.strip() for p in clear(version, "safe_places").splitlines() if p.strip()],
        time_zone=quiet_hours_zone(),
    )


def _contact_details(contact: EmergencyContact) -> dict[str, str]:
    """A contact's details in clear (the plan's key open), as the editor and the alert worker
    read them."""
    details = {name: clear(contact, name) for name in ContactDraft.TEXTS}
    return {**details, "language": contact.language}


def draft_of(version: PlanVersion | None) -> PlanDraft:
    """The draft that saves `version` again: where an edit starts. The duress word is kept
    (None) unless the editor types a new one."""
    if version is None:
        return PlanDraft(scenarios=[ScenarioDraft(kind) for kind in ScenarioKind.values])
    written = {s.kind: s for s in version.scenarios.all()}
    hours = quiet_hours(version)
    return PlanDraft(
        language=version.language,
        contacts=[ContactDraft(**_contact_details(c)) for c in contacts_of(version)],
        checkin_interval_hours=version.checkin_interval_hours,
        checkin_grace_minutes=version.checkin_grace_minutes,
        quiet_from=hours[0] if hours else None,
        quiet_until=hours[1] if hours else None,
        safe_places=clear(version, "safe_places"),
        scenarios=[_scenario_draft(kind, written.get(kind)) for kind in ScenarioKind.values],
    )


def _scenario_draft(kind: str, scenario: Scenario | None) -> ScenarioDraft:
    if scenario is None:
        return ScenarioDraft(kind)
    return ScenarioDraft(
        kind,
        steps=clear(scenario, "steps"),
        whom_to_call=clear(scenario, "whom_to_call"),
        what_to_carry=clear(scenario, "what_to_carry"),
    )


# --- For the alert worker -----------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    priority: int
    name: str
    relation: str
    phone: str
    email: str
    signal: str
    other_channel: str
    language: str


def emergency_contacts(person: Person) -> list[Contact]:
    """The current plan's contacts in order of priority (1 first); [] without a plan. Needs a
    key context holding the plan's key (the service keychain does)."""
    version = current_version(person)
    return emergency_contacts_of(version) if version is not None else []


def emergency_contacts_of(version: PlanVersion) -> list[Contact]:
    return [Contact(priority=c.priority, **_contact_details(c)) for c in contacts_of(version)]


@dataclass(frozen=True)
class CheckinSchedule:
    interval: timedelta | None  # None: no regular check-in
    grace: timedelta
    quiet_from: time | None
    quiet_until: time | None

    def is_quiet(self, at: time) -> bool:
        """Within the quiet hours (which may run past midnight)?"""
        if self.quiet_from is None or self.quiet_until is None:
            return False
        if self.quiet_from < self.quiet_until:
            return self.quiet_from <= at < self.quiet_until
        return at >= self.quiet_from or at < self.quiet_until


def checkin_schedule(person: Person) -> CheckinSchedule | None:
    """The current plan's schedule; None without a plan. Quiet hours are encrypted, so this
    needs the plan's key (the service keychain holds it)."""
    version = current_version(person)
    if version is None:
        return None
    hours = quiet_hours(version)
    interval = version.checkin_interval_hours
    return CheckinSchedule(
        interval=timedelta(hours=interval) if interval else None,
        grace=timedelta(minutes=version.checkin_grace_minutes),
        quiet_from=hours[0] if hours else None,
        quiet_until=hours[1] if hours else None,
    )


def duress_word_matches(person: Person, word: str) -> bool:
    """Is `word` the duress word of the person's current plan (compared normalised, in
    constant time)? False without a plan or a duress word. Needs the plan's key."""
    version = current_version(person)
    if version is None:
        return False
    return duress.matches(version.data_key_id, version.duress_digest, word)


def schedule_started(version: PlanVersion) -> datetime:
    """When the plan began asking for check-ins at this version's interval: the oldest of the
    versions up to this one that ask for the same, without a break. A version saved for
    another reason (a contact's phone corrected) had restarted the clock, and so put off a
    missed check-in that was already due."""
    started = version.created_at
    earlier = (
        PlanVersion.objects.filter(plan_id=version.plan_id, number__lt=version.number)
        .order_by("-number")
        .values_list("checkin_interval_hours", "created_at")
    )
    for interval, created_at in earlier.iterator():
        if interval != version.checkin_interval_hours:
            break
        started = created_at
    return started


def versions_with_checkins() -> QuerySet[PlanVersion]:
    """Current versions that ask for regular check-ins, with their person; reads only clear
    columns, so the worker can plan its rounds before opening any key."""
    latest = (
        PlanVersion.objects.filter(plan=OuterRef("plan")).order_by("-number").values("number")[:1]
    )
    return (
        PlanVersion.objects.filter(number=Subquery(latest), checkin_interval_hours__isnull=False)
        .select_related("plan__person")
        .order_by("plan__person_id")
    )


def can_open(version: PlanVersion) -> bool:
    """Do the unlocked keys open this plan? (A defender's account may not hold it yet.)"""
    chain = current_or_none()
    return chain is not None and chain.holds(version.data_key_id)


def has_plan(person: Person) -> bool:
    return SafetyPlan.objects.filter(person=person).exists()
