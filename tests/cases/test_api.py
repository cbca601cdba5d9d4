"""The cases API for members: people and cases, paginated, decrypted with the token's key,
and described in the OpenAPI schema."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from aegis.cases.models import Case, CaseNote, Person
from aegis.vault.keychain import unlocked

from .conftest import api_client

pytestmark = pytest.mark.django_db


def post(api, url, body):
    return api.post(url, data=json.dumps(body), content_type="application/json")


def test_people_list_create_and_read(team):
    api = api_client(team.lucia)
    listed = api.get("/api/v1/cases/people").json()
    assert listed["count"] == 1
    assert listed["items"][0]["pseudonym"] == team.person.pseudonym
    assert "legal_name" not in listed["items"][0]  # lists carry no identifying fields

    response = post(
        api,
        "/api/v1/cases/people",
        {
            "compartment_id": team.compartment.pk,
            "pseudonym": "Narra",
            "legal_name": "Josefina Dimaculangan",
            "phone": "+63 917 555 0119",
            "contact_channels": "Signal",
            "gender": "woman",
            "age_group": "60_plus",
            "sector": "labour",
            "country": "PH",
            "region": "PH-07",
            "languages": "tl,en",
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["legal_name"] == "Josefina Dimaculangan"
    assert created["region"] == "PH-07" and created["consents"] == [] and created["cases"] == []

    other = api_client(team.karim).get(f"/api/v1/cases/people/{created['id']}")
    assert other.status_code == 200 and other.json()["phone"] == "+63 917 555 0119"
    person = api.get(f"/api/v1/cases/people/{team.person.pk}").json()
    assert person["cases"] == [team.case.reference]
    assert person["consents"][0]["scope"] == "un_mechanism"
    assert person["consents"][0]["note"] == "Oral, by phone"


def test_people_and_cases_are_paginated(team, make_case):
    for _ in range(3):
        make_case(team.compartment, team.lucia)
    api = api_client(team.lucia)
    page = api.get("/api/v1/cases/", {"limit": 2, "offset": 0}).json()
    assert page["count"] == 4 and len(page["items"]) == 2
    rest = api.get("/api/v1/cases/", {"limit": 2, "offset": 2}).json()
    seen = {c["reference"] for c in page["items"] + rest["items"]}
    assert len(seen) == 4
    people = api.get("/api/v1/cases/people", {"limit": 3}).json()
    assert people["count"] == 4 and len(people["items"]) == 3
    assert api.get("/api/v1/cases/", {"limit": 0}).status_code == 422


def test_the_case_list_filters_by_coded_fields(team, make_case):
    other = make_case(team.compartment, team.lucia)
    Case.objects.filter(pk=other.pk).update(status="closed", country="KE", sector="legal")
    api = api_client(team.karim)
    refs = lambda **q: [c["reference"] for c in api.get("/api/v1/cases/", q).json()["items"]]  # noqa: E731
    assert refs(status="closed") == [other.reference]
    assert refs(country="co") == [team.case.reference]
    assert refs(sector="legal") == [other.reference]
    assert api.get("/api/v1/cases/", {"status": "nonsense"}).status_code == 422


def test_opening_a_case_reading_it_and_adding_a_note(team):
    api = api_client(team.lucia)
    response = post(
        api,
        "/api/v1/cases/",
        {
            "compartment_id": team.compartment.pk,
            "subject_kind": "person",
            "summary": "Outed in a newspaper",
            "new_person": {
                "pseudonym": "Baobab",
                "legal_name": "Okello Ojok",
                "country": "UG",
                "region": "UG-C",
                "sector": "lgbti",
            },
        },
    )
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["summary"] == "Outed in a newspaper"
    assert (case["country"], case["region"], case["sector"]) == ("UG", "UG-C", "lgbti")
    assert case["history"][0]["to_status"] == "intake"
    assert case["history"][0]["changed_by"] == "lucia"

    response = post(
        api, f"/api/v1/cases/{case['reference']}/notes", {"body": "Shelter found for a month"}
    )
    assert response.status_code == 201
    assert response.json()["author"] == "lucia"

    read = api_client(team.karim).get(f"/api/v1/cases/{case['reference']}").json()
    assert read["notes"][0]["body"] == "Shelter found for a month"

    response = post(
        api,
        "/api/v1/cases/",
        {
            "compartment_id": team.compartment.pk,
            "subject_kind": "person",
            "person_id": team.person.pk,
            "summary": "Second threat",
        },
    )
    assert response.status_code == 201
    assert response.json()["person_id"] == team.person.pk

    response = post(
        api,
        "/api/v1/cases/",
        {"compartment_id": team.compartment.pk, "subject_kind": "person", "summary": "Orphan"},
    )
    assert response.status_code == 422
    assert "person_id or new_person" in response.json()["detail"]


def test_reading_a_case_shows_tasks_and_overdue(team):
    from datetime import timedelta

    from django.utils import timezone

    from aegis.cases import services

    with unlocked(team.lucia.keychain()):
        services.add_task(
            team.case,
            "Late",
            actor_id=None,
            due_on=timezone.localdate() - timedelta(days=1),
        )
    case = api_client(team.lucia).get(f"/api/v1/cases/{team.case.reference}").json()
    by_title = {t["title"]: t for t in case["tasks"]}
    assert by_title["Late"]["overdue"] is True
    assert by_title["Request protective measures"]["overdue"] is False
    assert case["summary"] == "Threats after the land claim"


def test_nothing_is_half_written_when_opening_fails(team):
    """The new person is created before the case; a failure afterwards keeps neither."""
    api = api_client(team.lucia)
    before = (Person.objects.count(), Case.objects.count(), CaseNote.objects.count())
    response = post(
        api,
        "/api/v1/cases/",
        {
            "compartment_id": team.compartment.pk,
            "subject_kind": "person",
            "summary": "   ",
            "new_person": {"pseudonym": "Ghost"},
        },
    )
    assert response.status_code == 422
    assert (Person.objects.count(), Case.objects.count(), CaseNote.objects.count()) == before


def test_the_endpoints_are_in_the_openapi_schema():
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/cases/people"])
    assert "get" in paths["/api/v1/cases/people/{person_id}"]
    assert {"get", "post"} <= set(paths["/api/v1/cases/"])
    assert "get" in paths["/api/v1/cases/{reference}"]
    assert "post" in paths["/api/v1/cases/{reference}/notes"]
    schemas = schema["components"]["schemas"]
    assert {"CaseOut", "CaseIn", "PersonOut", "PersonIn", "NoteOut"} <= set(schemas)
    assert "404" in paths["/api/v1/cases/{reference}"]["get"]["responses"]
