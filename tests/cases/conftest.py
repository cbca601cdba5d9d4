"""A small team for the cases pages: two members of one compartment (a caseworker and a
coordinator), a caseworker of another compartment (the outsider), and a case with a note,
a task and a consent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from aegis.cases import services
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import Person, api_client, comparable, sign_in  # noqa: F401  (used by this folder's tests)


@dataclass
class Team:
    lucia: Person  # caseworker, member
    karim: Person  # coordinator, member
    pedro: Person  # caseworker in another compartment
    compartment: Any
    other_compartment: Any
    case: Any
    task: Any
    consent: Any

    @property
    def person(self) -> Any:
        return self.case.person


@pytest.fixture
def team(make_person, make_compartment, make_case) -> Team:
    lucia = make_person(Role.CASEWORKER, "lucia")
    karim = make_person(Role.COORDINATOR, "karim")
    pedro = make_person(Role.CASEWORKER, "pedro")
    compartment = make_compartment(lucia, karim, name="Andes")
    other = make_compartment(pedro, name="Sahel")
    make_case(other, pedro, summary="Pedro's own case")
    case = make_case(compartment, lucia, summary="Threats after the land claim")
    with unlocked(lucia.keychain()):
        services.add_note(case, "Call log received", actor_id=lucia.user.pk)
        task = services.add_task(case, "Request protective measures", actor_id=lucia.user.pk)
        consent = services.record_consent(
            case.person, "un_mechanism", "Oral, by phone", actor_id=lucia.user.pk
        )
    return Team(lucia, karim, pedro, compartment, other, case, task, consent)


def client(person: Person) -> Client:
    return sign_in(Client(), person)
