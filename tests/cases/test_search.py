"""Exact search through the blind indexes: name (any case or accents), phone (any format),
identity document and reference; never across compartments."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aegis.cases import services
from aegis.roles import Role
from aegis.vault.keychain import unlocked

from .conftest import client

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(team):
    with unlocked(team.lucia.keychain()):
        person = services.create_person(
            team.compartment,
            actor_id=team.lucia.user.pk,
            pseudonym="Garza",
            legal_name="Ana Lucía Pérez Núñez",
            phone="+504 9555-0133",
            identity_document="0801-1990-55501",
        )
        case = services.open_case(
            team.compartment,
            subject_kind="person",
            person=person,
            summary="Smear campaign",
            actor_id=team.lucia.user.pk,
        )
    return person, case


def search(signed_in, q: str) -> str:
    response = signed_in.get(reverse("cases:search"), {"q": q})
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize(
    "query",
    [
        "Ana Lucía Pérez Núñez",
        "ana lucia perez nunez",
        "ANA  LUCÍA   PÉREZ NÚÑEZ",
        "+504 9555 0133",
        "00504 95550133",
        "+504 (9555) 01-33",
        "0801199055501",
        "0801 1990 55501",
    ],
)
def test_a_member_finds_the_person_and_her_cases(team, ana, query):
    person, case = ana
    page = search(client(team.karim), query)
    assert f'href="/cases/people/{person.pk}/">Garza</a>' in page
    assert case.reference in page


def test_a_reference_finds_the_case_in_any_case(team, ana):
    _, case = ana
    page = search(client(team.lucia), case.reference.lower())
    assert f'href="/cases/{case.reference}/"' in page


def test_only_exact_matches_are_found_and_the_page_says_so(team, ana):
    page = search(client(team.lucia), "Ana")
    assert "Only exact matches are found" in page
    assert "No exact match in your compartments." in page
    assert "Garza" not in page
    assert "No exact match" in search(client(team.lucia), "Garza")  # pseudonyms are not indexed


@pytest.mark.parametrize("query", ["Ana Lucía Pérez Núñez", "+504 9555 0133", "0801199055501"])
def test_an_outsider_finds_nothing(team, ana, query):
    _, case = ana
    page = search(client(team.pedro), query)
    assert "No exact match in your compartments." in page
    assert "Garza" not in page and case.reference not in page
    by_reference = search(client(team.pedro), case.reference)  # echoed in the search box
    assert "No exact match in your compartments." in by_reference
    assert f'href="/cases/{case.reference}/"' not in by_reference


def test_bad_queries_are_explained(team):
    lucia = client(team.lucia)
    assert "Ensure this value has at most 200 characters" in search(lucia, "x" * 201)
    assert "Null characters are not allowed." in search(lucia, "Ana\x00")
    assert "No exact match" not in search(lucia, "")


def test_search_finds_incidents_by_reference_perpetrator_and_case(
    make_person, make_compartment, make_case
):
    import datetime

    from django.test import Client

    from aegis.incidents import services as incidents
    from tests.conftest import sign_in

    lucia, pedro = make_person(Role.CASEWORKER), make_person(Role.CASEWORKER)
    compartment = make_compartment(lucia)
    make_compartment(pedro)
    case = make_case(compartment, lucia)
    with unlocked(lucia.keychain()):
        by_case = incidents.create_incident(
            compartment,
            actor_id=lucia.user.pk,
            title="Office raided",
            date_start=datetime.date(2026, 3, 1),
            cases=[case],
        )
        by_perpetrator = incidents.create_incident(
            compartment,
            actor_id=lucia.user.pk,
            title="Threat by phone",
            date_start=datetime.date(2026, 4, 2),
        )
        act = incidents.add_act(
            by_perpetrator, violation_type="death_threat", actor_id=lucia.user.pk
        )
        incidents.add_perpetrator(
            by_perpetrator,
            actor_id=lucia.user.pk,
            perpetrator_type="company",
            name="Minera Ficticia SA",
            act=act,
        )
    client = sign_in(Client(), lucia)

    def found(q):
        return client.get("/cases/search/", {"q": q}).content.decode()

    def link(incident):
        return f">{incident.reference}</a>"

    assert link(by_perpetrator) in found("minera ficticia  sa")
    assert link(by_case) in found(case.reference)
    assert link(by_case) in found(by_case.reference.lower())
    outsider = (
        sign_in(Client(), pedro).get("/cases/search/", {"q": by_case.reference}).content.decode()
    )
    assert link(by_case) not in outsider
