"""A small team for safety plans: a caseworker and a coordinator of one compartment, a
caseworker of another (the outsider), a defender whose account is linked to the person the
plan is about, and another defender."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from aegis.roles import Role
from aegis.safety import services
from aegis.safety.demo import draft as demo_draft
from aegis.safety.demo_plans import MVULE
from aegis.safety.drafts import ContactDraft, PlanDraft, ScenarioDraft
from aegis.vault.keychain import unlocked
from tests.conftest import Person, api_client, comparable, sign_in  # noqa: F401  (used by this folder's tests)


@dataclass
class Team:
    lucia: Person  # caseworker, member
    karim: Person  # coordinator, member
    pedro: Person  # caseworker in another compartment
    rosa: Person  # defender, linked to `person`
    tomas: Person  # another defender, linked to nobody
    compartment: Any
    person: Any  # the defender the plan is about (cases.Person)

    def save(self, draft: PlanDraft, by: Person | None = None) -> Any:
        by = by or self.lucia
        with unlocked(by.keychain()):
            return services.save_plan(self.person, draft, actor_id=by.user.pk)


def small_draft(**changes: Any) -> PlanDraft:
    draft = PlanDraft(
        language="en",
        contacts=[
            ContactDraft(name="Achieng Otieno", relation="Sister", phone="+254 722 555 031"),
            ContactDraft(name="Peter Mwangi", email="peter.demo@example.org"),
        ],
        checkin_interval_hours=24,
        checkin_grace_minutes=30,
        duress_word="Mango Season",
        safe_places="Parish hall\nColleague's flat",
        scenarios=[ScenarioDraft("arrest", "Ask for the lawyer", "Fatma", "ID card")],
    )
    for name, value in changes.items():
        setattr(draft, name, value)
    return draft


def full_draft(**changes: Any) -> PlanDraft:
    """The demo's English plan: five contacts, six scenarios, three safe places."""
    draft = demo_draft(MVULE)
    for name, value in changes.items():
        setattr(draft, name, value)
    return draft


@pytest.fixture
def team(make_person, make_compartment, make_case) -> Team:
    lucia = make_person(Role.CASEWORKER, "lucia")
    karim = make_person(Role.COORDINATOR, "karim")
    pedro = make_person(Role.CASEWORKER, "pedro")
    rosa = make_person(Role.DEFENDER, "rosa")
    tomas = make_person(Role.DEFENDER, "tomas")
    compartment = make_compartment(lucia, karim, name="Andes")
    other = make_compartment(pedro, name="Sahel")
    make_case(other, pedro, summary="Pedro's own case")
    case = make_case(compartment, lucia, summary="Threats after the land claim")
    person = case.person
    person.account = rosa.user
    person.save(update_fields=["account"])
    return Team(lucia, karim, pedro, rosa, tomas, compartment, person)


def client(person: Person) -> Client:
    return sign_in(Client(), person)


def form_data(draft: PlanDraft) -> dict[str, Any]:
    """What the edit page posts for `draft` (empty rows for unused contacts)."""
    data: dict[str, Any] = {
        "language": draft.language,
        "checkin_interval_hours": draft.checkin_interval_hours or "",
        "checkin_grace_minutes": draft.checkin_grace_minutes,
        "quiet_from": f"{draft.quiet_from:%H:%M}" if draft.quiet_from else "",
        "quiet_until": f"{draft.quiet_until:%H:%M}" if draft.quiet_until else "",
        "duress_word": draft.duress_word or "",
        "safe_places": draft.safe_places,
    }
    for n in range(5):
        contact = draft.contacts[n] if n < len(draft.contacts) else ContactDraft()
        for name, value in vars(contact).items():
            data[f"contact-{n}-{name}"] = value
    for scenario in draft.scenarios:
        for name in ScenarioDraft.TEXTS:
            data[f"scenario-{scenario.kind}-{name}"] = getattr(scenario, name)
    return data
