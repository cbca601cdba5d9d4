"""Reads for compartments, people and cases. Everything is scoped to the compartments the
reader belongs to: for anyone else a case does not exist (same answer as a missing one)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.forms import BooleanField
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from aegis.paging import Order, SeekPage, seek_page
from aegis.roles import Role
from aegis.vault.fields import blind_index
from aegis.vault.keychain import NoSearchKey, search_key_missing_message
from aegis.vault.selectors import holds_search_key, open_records, opened

from . import membership
from .models import Case, Compartment, CompartmentMember, ConsentRecord, Person, RecordChange
from .vocabulary import CompartmentKind

PAGE_SIZE = 25
ScopedModel = TypeVar("ScopedModel", bound=Model)
CASE_ORDER = Order("updated_at", descending=True)
PERSON_ORDER = Order("pseudonym", descending=False)


def compartments_of(user: Any) -> QuerySet[Compartment]:
    """Every compartment the user is a member of (safe houses' too): membership."""
    return Compartment.objects.filter(members__user=user)


def work_compartments_of(user: Any) -> QuerySet[Compartment]:
    """The user's compartments where new work may be filed: never a safe house's own (it
    holds one address, and its members are that house's contacts, not a case team)."""
    return compartments_of(user).filter(kind=CompartmentKind.WORK)


def work_compartments() -> QuerySet[Compartment]:
    """Every compartment where new work may be filed, with its member count (names and
    memberships are not case contents): where an analyst sends what monitoring found."""
    return compartments_for_coordination().filter(kind=CompartmentKind.WORK)


def compartment_ids(user: Any) -> list[int]:
    """The ids of the user's compartments: one small query, kept for the rest of a reading
    request (membership)."""
    return membership.compartment_ids(user)


def member_of(user: Any, compartment_id: int) -> bool:
    return compartment_id in compartment_ids(user)


def visible(
    records: type[ScopedModel] | QuerySet[ScopedModel], user: Any, *, via: str = "compartment"
) -> QuerySet[ScopedModel]:
    """The records this person may see, of any compartment-scoped model: those in the
    compartments they belong to. `via` is the path to the compartment ("case__compartment"
    for a record that belongs to a case). The compartments are read first as a list of ids
    (one small query, once per request: membership), so a long list is read through its own
    (compartment, order) index instead of joining the memberships."""
    found = records if isinstance(records, QuerySet) else records._default_manager.all()
    return found.filter(**{f"{via}__in": compartment_ids(user)})


def visible_cases(user: Any) -> QuerySet[Case]:
    return visible(Case, user)


def references_elsewhere(user: Any) -> QuerySet[Case, Any]:
    """The references of the cases in compartments the user is not a member of, as a
    subquery (`.values("reference")`): what names them stays out of the user's sight."""
    return Case.objects.exclude(compartment__in=compartment_ids(user)).values("reference")


def visible_people(user: Any) -> QuerySet[Person]:
    return visible(Person, user)


def case_for(user: Any, reference: str) -> Case | None:
    """The case (and its person), keys opened: its page shows them."""
    case = (
        visible_cases(user)
        .select_related("person", "compartment")
        .filter(reference=reference)
        .first()
    )
    if case is not None:
        open_records([case, case.person])
    return case


def person_for(user: Any, person_id: int) -> Person | None:
    person = visible_people(user).filter(pk=person_id).first()
    open_records([person])
    return person


def cases_page(
    user: Any,
    number: Any = None,
    *,
    status: str = "",
    country: str = "",
    sector: str = "",
    after: str = "",
    before: str = "",
) -> SeekPage:
    """A page of the reader's cases, most recently updated first: `after`/`before` seek from
    a row of the page shown (the links), `number` is a page typed into the address."""
    cases = visible(Case, user)
    cases = _filter_cases(cases, status=status, country=country, sector=sector)
    params = {"page": number, "after": after, "before": before}
    return seek_page(cases.select_related("person"), CASE_ORDER, params, size=PAGE_SIZE)


def people_page(user: Any, number: Any = None, *, after: str = "", before: str = "") -> SeekPage:
    people = visible(Person, user)
    params = {"page": number, "after": after, "before": before}
    return seek_page(people, PERSON_ORDER, params, size=PAGE_SIZE)


def has_consent(person: Person, scope: str) -> bool:
    """True while an unwithdrawn consent of this scope exists."""
    return ConsentRecord.objects.filter(
        person=person, scope=scope, withdrawn_at__isnull=True
    ).exists()


def consents_of(person: Person) -> QuerySet[ConsentRecord]:
    return person.consents.all()


@dataclass(frozen=True)
class SearchResults:
    cases: list[Case]
    people: list[Person]
    # Why names, phones and identity documents were not searched (the search key is missing).
    missing_key: str = ""

    @property
    def empty(self) -> bool:
        return not self.cases and not self.people


def search(user: Any, text: str) -> SearchResults:
    """Exact match on reference number, name, phone or identity document (blind indexes)."""
    text = text.strip()
    if not text:
        return SearchResults([], [])
    cases = list(visible_cases(user).filter(reference=text.upper()))
    try:
        matches = (
            Q(name_index=blind_index("name", text))
            | Q(phone_index=blind_index("phone", text))
            | Q(identity_index=blind_index("identifier", text))
        )
    except NoSearchKey as missing:
        return SearchResults(cases=cases, people=[], missing_key=str(missing))
    # The compartments as ids, so no join: the database answers the OR from the three
    # columns' indexes (a bitmap OR). Across the membership join, with DISTINCT over every
    # column (ciphertext included), no index could be used.
    people_list = list(visible(Person, user).filter(matches)[:SEARCH_CAP])
    cases += [c for c in visible_cases(user).filter(person__in=people_list) if c not in cases]
    return SearchResults(cases=cases, people=people_list)


def overdue_tasks(user: Any) -> QuerySet[Any]:
    from .models import CaseTask

    return visible(CaseTask, user, via="case__compartment").filter(
        done_at__isnull=True, due_on__lt=timezone.localdate()
    )


def tasks_due_today(user: Any) -> QuerySet[Any]:
    from .models import CaseTask

    return visible(CaseTask, user, via="case__compartment").filter(
        done_at__isnull=True, due_on=timezone.localdate()
    )


TASK_ORDER = Order("due_on", descending=False)


def open_tasks_page(user: Any, due: str, params: Mapping[str, Any]) -> SeekPage:
    """The reader's open tasks with a due date, soonest first, their titles opened: `due`
    "overdue" or "today" narrows them as the work queue counts them."""
    from .models import CaseTask

    if due == "overdue":
        tasks = overdue_tasks(user)
    elif due == "today":
        tasks = tasks_due_today(user)
    else:
        tasks = visible(CaseTask, user, via="case__compartment").filter(
            done_at__isnull=True, due_on__isnull=False
        )
    page = seek_page(
        tasks.select_related("case", "assigned_to"), TASK_ORDER, params, size=PAGE_SIZE
    )
    open_records(page.object_list)
    return page


# --- Staff pages --------------------------------------------------------------------------

CASE_STAFF_PERMISSION = "accounts.view_cases"
SEARCH_CAP = 50


def compartments_for_coordination() -> QuerySet[Compartment]:
    """Every compartment with its member count: names and memberships are not case contents."""
    from django.db.models import Count

    return Compartment.objects.annotate(member_count=Count("members")).order_by("name")


def compartment_by_id(compartment_id: int) -> Compartment | None:
    return Compartment.objects.filter(pk=compartment_id).first()


def members_of(compartment: Compartment) -> QuerySet[Any]:
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(pk__in=compartment.members.values("user_id"))
        .prefetch_related("groups")
        .order_by("username")
    )


def member_candidates(compartment: Compartment) -> QuerySet[Any]:
    """Active caseworkers and coordinators (whoever may open cases) and responders (whom
    its alerts reach) not yet members."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    staff = users.with_perm(
        CASE_STAFF_PERMISSION,
        include_superusers=False,
        backend="django.contrib.auth.backends.ModelBackend",
    ) | users.filter(groups__name=Role.RESPONDER.value, is_active=True)
    # Each is shown with its role: the groups in one query, not one per account.
    return (
        staff.exclude(pk__in=compartment.members.values("user_id"))
        .distinct()
        .prefetch_related("groups")
        .order_by("username")
    )


def linkable_accounts() -> QuerySet[Any]:
    """Active defenders' accounts not linked to anyone's file yet."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.DEFENDER.value, person__isnull=True)
        .order_by("username")
    )


def people_choices(user: Any) -> QuerySet[Person]:
    return visible_people(user).select_related("compartment").order_by("pseudonym", "pk")


@dataclass(frozen=True)
class CaseFile:
    """Everything the case page shows, fetched in a handful of queries."""

    case: Case
    history: list[Any]
    notes: list[Any]
    tasks: list[Any]
    consents: list[ConsentRecord]
    today: Any


def case_file(case: Case) -> CaseFile:
    return CaseFile(
        case=case,
        history=opened(
            case.status_changes.select_related("changed_by").order_by("changed_at", "pk")
        ),
        notes=opened(case.notes.select_related("author").order_by("-created_at", "-pk")),
        tasks=opened(case.tasks.select_related("assigned_to")),
        consents=opened(consents_of(case.person)) if case.person is not None else [],
        today=timezone.localdate(),
    )


def task_of(case: Case, task_id: int) -> Any:
    return case.tasks.filter(pk=task_id).first()


def consent_of(person: Person, consent_id: int) -> ConsentRecord | None:
    return person.consents.filter(pk=consent_id).first()


def cases_of(person: Person) -> QuerySet[Case]:
    return person.cases.order_by("-updated_at", "-pk")


def compartment_of_user(user: Any, compartment_id: int) -> Compartment | None:
    """A compartment the user belongs to where new work may be filed; any other is treated
    as missing."""
    return work_compartments_of(user).filter(pk=compartment_id).first()


def search_key_missing(user: Any) -> str:
    """Why `user` cannot store or look up names and phones yet (they lack the search key),
    or "" when they can: shown before they type a whole form."""
    return "" if holds_search_key(user.pk) else search_key_missing_message()


def search_capped(user: Any, text: str) -> SearchResults:
    """`search`, with at most SEARCH_CAP people and cases (exact matches are few)."""
    found = search(user, text)
    return SearchResults(
        cases=found.cases[:SEARCH_CAP],
        people=found.people[:SEARCH_CAP],
        missing_key=found.missing_key,
    )


def filtered_cases(
    user: Any, *, status: str = "", country: str = "", sector: str = ""
) -> QuerySet[Case]:
    cases = _filter_cases(visible_cases(user), status=status, country=country, sector=sector)
    return cases.select_related("person").order_by("-updated_at", "-pk")


def _filter_cases(
    cases: QuerySet[Case], *, status: str = "", country: str = "", sector: str = ""
) -> QuerySet[Case]:
    if status:
        cases = cases.filter(status=status)
    if country:
        cases = cases.filter(country=country.upper())
    if sector:
        cases = cases.filter(sector=sector)
    return cases


def members_with_role(compartment_id: int, role: str) -> QuerySet[Any]:
    """Active members of a compartment holding `role` (a group name), by id: whom an alert
    step addressed to that role reaches."""
    from django.contrib.auth import get_user_model

    member_ids = CompartmentMember.objects.filter(compartment_id=compartment_id).values("user_id")
    return (
        get_user_model()
        .objects.filter(pk__in=member_ids, groups__name=role, is_active=True)
        .order_by("pk")
    )


def staff_in_compartments(role: str) -> QuerySet[Any]:
    """Active people holding `role` (a group name) who belong to at least one compartment."""
    from django.contrib.auth import get_user_model

    member_ids = CompartmentMember.objects.values("user_id")
    return get_user_model().objects.filter(pk__in=member_ids, groups__name=role, is_active=True)


def people_with_phone_index(index: str) -> list[Person]:
    """Files whose phone has this blind index (the caller computes it under its keys)."""
    return list(Person.objects.filter(phone_index=index).order_by("pk"))


# --- Change log ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangedValue:
    label: Any
    before: str
    after: str


# What the history calls each kind of record, beside its number.
RECORD_LABELS = {
    "case": gettext_lazy("Case"),
    "person": gettext_lazy("Person"),
    "incident": gettext_lazy("Incident"),
    "act": gettext_lazy("Act"),
    "source": gettext_lazy("Source"),
    "perpetrator": gettext_lazy("Perpetrator"),
}


@dataclass(frozen=True)
class ChangeEntry:
    record_type: str
    record_id: str
    changed_by: Any
    changed_at: Any
    reason: str
    values: list[ChangedValue]

    @property
    def record_label(self) -> Any:
        return RECORD_LABELS.get(self.record_type, self.record_type)


def _label(fields: Mapping[str, Any], name: str) -> Any:
    field = fields.get(name)
    return getattr(field, "label", None) or name.replace("_", " ").capitalize()


def _value(fields: Mapping[str, Any], name: str, value: str) -> str:
    """A coded value by its label when the form lists it (a sector, a violation type), or
    as the field shows what the log keeps (its `logged_value`)."""
    if callable(shown := getattr(fields.get(name), "logged_value", None)):
        return str(shown(value))
    if isinstance(fields.get(name), BooleanField) and value in ("yes", "no"):
        return gettext("yes") if value == "yes" else gettext("no")
    choices = getattr(fields.get(name), "choices", None)
    if value and isinstance(choices, list | tuple):
        for code, label in choices:
            if str(code) == value:
                return str(label)
    return value


def history_of(
    records: Iterable[tuple[str, Any]], fields: Mapping[str, Mapping[str, Any]] | None = None
) -> list[ChangeEntry]:
    """The corrections of the given (record type, record id) pairs, newest first, decrypted:
    the caller's key context must hold the records' keys. `fields` gives, per record type,
    the form fields whose labels (and listed choices) name the changed values."""
    fields = fields or {}
    wanted = Q(pk__in=[])
    for record_type, record_id in records:
        wanted |= Q(record_type=record_type, record_id=str(record_id))
    entries = []
    for change in opened(RecordChange.objects.filter(wanted).select_related("changed_by")):
        known = fields.get(change.record_type, {})
        entries.append(
            ChangeEntry(
                record_type=change.record_type,
                record_id=change.record_id,
                changed_by=change.changed_by,
                changed_at=change.changed_at,
                reason=str(change.reason or ""),
                values=[
                    ChangedValue(
                        _label(known, name), _value(known, name, old), _value(known, name, new)
                    )
                    for name, old, new in json.loads(str(change.changes or "[]"))
                ],
            )
        )
    return entries


def closed_cases(closed_before: Any) -> QuerySet[Case]:
    """Cases closed before the given time, longest closed first: what retention expires.
    Coded columns only, nothing opened."""
    from .vocabulary import CaseStatus

    return Case.objects.filter(status=CaseStatus.CLOSED, closed_at__lt=closed_before).order_by(
        "closed_at", "pk"
    )


def cases_in(compartment: Compartment) -> QuerySet[Case]:
    return Case.objects.filter(compartment=compartment).order_by("pk")


def people_of_cases(case_ids: Iterable[int]) -> set[int]:
    """The ids of the people these cases are about."""
    found = Case.objects.filter(pk__in=list(case_ids)).exclude(person=None)
    return set(found.values_list("person_id", flat=True))


def consenting_people(scope: str) -> QuerySet[Person]:
    """Everyone holding an unwithdrawn consent of this scope (a subquery for statistics:
    nothing is read into Python)."""
    return Person.objects.filter(
        pk__in=ConsentRecord.objects.filter(scope=scope, withdrawn_at__isnull=True).values(
            "person_id"
        )
    )


def people_changed_at() -> Any:
    """When any person's details were last saved (for caches of statistics: a victim's
    sector is counted). A lone MAX, read from its index's end."""
    from django.db.models import Max

    return Person.objects.aggregate(last=Max("updated_at"))["last"]


def consenting_ids(scope: str) -> set[int]:
    """The ids of everyone holding an unwithdrawn consent of this scope (kept by statistics
    to see whose consent changed since they last counted)."""
    return set(consenting_people(scope).order_by().values_list("pk", flat=True))


def people_changed_since(since: Any) -> set[int]:
    """The ids of people whose details were saved after `since` (by its index)."""
    return set(Person.objects.filter(updated_at__gt=since).values_list("pk", flat=True))


def case_workload() -> dict[str, Any]:
    """Counts for the staff dashboard of reports, across every compartment: cases by status,
    open tasks and overdue ones. Coded counts only, no case is read."""
    from django.db.models import Count

    from aegis import clock

    from .models import CaseTask

    by_status = dict(Case.objects.values_list("status").annotate(n=Count("pk")).order_by())
    open_tasks = CaseTask.objects.filter(done_at__isnull=True)
    return {
        "by_status": by_status,
        "open_tasks": open_tasks.count(),
        "overdue_tasks": open_tasks.filter(due_on__lt=clock.today()).count(),
    }


def people_with_name_indexes(indexes: Any) -> list[Person]:
    """Files whose legal name has one of these blind indexes (computed by the caller under
    the search key): monitoring recognises a protected person named in the news."""
    wanted = [index for index in indexes if index]
    if not wanted:
        return []
    return list(Person.objects.filter(name_index__in=wanted).order_by("pk"))


def consent_fingerprint(scope: str) -> tuple[int, int, Any]:
    """Changes whenever a consent of this scope is given or withdrawn (for caches of
    statistics): how many there are, how many withdrawn, the latest withdrawal."""
    from django.db.models import Count, Max

    found = ConsentRecord.objects.filter(scope=scope).aggregate(
        n=Count("pk"), withdrawn=Count("withdrawn_at"), last=Max("withdrawn_at")
    )
    return (found["n"], found["withdrawn"], found["last"])
