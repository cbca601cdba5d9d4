"""The safety plan API: the current plan, a new version, the versions, one version, and the
defender's own plan; bad input answers 422 in plain words with nothing stored."""

from __future__ import annotations

import json
import re

import pytest

from aegis.safety.models import PlanVersion, SafetyPlan

from .conftest import api_client

pytestmark = pytest.mark.django_db

PLAN = {
    "language": "en",
    "contacts": [
        {"name": "Achieng Otieno", "relation": "Sister", "phone": "+254 722 555 031"},
        {"name": "Peter Mwangi", "email": "peter.demo@example.org", "language": "fr"},
    ],
    "checkin_interval_hours": 24,
    "checkin_grace_minutes": 30,
    "quiet_from": "22:00",
    "quiet_until": "06:00",
    "duress_word": "Mango Season",
    "safe_places": "Parish hall\nColleague's flat",
    "scenarios": [
        {"kind": "arrest", "steps": "Ask for the lawyer", "whom_to_call": "Fatma"},
        {"kind": "travel", "what_to_carry": "ID card"},
    ],
}


def post(api, person_id, body):
    return api.post(
        f"/api/v1/safety/people/{person_id}/plan",
        data=json.dumps(body),
        content_type="application/json",
    )


def test_create_read_and_list_versions(team):
    api = api_client(team.lucia)
    base = f"/api/v1/safety/people/{team.person.pk}/plan"
    assert api.get(base).status_code == 404
    response = post(api, team.person.pk, PLAN)
    assert response.status_code == 201, response.content
    plan = response.json()
    assert plan["number"] == 1 and plan["current"] and plan["created_by"] == "lucia"
    assert plan["contacts"][0] == {
        "priority": 1,
        "name": "Achieng Otieno",
        "relation": "Sister",
        "phone": "+254 722 555 031",
        "email": "",
        "signal": "",
        "other_channel": "",
        "language": "en",
    }
    assert plan["contacts"][1]["language"] == "fr"
    assert plan["quiet_from"] == "22:00:00" and plan["safe_places"] == [
        "Parish hall",
        "Colleague's flat",
    ]
    assert plan["duress_word_set"] is True and "Mango" not in response.content.decode()
    assert [s["kind"] for s in plan["scenarios"]] == ["arrest", "travel"]

    second = post(
        api, team.person.pk, {**PLAN, "duress_word": None, "contacts": PLAN["contacts"][:1]}
    )
    assert second.status_code == 201 and second.json()["number"] == 2
    assert second.json()["duress_word_set"] is True  # kept
    assert [v["number"] for v in api.get(f"{base}/versions").json()] == [2, 1]
    old = api.get(f"{base}/versions/1").json()
    assert old["current"] is False and len(old["contacts"]) == 2
    assert api.get(base).json()["number"] == 2


def test_the_defender_reads_her_own_plan(team):
    post(api_client(team.lucia), team.person.pk, PLAN)
    mine = api_client(team.rosa).get("/api/v1/safety/mine")
    assert mine.status_code == 200
    assert mine.json()["person_id"] == team.person.pk
    assert "Mango" not in mine.content.decode()


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"contacts": [{"name": "Ana"}]}, "contacts.0.phone"),
        ({"contacts": [{"name": "Ana", "phone": "call me"}]}, "contacts.0.phone"),
        ({"duress_word": "ab"}, "duress_word"),
        # An offset had been dropped, the hours kept as written in another zone.
        ({"quiet_from": "22:00:00+05:00", "quiet_until": "06:00:00-03:00"}, "quiet_from"),
        ({"quiet_from": "22:00Z"}, "quiet_from"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(team, change, where):
    response = post(api_client(team.lucia), team.person.pk, {**PLAN, **change})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("Nothing was saved")
    assert where in body["errors"], body["errors"]
    assert SafetyPlan.objects.count() == 0 and PlanVersion.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"safe_places": "x" * (1024 * 1024)}, ["safe_places"]),
        (
            {"contacts": [{"name": f"C{n}", "phone": "+57 300 555 0101"} for n in range(6)]},
            ["contacts"],
        ),
        (
            {"contacts": [{"name": "x" * (1024 * 1024), "phone": "+57 300 555 0101"}]},
            ["contacts", 0, "name"],
        ),
        ({"checkin_interval_hours": 0}, ["checkin_interval_hours"]),
    ],
)
def test_what_breaks_the_plans_limits_is_refused_at_the_gate(team, change, where):
    """The plan's limits (lengths, the number of contacts, the check-in hours) are the
    schema's: refused at the gate, naming the place, with nothing stored."""
    response = post(api_client(team.lucia), team.person.pk, {**PLAN, **change})
    assert response.status_code == 422
    (issue,) = response.json()["detail"]
    assert issue["loc"] == ["body", *where], issue
    assert SafetyPlan.objects.count() == 0 and PlanVersion.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"safe_places": "Parish\x00hall"}, ["safe_places"]),
        ({"duress_word": "ma\x00ngo"}, ["duress_word"]),
        ({"scenarios": [{"kind": "raid", "steps": "\x00"}]}, ["scenarios", 0, "steps"]),
    ],
)
def test_control_characters_are_refused_at_the_apis_gate(team, change, where):
    response = post(api_client(team.lucia), team.person.pk, {**PLAN, **change})
    assert response.status_code == 422
    (issue,) = response.json()["detail"]
    assert issue["loc"] == ["body", *where] and "control characters" in issue["msg"]
    assert SafetyPlan.objects.count() == 0 and PlanVersion.objects.count() == 0


def test_quiet_hours_come_with_the_time_zone_they_are_read_in(team, settings):
    """The plan names the instance's time zone beside its quiet hours, and an offset sent
    with them is refused naming it (it had said "the defender's local time")."""
    settings.TIME_ZONE = "America/Bogota"
    api = api_client(team.lucia)
    plan = post(api, team.person.pk, PLAN).json()
    assert plan["quiet_from"] == "22:00:00"
    assert plan["quiet_hours_time_zone"] == "America/Bogota"
    refused = post(api, team.person.pk, {**PLAN, "quiet_from": "22:00:00+05:00"})
    assert refused.status_code == 422
    assert "read in the time zone America/Bogota" in refused.json()["errors"]["quiet_from"][0]


def test_the_schema_describes_quiet_hours_as_the_plan_takes_them(client):
    """Wall-clock times without an offset: JSON Schema's "time" format requires one, which
    the plan refuses, so a client following the schema had always been refused."""
    plan = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["PlanIn"]
    for name in ("quiet_from", "quiet_until"):
        text = plan["properties"][name]["anyOf"][0]
        assert "format" not in text, name
        pattern = re.compile(text["pattern"])
        assert all(pattern.fullmatch(t) for t in ("22:00", "06:30:15", "00:00", "23:59:59"))
        assert not any(pattern.fullmatch(t) for t in ("22:00+05:00", "22:00Z", "24:00", "7:00"))


@pytest.mark.parametrize(
    "change",
    [{"language": "de"}, {"scenarios": [{"kind": "flood"}]}, {"contacts": [{"phone": "1"}]}],
)
def test_values_outside_the_vocabulary_are_refused_by_the_schema(team, change):
    response = post(api_client(team.lucia), team.person.pk, {**PLAN, **change})
    assert response.status_code == 422
    assert PlanVersion.objects.count() == 0


def test_the_schema_is_published(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/safety/people/{person_id}/plan" in paths
    assert "/api/v1/safety/mine" in paths
    assert "PlanOut" in schema["components"]["schemas"]
