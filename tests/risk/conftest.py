"""A protection team for risk: a caseworker in a compartment with one case about a land
defender in Antioquia, an outsider caseworker with a compartment of their own, and helpers
that assess risk and record incidents through the real services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from aegis.accounts import services as accounts
from aegis.incidents import services as incidents
from aegis.risk import configuration, services
from aegis.risk.models import ChecklistItem
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import Person, sign_in

DAY = datetime.date(2024, 3, 5)


def vulnerability_ids() -> list[int]:
    configuration.checklist()
    return list(ChecklistItem.objects.filter(kind="vulnerability").values_list("pk", flat=True))


def capacity_ids() -> list[int]:
    configuration.checklist()
    return list(ChecklistItem.objects.filter(kind="capacity").values_list("pk", flat=True))


def ratings(vulnerabilities: list[int] = (3,), capacities: list[int] = (3,)) -> list[Any]:  # type: ignore[assignment]
    v_ids, c_ids = vulnerability_ids(), capacity_ids()
    return [services.RatingInput(v_ids[n], r) for n, r in enumerate(vulnerabilities)] + [
        services.RatingInput(c_ids[n], r) for n, r in enumerate(capacities)
    ]


def threat(likelihood: Any = 3, impact: Any = 3, **fields: Any) -> services.ThreatInput:
    fields.setdefault("title", "Death threat by pamphlet")
    return services.ThreatInput(likelihood=likelihood, impact=impact, **fields)


@dataclass
class Team:
    worker: Person
    compartment: Any
    case: Any
    extra: dict[str, Any] = field(default_factory=dict)

    def assess(self, *, case: Any = None, **fields: Any) -> Any:
        fields.setdefault("threats", [threat()])
        fields.setdefault("ratings", ratings())
        with unlocked(self.worker.keychain()):
            return services.create_assessment(case or self.case, actor=self.worker.user, **fields)

    def record(self, **fields: Any) -> Any:
        """An incident in the team's compartment (linked to nothing unless told)."""
        fields.setdefault("title", "Threat at the community hall")
        fields.setdefault("date_start", DAY)
        victims = fields.pop("victims", [])
        with unlocked(self.worker.keychain()):
            incident = incidents.create_incident(
                self.compartment, actor_id=self.worker.user.pk, **fields
            )
            if victims:
                incidents.add_act(incident, violation_type="threat", actor_id=None, victims=victims)
        return incident


@pytest.fixture
def team(make_person, make_compartment, make_case) -> Team:
    worker = make_person(Role.CASEWORKER)
    compartment = make_compartment(worker)
    return Team(worker, compartment, make_case(compartment, worker))


@pytest.fixture
def outsider(make_person, make_compartment, make_case) -> Person:
    """A caseworker with a compartment (and a case) of their own, but not the team's."""
    person = make_person(Role.CASEWORKER)
    make_case(make_compartment(person), person)
    return person


def web(person: Person) -> Client:
    return sign_in(Client(), person)


def api(person: Person) -> Client:
    with unlocked(person.keychain()) as chain:
        token = accounts.create_api_token(person.user, "test", chain)
    return Client(headers={"Authorization": f"Bearer {token}"})
