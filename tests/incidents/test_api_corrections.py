"""Corrections through the incidents API: the same services and change log as the pages (a
reason, the previous values encrypted under the record's key), refusals as 422 naming the
input, other roles 403, and records of other compartments answering like missing ones."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from aegis.audit.models import AuditEntry
from aegis.cases import services as case_services
from aegis.cases.models import RecordChange
from aegis.incidents import services
from aegis.incidents.models import Act, Incident, Perpetrator, Source, Victim
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import api_client

pytestmark = pytest.mark.django_db

BASE = "/api/v1/incidents"


def send(client: Client, method: str, path: str, body: dict):
    return getattr(client, method)(
        f"{BASE}{path}", json.dumps(body), content_type="application/json"
    )


@pytest.fixture
def api(team) -> Client:
    return api_client(team.worker)


@pytest.fixture
def recorded(team):
    """An incident linked to the case, with an act (the case's person and a described
    victim, a perpetrator) and a source."""
    incident = team.record(title="Raid on the office", cases=[team.case])
    with unlocked(team.worker.keychain()):
        police = services.create_perpetrator(
            team.compartment, actor_id=None, perpetrator_type="police", name="Unit 7"
        )
        act = services.add_act(
            incident,
            violation_type="threat",
            actor_id=None,
            victims=[team.case.person],
            described_victims=[services.DescribedVictim("Her son", "man", "18_29")],
            perpetrators=[(police, "perpetrator")],
        )
        source = services.add_source(
            incident, actor_id=None, kind="testimony", reliability="B", description="A neighbour"
        )
    return incident, act, source, police


def _logged(team, record_type: str) -> list[tuple[str, list]]:
    with unlocked(team.worker.keychain()):
        return [
            (str(c.reason), json.loads(str(c.changes)))
            for c in RecordChange.objects.filter(record_type=record_type)
        ]


def test_an_incident_is_corrected_and_the_change_log_records_it(team, api, recorded):
    incident, *_ = recorded
    response = send(
        api, "patch", f"/{incident.reference}", {"title": "Raid", "reason": "Shorter title"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "Raid"
    assert body["cases"] == [team.case.reference]  # not given: kept
    assert _logged(team, "incident") == [
        ("Shorter title", [["title", "Raid on the office", "Raid"]])
    ]
    assert AuditEntry.objects.filter(
        action="record.update", object_type="incident", object_id=incident.reference
    ).exists()
    unlinked = send(api, "patch", f"/{incident.reference}", {"cases": [], "reason": "Unrelated"})
    assert unlinked.status_code == 200 and unlinked.json()["cases"] == []


def test_an_act_and_its_victims_are_corrected(team, api, recorded):
    incident, act, *_ = recorded
    response = send(
        api,
        "patch",
        f"/{incident.reference}/acts/{act.pk}",
        {"violation_type": "arbitrary_detention", "reason": "It was a detention"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["violation_type"] == "arbitrary_detention"
    with unlocked(team.worker.keychain()):
        other = case_services.create_person(team.compartment, actor_id=None, pseudonym="Guayacán")
    son = Victim.objects.get(act=act, person__isnull=True)
    response = send(
        api,
        "put",
        f"/{incident.reference}/acts/{act.pk}/victims",
        {
            "victim_person_ids": [other.pk],
            "described_victims": [
                {"id": son.pk, "description": "Her eldest son", "age_group": "30_44", "sex": "man"},
                {"description": "The driver", "sex": "man"},
            ],
            "reason": "She named them",
        },
    )
    assert response.status_code == 200, response.content
    victims = response.json()["victims"]
    assert [v["person_id"] for v in victims if v["person_id"]] == [other.pk]
    assert [(v["description"], v["age_group"]) for v in victims if not v["person_id"]] == [
        ("Her eldest son", "30_44"),
        ("The driver", "unknown"),
    ]
    (violation, changed_victims) = sorted(_logged(team, "act"))
    assert changed_victims[0] == "She named them"
    fields = {name: (before, after) for name, before, after in changed_victims[1]}
    assert fields["victims"] == (team.case.person.pseudonym, "Guayacán")
    assert json.loads(fields["described_victims"][0]) == [["Her son", "man", "18_29"]]
    assert violation == (
        "It was a detention",
        [["violation_type", "threat", "arbitrary_detention"]],
    )


def test_sources_and_perpetrators_are_corrected(team, api, recorded):
    incident, _act, source, police = recorded
    response = send(
        api,
        "patch",
        f"/{incident.reference}/sources/{source.pk}",
        {"kind": "testimony", "reliability": "A", "description": "Doña Rosa", "reason": "Named"},
    )
    assert response.status_code == 200 and response.json()["description"] == "Doña Rosa"
    response = send(
        api,
        "patch",
        f"/{incident.reference}/perpetrators/{police.pk}",
        {"perpetrator_type": "military", "name": "Battalion 9", "reason": "Uniforms"},
    )
    assert response.status_code == 200 and response.json()["name"] == "Battalion 9"
    assert [r for r, _ in _logged(team, "source")] == ["Named"]
    assert [r for r, _ in _logged(team, "perpetrator")] == ["Uniforms"]


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("", "patch", {"title": "New", "reason": " "}, "reason"),
        # Kept in the history as typed: the page's form refused these, the API had not.
        ("", "patch", {"title": "New", "reason": "Fix\x01"}, "reason"),
        ("/acts/{act}", "patch", {"violation_type": "threat", "reason": "\u202eFix"}, "reason"),
        ("", "patch", {"title": "", "reason": "Fix"}, "title"),
        ("", "patch", {"country": "HN", "region": "CO-ANT", "reason": "Fix"}, "region"),
        ("", "patch", {"date_precision": "week", "reason": "Fix"}, "date_precision"),
        ("/acts/{act}", "patch", {"violation_type": "insult", "reason": "Fix"}, "violation_type"),
        (
            "/acts/{act}/victims",
            "put",
            {"described_victims": [{"description": "Someone", "sex": "robot"}], "reason": "Fix"},
            "sex",
        ),
        (
            "/sources/{source}",
            "patch",
            {"kind": "rumour", "reliability": "A", "reason": "F"},
            "kind",
        ),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(
    team, api, recorded, path, method, body, field
):
    incident, act, source, _police = recorded
    url = f"/{incident.reference}" + path.format(act=act.pk, source=source.pk)
    response = send(api, method, url, body)
    assert response.status_code == 422, response.content
    answer = response.json()
    # A broken rule names its input; a value outside the schema (an empty title, a code not
    # in the list) is the schema's issue at that place.
    schema_issues = answer["detail"] if isinstance(answer["detail"], list) else []
    assert field in answer.get("errors", {}) or field in [i["loc"][-1] for i in schema_issues]
    assert not RecordChange.objects.exists()
    assert Victim.objects.filter(act=act).count() == 2


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("", "patch", {"cases": ["AEG-1999-99999"], "reason": "Fix"}, "cases"),
        (
            "/acts/{act}/victims",
            "put",
            {"described_victims": [{"id": 999_999, "description": "X"}], "reason": "Fix"},
            "described_victims",
        ),
        (
            "/acts/{act}/victims",
            "put",
            {"victim_person_ids": [999_999], "reason": "Fix"},
            "victim_person_ids",
        ),
    ],
)
def test_a_record_named_that_is_not_found_is_a_404_naming_the_field(
    team, api, recorded, path, method, body, field
):
    """A case, person or victim the body names that the caller cannot find: 404, as for the
    record of the address, with the input named; nothing changes."""
    incident, act, source, _police = recorded
    url = f"/{incident.reference}" + path.format(act=act.pk, source=source.pk)
    response = send(api, method, url, body)
    assert response.status_code == 404, response.content
    assert response.json()["field"] == field
    assert not RecordChange.objects.exists()
    assert Victim.objects.filter(act=act).count() == 2


def test_a_missing_reason_or_an_unknown_field_is_refused_by_the_schema(team, api, recorded):
    incident, act, *_ = recorded
    response = send(api, "patch", f"/{incident.reference}", {"title": "New"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "reason"
    response = send(
        api, "patch", f"/{incident.reference}", {"title": "New", "reason": "x", "colour": "red"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"
    response = send(
        api,
        "put",
        f"/{incident.reference}/acts/{act.pk}/victims",
        {"described_victims": [{"id": 10**30, "description": "X"}], "reason": "x"},
    )
    assert response.status_code == 422
    assert not RecordChange.objects.exists()


@pytest.mark.parametrize(
    "role", [Role.ANALYST, Role.AUDITOR, Role.ADMIN, Role.RESPONDER, Role.DEFENDER]
)
def test_other_roles_get_403(team, make_person, recorded, role):
    incident, act, source, police = recorded
    client = api_client(make_person(role))
    for method, path, body in (
        ("patch", "", {"title": "X", "reason": "x"}),
        ("patch", f"/acts/{act.pk}", {"violation_type": "threat", "reason": "x"}),
        ("put", f"/acts/{act.pk}/victims", {"reason": "x"}),
        ("patch", f"/sources/{source.pk}", {"kind": "media", "reliability": "A", "reason": "x"}),
        ("patch", f"/perpetrators/{police.pk}", {"perpetrator_type": "police", "reason": "x"}),
    ):
        assert send(client, method, f"/{incident.reference}{path}", body).status_code == 403
    assert not RecordChange.objects.exists()
    assert Victim.objects.filter(act=act).count() == 2


def test_an_outsider_gets_404_and_changes_nothing(team, outsider, recorded):
    incident, act, source, police = recorded
    client = api_client(outsider)
    for method, path, body in (
        ("patch", "", {"title": "X", "reason": "x"}),
        ("patch", f"/acts/{act.pk}", {"violation_type": "torture", "reason": "x"}),
        ("put", f"/acts/{act.pk}/victims", {"reason": "x"}),
        ("patch", f"/sources/{source.pk}", {"kind": "media", "reliability": "A", "reason": "x"}),
        ("patch", f"/perpetrators/{police.pk}", {"perpetrator_type": "police", "reason": "x"}),
    ):
        assert send(client, method, f"/{incident.reference}{path}", body).status_code == 404
    assert not RecordChange.objects.exists()
    assert Act.objects.get(pk=act.pk).violation_type == "threat"
    assert Source.objects.get(pk=source.pk).reliability == "B"
    assert Perpetrator.objects.get(pk=police.pk).perpetrator_type == "police"
    assert Incident.objects.get(pk=incident.pk).cases.count() == 1


def test_the_corrections_are_in_the_openapi_schema(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "patch" in paths["/api/v1/incidents/{incident_ref}"]
    assert "put" in paths["/api/v1/incidents/{incident_ref}/acts/{act_id}/victims"]
    patch = paths["/api/v1/incidents/{incident_ref}"]["patch"]["responses"]
    assert {"200", "401", "403", "404", "422"} <= set(patch)


def test_a_victim_not_found_is_said_in_the_callers_language(team, api, recorded):
    incident, act, *_ = recorded
    response = api.put(
        f"{BASE}/{incident.reference}/acts/{act.pk}/victims",
        {"victim_person_ids": [999_999], "reason": "Fix"},
        content_type="application/json",
        headers={"accept-language": "es"},
    )
    assert response.status_code == 404, response.content
    assert response.json()["detail"] == (
        "Una víctima no es una persona del compartimento de este incidente."
    )
