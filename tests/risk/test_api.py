"""The risk API with real bearer tokens: create, read and list assessments, findings and the
dashboard; bad input is a 400 in plain words and saves nothing."""

from __future__ import annotations

import datetime
import json
import re

import pytest

from aegis import clock
from aegis.risk.models import Assessment
from aegis.vault.keychain import unlocked

from .conftest import api, capacity_ids, ratings, threat, vulnerability_ids

pytestmark = pytest.mark.django_db

BASE = "/api/v1/risk"


def post(client, path: str, body: dict):
    return client.post(f"{BASE}{path}", json.dumps(body), content_type="application/json")


def body(**fields) -> dict:
    data = {
        "threats": [
            {
                "title": "Surveillance of the office",
                "likelihood": 3,
                "impact": 4,
                "perpetrator_type": "police",
                "perpetrator_identity": "Unit 7 of the municipal police",
            }
        ],
        "ratings": [
            {"item_id": vulnerability_ids()[0], "rating": 4, "note": "Old phone"},
            {"item_id": capacity_ids()[0], "rating": 2},
        ],
        "acceptable_level": "moderate",
    }
    data.update(fields)
    return data


def test_create_read_and_list_an_assessment(team):
    incident = team.record(cases=[team.case])
    client = api(team.worker)
    checklist = client.get(f"{BASE}/checklist").json()
    assert {i["kind"] for i in checklist} == {"vulnerability", "capacity"}
    path = f"/cases/{team.case.reference}/assessments"
    data = body()
    data["threats"][0]["incidents"] = [incident.reference]
    data["responses"] = [
        {"strategy": "reduce", "measure": "New phone", "owner": team.worker.user.username}
    ]
    response = post(client, path, data)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["number"] == 1 and created["current"] is True
    assert (created["threat_score"], created["vulnerability_score"]) == (12.0, 4.0)
    assert created["capacity_score"] == 2.0 and created["score"] == 24.0
    assert created["level"] == "high"
    assert created["threats"][0]["perpetrator_identity"] == "Unit 7 of the municipal police"
    assert created["threats"][0]["incidents"] == [incident.reference]
    assert created["responses"][0]["owner"] == team.worker.user.username
    assert created["review"] == {"due": False, "date_passed": False, "new_incidents": []}
    assert client.get(f"{BASE}{path}/1").json() == created
    listed = client.get(f"{BASE}{path}").json()
    assert [(a["number"], a["level"]) for a in listed] == [(1, "high")]
    post(client, path, body(imminent=True))
    assert [a["number"] for a in client.get(f"{BASE}{path}").json()] == [2, 1]
    assert client.get(f"{BASE}{path}/1").json()["current"] is False


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        # A person or an incident named that is not found: 404, as for the case of the address.
        (
            {"responses": [{"strategy": "reduce", "measure": "x", "owner": "nobody"}]},
            404,
            "member",
        ),
        (
            {"threats": [{"title": "t", "likelihood": 3, "impact": 3, "incidents": ["INC-1-1"]}]},
            404,
            "There is no incident",
        ),
    ],
)
def test_bad_input_is_refused_in_plain_words(team, change, status, message):
    response = post(api(team.worker), f"/cases/{team.case.reference}/assessments", body(**change))
    assert response.status_code == status, response.content
    assert message in response.json()["detail"]
    assert Assessment.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "place", "message"),
    [
        ({"threats": []}, ["threats"], "cannot be empty"),
        # The longest texts the service takes, stated in the schema (risk.checks).
        ({"threats": [{"title": "x" * 201, "likelihood": 3, "impact": 3}]}, ["title"], "200"),
        ({"summary": "s" * 20_001}, ["summary"], "at most 20000"),
        ({"threats": [{"title": "t", "likelihood": None, "impact": 3}]}, ["likelihood"], "whole"),
        ({"threats": [{"title": "t", "likelihood": 6, "impact": 3}]}, ["likelihood"], "5 or less"),
        ({"acceptable_level": "none"}, ["acceptable_level"], "Choose one of"),
        ({"responses": [{"strategy": "hope"}]}, ["strategy"], "Choose one of"),
    ],
)
def test_input_outside_the_schema_is_a_422_in_words(team, change, place, message):
    """The schema states the scale, the lists and what may not be empty, so a client learns
    them from it; a request outside them is refused in words before any rule is checked."""
    response = post(api(team.worker), f"/cases/{team.case.reference}/assessments", body(**change))
    assert response.status_code == 422, response.content
    (issue,) = response.json()["detail"]
    assert issue["loc"][-1:] == place and message in issue["msg"], issue
    assert Assessment.objects.count() == 0


def test_bad_ratings_are_refused(team):
    client = api(team.worker)
    path = f"/cases/{team.case.reference}/assessments"
    item = vulnerability_ids()[0]
    for rating in (0, 9, None):
        response = post(client, path, body(ratings=[{"item_id": item, "rating": rating}]))
        assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "rating"
    response = post(client, path, body(ratings=[{"item_id": item, "rating": 3, "note": "\u0000"}]))
    assert response.status_code == 422  # the API's gate, naming the place
    assert response.json()["detail"][0]["loc"] == ["body", "ratings", 0, "note"]
    assert "control characters" in response.json()["detail"][0]["msg"]
    threat = {"title": "nul\u0000", "likelihood": 3, "impact": 3}
    response = post(client, path, body(threats=[threat]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "threats", 0, "title"]
    assert post(client, path, {"threats": "nope"}).status_code == 422
    assert Assessment.objects.count() == 0


def test_findings_and_dashboard(team):
    now = datetime.datetime(2024, 5, 20, 12, tzinfo=datetime.UTC)
    with clock.frozen(now):
        team.assess(threats=[threat(5, 5)], ratings=ratings([5], [1]))
        for n in range(3):
            team.record(
                date_start=now.date() - datetime.timedelta(days=n),
                country="CO",
                region="CO-ANT",
                victims=[team.case.person],
            )
        client = api(team.worker)
        findings = client.get(f"{BASE}/findings").json()
        dashboard = client.get(f"{BASE}/dashboard").json()
    kinds = {f["kind"]: f for f in findings}
    assert set(kinds) == {"person", "sector", "region"}
    assert kinds["person"]["subject"] == team.case.person.pseudonym
    assert kinds["person"]["case"] == team.case.reference
    assert kinds["sector"]["text"].startswith("3 incidents against defenders of")
    assert dashboard["counts"] == {"low": 0, "moderate": 0, "high": 0, "critical": 1}
    assert [d["case"] for d in dashboard["due"]] == [team.case.reference]
    assert dashboard["due"][0]["new_incident"] is True
    assert dashboard["findings"] == findings


def test_the_api_is_described_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/risk/cases/{reference}/assessments" in paths
    assert "/api/v1/risk/analysis" in paths


def test_finding_subjects_are_read_a_slice_of_ids_at_a_time(team, make_case, monkeypatch):
    """The API lists every open finding, uncapped; their people and cases are read in
    slices, since SQLite takes at most 32,766 values in one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aegis.risk import selectors as risk_selectors
    from aegis.risk.patterns import Finding
    from aegis.risk.vocabulary import FindingKind

    monkeypatch.setattr(risk_selectors, "IN_SLICE", 2)
    cases = [team.case, *(make_case(team.compartment, team.worker) for _ in range(2))]
    day = datetime.date(2024, 5, 20)
    findings = [
        Finding(FindingKind.PERSON, 3, day, day, 30, person_id=case.person_id) for case in cases
    ] + [Finding(FindingKind.ORGANISATION, 3, day, day, 30, case_id=case.pk) for case in cases]
    with unlocked(team.worker.keychain()):
        with CaptureQueriesContext(connection) as counted:
            subjects = risk_selectors.finding_subjects(team.worker.user, findings)
        assert {key: subject.label for key, subject in subjects.items()} == {
            **{(FindingKind.PERSON, c.person_id): c.person.pseudonym for c in cases},
            **{(FindingKind.ORGANISATION, c.pk): c.reference for c in cases},
        }
    listed = [
        len(values.split(","))
        for query in counted.captured_queries
        for values in re.findall(r" IN \(([^()]*)\)", query["sql"])
    ]
    assert listed and max(listed) <= 2, listed
