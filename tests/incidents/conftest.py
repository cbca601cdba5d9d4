"""A protection team (a caseworker in a compartment with one case) and a helper that records
incidents through the real services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from aegis.incidents import services
from aegis.roles import Role
from aegis.vault.keychain import unlocked

DAY = datetime.date(2024, 3, 5)


@dataclass
class Team:
    worker: Any  # tests.conftest.Person
    compartment: Any
    case: Any

    def record(self, **fields: Any) -> Any:
        fields.setdefault("title", "Threat at the community hall")
        fields.setdefault("date_start", DAY)
        with unlocked(self.worker.keychain()):
            return services.create_incident(
                self.compartment, actor_id=self.worker.user.pk, **fields
            )


@pytest.fixture
def team(make_person, make_compartment, make_case) -> Team:
    worker = make_person(Role.CASEWORKER)
    compartment = make_compartment(worker)
    return Team(worker, compartment, make_case(compartment, worker))


@pytest.fixture
def outsider(make_person, make_compartment):
    """A caseworker with a compartment of their own, but not the team's."""
    person = make_person(Role.CASEWORKER)
    make_compartment(person)
    return person
