"""Reads for compartments, people and cases. Everything is scoped to the compartments the
reader belongs to: for anyone else a case does not exist (same answer as a missing one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from aegis.vault.fields import blind_index
from aegis.vault.keychain import NoKeyAccess

from .models import Case, Compartment, ConsentRecord, Person

PAGE_SIZE = 25


def compartments_of(user: Any) -> QuerySet[Compartment]:
    return Compartment.objects.filter(members__user=user)


def member_of(user: Any, compartment_id: int) -> bool:
    return compartments_of(user).filter(pk=compartment_id).exists()


def visible_cases(user: Any) -> QuerySet[Case]:
    return Case.objects.filter(compartment__members__user=user)


def visible_people(user: Any) -> QuerySet[Person]:
    return Person.objects.filter(compartment__members__user=user)


def case_for(user: Any, reference: str) -> Case | None:
    return (
        visible_cases(user)
        .select_related("person", "compartment")
        .filter(reference=reference)
        .first()
    )


def person_for(user: Any, person_id: int) -> Person | None:
    return visible_people(user).filter(pk=person_id).first()


def cases_page(
    user: Any, number: Any = None, *, status: str = "", country: str = "", sector: str = ""
) -> Page:
    cases = visible_cases(user).select_related("person")
    if status:
        cases = cases.filter(status=status)
    if country:
        cases = cases.filter(country=country.upper())
    if sector:
        cases = cases.filter(sector=sector)
    return Paginator(cases.order_by("-updated_at", "-pk"), PAGE_SIZE).get_page(number)


def people_page(user: Any, number: Any = None) -> Page:
    return Paginator(visible_people(user).order_by("pseudonym", "pk"), PAGE_SIZE).get_page(number)


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
        people = (
            visible_people(user).filter(name_index=blind_index("name", text))
            | visible_people(user).filter(phone_index=blind_index("phone", text))
            | visible_people(user).filter(identity_index=blind_index("identifier", text))
        )
    except NoKeyAccess:
        people = Person.objects.none()
    people_list = list(people.distinct()[:50])
    cases += [c for c in visible_cases(user).filter(person__in=people_list) if c not in cases]
    return SearchResults(cases=cases, people=people_list)


def overdue_tasks(user: Any) -> QuerySet[Any]:
    from .models import CaseTask

    return CaseTask.objects.filter(
        case__compartment__members__user=user, done_at__isnull=True, due_on__lt=timezone.localdate()
    )
