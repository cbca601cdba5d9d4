"""The incidents API with real bearer tokens: members work, other roles get 403, and an
incident of another compartment answers exactly like a missing one."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from aegis.cases import selectors as case_selectors
from aegis.incidents import services
from aegis.incidents.models import Act, Incident, Perpetrator, Source
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import api_client

from .conftest import DAY

pytestmark = pytest.mark.django_db

BASE = "/api/v1/incidents"
MISSING = "INC-1999-99999"


def post(client: Client, path: str, body: dict):
    return client.post(f"{BASE}{path}", body, content_type="application/json")


@pytest.fixture
def api(team) -> Client:
    return api_client(team.worker)


def _new(team, **fields):
    body = {
        "compartment_id": team.compartment.pk,
        "title": "Death threat by text message",
        "description": "Three messages from an unknown number.",
        "date_start": "2024-02-10",
        "date_precision": "day",
        "country": "HN",
        "region": "HN-CL",
        "exact_location": "Cooperative office",
        "cases": [team.case.reference],
    }
    body.update(fields)
    return body


def test_create_read_and_list(team, api):
    response = post(api, "/", _new(team))
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["title"] == "Death threat by text message"
    assert created["exact_location"] == "Cooperative office"
    assert created["cases"] == [team.case.reference]
    assert created["verification"] == "unverified"
    reference = created["reference"]
    assert api.get(f"{BASE}/{reference}").json() == created
    listed = api.get(f"{BASE}/", {"country": "HN"}).json()
    assert [i["reference"] for i in listed] == [reference]
    assert api.get(f"{BASE}/", {"country": "CO"}).json() == []
    assert api.get(f"{BASE}/", {"verification": "maybe"}).status_code == 422


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date_end": "2024-02-01"}, "The end date is before the start date."),
        ({"region": "CO-ANT"}, "not a first-level region"),
    ],
)
def test_bad_input_gets_a_clear_400_and_stores_nothing(team, api, fields, message):
    response = post(api, "/", _new(team, **fields))
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("field", ["title", "description", "exact_location"])
def test_a_text_too_long_is_refused_at_the_gate_and_stores_nothing(team, api, field):
    """The longest texts the service takes are the schema's: refused at the gate (422, the
    field named), not by the service's 400."""
    response = post(api, "/", _new(team, **{field: "x" * 1_000_000}))
    assert response.status_code == 422, response.content
    (issue,) = response.json()["detail"]
    assert issue["loc"] == ["body", field] and "at most" in issue["msg"]
    assert Incident.objects.count() == 0


def test_a_case_that_is_not_found_is_a_404_and_stores_nothing(team, api):
    """A record the body names is not found as the record of the address is not: 404."""
    response = post(api, "/", _new(team, cases=["AEG-1999-99999"]))
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "One of the cases does not exist.", "field": "cases"}
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_case_not_found_is_said_in_the_callers_language(team, api, method):
    """Recording and correcting an incident refuse a case not found in the same words, in
    the caller's language, naming the input."""
    if method == "post":
        response = api.post(
            f"{BASE}/",
            _new(team, cases=["AEG-1999-99999"]),
            content_type="application/json",
            headers={"accept-language": "es"},
        )
    else:
        incident = team.record(title="Raid on the office", cases=[team.case])
        response = api.patch(
            f"{BASE}/{incident.reference}",
            {"cases": ["AEG-1999-99999"], "reason": "Fix"},
            content_type="application/json",
            headers={"accept-language": "es"},
        )
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Uno de los casos no existe.", "field": "cases"}


def test_malformed_dates_are_refused_by_the_schema(team, api):
    assert post(api, "/", _new(team, date_start="yesterday")).status_code == 422
    # A value outside the schema's list is refused by the schema, in words.
    refused = post(api, "/", _new(team, date_precision="week"))
    assert refused.status_code == 422
    (issue,) = refused.json()["detail"]
    assert issue["loc"] == ["body", "date_precision"] and issue["msg"].startswith("Choose one of")
    assert Incident.objects.count() == 0


def test_acts_sources_links_and_verification(team, api):
    reference = post(api, "/", _new(team)).json()["reference"]
    later = post(api, "/", _new(team, title="Attack")).json()["reference"]
    response = post(
        api,
        "/perpetrators",
        {"compartment_id": team.compartment.pk, "perpetrator_type": "company", "name": "AgroX"},
    )
    assert response.status_code == 201
    perpetrator = response.json()
    response = post(
        api,
        f"/{reference}/acts",
        {
            "violation_type": "death_threat",
            "victim_person_ids": [team.case.person.pk],
            "described_victims": [{"description": "Her son", "sex": "man", "age_group": "18_29"}],
            "perpetrators": [{"perpetrator_id": perpetrator["id"], "involvement": "instigator"}],
        },
    )
    assert response.status_code == 201, response.content
    act = response.json()
    assert act["violation_type"] == "death_threat"
    assert act["victims"][1] == {
        "person_id": None,
        "description": "Her son",
        "sex": "man",
        "age_group": "18_29",
    }
    assert act["perpetrators"][0]["name"] == "AgroX"
    # An act of another incident: the incident exists, the act is what this one lacks.
    elsewhere = api.patch(
        f"{BASE}/{later}/acts/{act['id']}",
        {"reason": "x", "violation_type": "threat"},
        content_type="application/json",
    )
    assert elsewhere.status_code == 404
    assert elsewhere.json()["detail"] == "This incident has no such act."

    response = post(api, f"/{reference}/verification", {"status": "corroborated"})
    assert response.status_code == 409  # the state refuses it: too few sources yet
    assert "at least two independent sources" in response.json()["detail"]
    for kind in ("testimony", "media"):
        response = post(
            api, f"/{reference}/sources", {"kind": kind, "reliability": "B", "independent": True}
        )
        assert response.status_code == 201
    response = post(api, f"/{reference}/verification", {"status": "corroborated"})
    assert response.status_code == 200 and response.json()["verification"] == "corroborated"
    response = post(api, f"/{reference}/links", {"kind": "caused", "to_reference": later})
    assert response.status_code == 201
    full = api.get(f"{BASE}/{reference}").json()
    assert full["links"] == [{"kind": "caused", "direction": "to", "reference": later}]
    assert api.get(f"{BASE}/{later}").json()["links"] == [
        {"kind": "caused", "direction": "from", "reference": reference}
    ]
    assert [s["kind"] for s in full["sources"]] == ["testimony", "media"]
    assert full["violation_types"] == ["death_threat"]


def test_acts_refuse_people_and_perpetrators_of_other_compartments(
    team, api, make_compartment, make_case
):
    elsewhere = make_compartment(team.worker)
    stranger = make_case(elsewhere, team.worker)
    with unlocked(team.worker.keychain()):
        foreign = services.create_perpetrator(elsewhere, actor_id=None)
    reference = post(api, "/", _new(team)).json()["reference"]
    response = post(
        api,
        f"/{reference}/acts",
        {"violation_type": "threat", "victim_person_ids": [stranger.person.pk]},
    )
    assert response.status_code == 404  # not found among the compartment's people
    response = post(
        api,
        f"/{reference}/acts",
        {"violation_type": "threat", "perpetrators": [{"perpetrator_id": foreign.pk}]},
    )
    assert response.status_code == 404
    response = post(api, f"/{reference}/acts", {"violation_type": "insult"})
    assert response.status_code == 422
    assert Act.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"violation_type": "threat", "victim_person_ids": [10**30]},
        {"violation_type": "threat", "perpetrators": [{"perpetrator_id": 10**30}]},
        {"violation_type": "threat", "victim_person_ids": [2**63]},
    ],
)
def test_ids_beyond_any_database_integer_get_a_422(team, api, body):
    """Issue 19: such ids reached the database and gave a 500."""
    reference = post(api, "/", _new(team)).json()["reference"]
    response = post(api, f"/{reference}/acts", body)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["msg"] == "Give a number of 9223372036854775807 or less."
    assert Act.objects.count() == 0


@pytest.mark.parametrize(
    "fields", [{"title": "null\u0000byte"}, {"exact_location": "\u0000"}, {"title": "Raid\x1c"}]
)
def test_control_characters_are_refused_by_the_apis_gate(team, api, fields):
    response = post(api, "/", _new(team, **fields))
    assert response.status_code == 422, response.content
    (issue,) = response.json()["detail"]
    assert issue["loc"] == ["body", *fields] and "control characters" in issue["msg"]
    assert Incident.objects.count() == 0


def test_a_nul_character_in_a_looked_up_reference_is_refused_not_a_500(team, api):
    """PostgreSQL takes no NUL in a query: that was a 500 (found by schemathesis). The API's
    gate now refuses it before any query."""
    response = post(api, "/", _new(team, cases=["AEG-\u0000"]))
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"] == ["body", "cases"]
    assert Incident.objects.count() == 0
    assert api.get(f"{BASE}/", {"country": "C\u0000"}).status_code in {200, 422}


def test_a_page_beyond_any_database_integer_gets_a_422(api):
    assert api.get(f"{BASE}/", {"page": 9223372036854775808}).status_code == 422


ENDPOINTS = [
    ("get", "/{ref}", None),
    ("post", "/{ref}/acts", {"violation_type": "threat"}),
    ("post", "/{ref}/sources", {"kind": "media", "reliability": "A", "independent": True}),
    ("post", "/{ref}/links", {"kind": "related", "to_reference": "{own}"}),
    ("post", "/{ref}/verification", {"status": "verified"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_an_outsider_gets_the_same_404_as_for_a_missing_incident(
    team, outsider, method, path, body
):
    incident = team.record()
    client = api_client(outsider)
    with unlocked(outsider.keychain()):
        own = services.create_incident(
            _outsider_compartment(outsider),
            actor_id=outsider.user.pk,
            title="Own",
            date_start=DAY,
        )
    answers = []
    for reference in (incident.reference, MISSING):
        url = BASE + path.format(ref=reference)
        if method == "get":
            response = client.get(url)
        else:
            payload = {
                k: v.format(own=own.reference) if isinstance(v, str) else v for k, v in body.items()
            }
            response = post(client, path.format(ref=reference), payload)
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404
    stored = Incident.objects.get(pk=incident.pk)
    assert (stored.verification, stored.acts.count(), stored.sources.count()) == (
        "unverified",
        0,
        0,
    )
    assert not stored.links_out.exists()


def _outsider_compartment(person):
    return case_selectors.compartments_of(person.user).get()


def test_an_outsider_cannot_create_in_a_compartment_of_others(team, outsider):
    client = api_client(outsider)
    response = post(client, "/", _new(team, cases=[]))
    assert response.status_code == 404
    response = post(client, "/perpetrators", {"compartment_id": team.compartment.pk})
    assert response.status_code == 404
    assert (Incident.objects.count(), Perpetrator.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    "role", [Role.ANALYST, Role.AUDITOR, Role.ADMIN, Role.RESPONDER, Role.DEFENDER]
)
def test_other_roles_get_403(team, make_person, role):
    incident = team.record()
    client = api_client(make_person(role))
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(f"{BASE}/{incident.reference}").status_code == 403
    response = post(client, f"/{incident.reference}/sources", {"kind": "media", "reliability": "A"})
    assert response.status_code == 403
    assert post(client, "/", _new(team)).status_code == 403
    assert Source.objects.count() == 0 and Incident.objects.count() == 1


def test_no_token_gets_401():
    assert Client().get(f"{BASE}/").status_code == 401


def test_the_endpoints_are_in_the_openapi_schema(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/incidents/",
        "/api/v1/incidents/perpetrators",
        "/api/v1/incidents/{incident_ref}",
        "/api/v1/incidents/{incident_ref}/acts",
        "/api/v1/incidents/{incident_ref}/sources",
        "/api/v1/incidents/{incident_ref}/links",
        "/api/v1/incidents/{incident_ref}/verification",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/incidents/"]) == {"get", "post"}


def test_a_broken_rule_names_its_input(team, api):
    response = post(api, "/", _new(team, region="CO-ANT"))
    assert response.status_code == 400
    assert response.json()["field"] == "region"
    assert "not a first-level region" in response.json()["detail"]
    # A title on two lines: refused at the schema's gate, as its pattern documents.
    response = post(api, "/", _new(team, title="one\ntwo"))
    assert response.status_code == 422
    (issue,) = response.json()["detail"]
    assert issue["loc"] == ["body", "title"] and "one line" in issue["msg"]


def test_a_page_past_the_end_is_empty(api, team):
    """A page number past the end had answered the last page again: a program reading pages
    until one is empty read the same incidents for ever."""
    post(api, "/", _new(team))
    first = api.get(f"{BASE}/", {"page": 1})
    assert first.status_code == 200 and len(first.json()) == 1
    for page in (2, 3, 100_000):
        past = api.get(f"{BASE}/", {"page": page})
        assert past.status_code == 200 and past.json() == [], page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date_start": 0}, "Send the date as text"),
        ({"date_start": 1707523200}, "Send the date as text"),
        ({"date_start": "0"}, "Send the date as text"),
        ({"date_start": "1707523200"}, "Send the date as text"),
        ({"date_start": " 86400.5 "}, "Send the date as text"),
        ({"date_start": "2024-02-10", "date_end": 1.5}, "Send the date as text"),
    ],
)
def test_a_number_is_no_date(team, api, fields, message):
    """Pydantic's lax mode had read 0 as 1970-01-01 and stored it as the incident's date."""
    response = post(api, "/", _new(team, **fields))
    assert response.status_code == 422, response.content
    assert message in json.dumps(response.json())
    assert not Incident.objects.exists()
