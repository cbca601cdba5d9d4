"""Corrections through the cases API: a person's details, a case's summary, place and sector,
and a case's move to another compartment, through the same forms, services and change log
as the pages; refusals as 422 naming the input; other roles 403; outsiders 404."""

from __future__ import annotations

import json

import pytest

from aegis.audit.models import AuditEntry
from aegis.cases import selectors
from aegis.cases.models import Case, Person, RecordChange
from aegis.roles import Role
from aegis.vault.keychain import NoKeyAccess, unlocked

from .conftest import api_client

pytestmark = pytest.mark.django_db


def patch(api, url, body):
    return api.patch(url, data=json.dumps(body), content_type="application/json")


def _history(team, record_type, record_id):
    with unlocked(team.lucia.keychain()):
        return [
            (entry.reason, [(v.label, v.before, v.after) for v in entry.values])
            for entry in selectors.history_of([(record_type, record_id)])
        ]


def test_a_person_is_corrected_and_the_change_log_records_it(team):
    api = api_client(team.lucia)
    with unlocked(team.lucia.keychain()):
        old_phone = team.person.phone
    response = patch(
        api,
        f"/api/v1/cases/people/{team.person.pk}",
        {"phone": "+57 300 555 0199", "sector": "journalism", "reason": "New number"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phone"] == "+57 300 555 0199" and body["sector"] == "journalism"
    assert body["pseudonym"] == team.person.pseudonym  # not given: kept
    (reason, values) = _history(team, "person", team.person.pk)[0]
    assert reason == "New number"
    assert ("Phone", old_phone or "", "+57 300 555 0199") in values
    assert AuditEntry.objects.filter(
        action="record.update", object_type="person", object_id=str(team.person.pk)
    ).exists()


def test_a_case_is_corrected_and_the_change_log_records_it(team):
    api = api_client(team.karim)
    response = patch(
        api,
        f"/api/v1/cases/{team.case.reference}",
        {"summary": "Threats after the land claim, and surveillance", "reason": "Surveillance"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["summary"] == "Threats after the land claim, and surveillance"
    ((reason, values),) = _history(team, "case", team.case.reference)
    assert reason == "Surveillance"
    assert values == [
        (
            "Summary",
            "Threats after the land claim",
            "Threats after the land claim, and surveillance",
        )
    ]


def test_a_case_moves_to_another_of_the_callers_compartments(team, make_compartment):
    api = api_client(team.lucia)
    elsewhere = make_compartment(team.lucia, name="Coast")
    response = api.post(
        f"/api/v1/cases/{team.case.reference}/move",
        json.dumps({"compartment_id": elsewhere.pk, "reason": "The coast team takes it"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["compartment_id"] == elsewhere.pk
    assert Case.objects.get(pk=team.case.pk).compartment_id == elsewhere.pk
    ((reason, values),) = _history(team, "case", team.case.reference)
    assert reason == "The coast team takes it"
    assert values == [("Compartment", "Andes", "Coast")]
    # The coordinator of the old compartment no longer holds the case's key.
    with unlocked(team.karim.keychain()), pytest.raises(NoKeyAccess):
        str(Case.objects.get(pk=team.case.pk).summary)


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/cases/{case}", {"summary": "New", "reason": " "}, "reason"),
        ("/api/v1/cases/{case}", {"summary": " ", "reason": "Fix"}, "summary"),
        ("/api/v1/cases/{case}", {"country": "ZZ", "reason": "Fix"}, "country"),
        # A case about a person names nobody itself: the name had been dropped without a word.
        ("/api/v1/cases/{case}", {"subject_name": "A group", "reason": "Fix"}, "subject_name"),
        ("/api/v1/cases/people/{person}", {"pseudonym": " ", "reason": "Fix"}, "pseudonym"),
        ("/api/v1/cases/people/{person}", {"languages": "xx9", "reason": "Fix"}, "languages"),
        ("/api/v1/cases/people/{person}", {"email": "not an address", "reason": "x"}, "email"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(team, url, body, field):
    api = api_client(team.lucia)
    url = url.format(case=team.case.reference, person=team.person.pk)
    response = patch(api, url, body)
    assert response.status_code == 422, response.content
    answer = response.json()
    # A rule's messages by input, or the schema's gate (text of spaces alone) naming the place.
    named = answer.get("errors") or {issue["loc"][-1] for issue in answer["detail"]}
    assert field in named, answer
    assert not RecordChange.objects.exists()


def test_a_move_to_a_compartment_the_caller_is_not_in_is_a_404(team):
    """Not one of the caller's compartments: not found, as a case that is not theirs; the
    case's own compartment: a conflict with where the case is."""
    for compartment, status in ((team.other_compartment, 404), (team.compartment, 409)):
        response = api_client(team.lucia).post(
            f"/api/v1/cases/{team.case.reference}/move",
            json.dumps({"compartment_id": compartment.pk, "reason": "x"}),
            content_type="application/json",
        )
        assert response.status_code == status, response.content
        assert response.json()["field"] == "compartment_id"
        if status == 404:
            assert "not one of your compartments" in response.json()["detail"]
    assert Case.objects.get(pk=team.case.pk).compartment_id == team.compartment.pk


def test_a_missing_reason_or_an_unknown_field_is_refused_by_the_schema(team):
    api = api_client(team.lucia)
    response = patch(api, f"/api/v1/cases/{team.case.reference}", {"summary": "New"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "reason"
    response = patch(
        api, f"/api/v1/cases/people/{team.person.pk}", {"nickname": "N", "reason": "x"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"


@pytest.mark.parametrize("role", [Role.ANALYST, Role.AUDITOR, Role.ADMIN, Role.RESPONDER])
def test_other_roles_get_403(team, make_person, role):
    api = api_client(make_person(role))
    reference = team.case.reference
    assert patch(api, f"/api/v1/cases/{reference}", {"reason": "x"}).status_code == 403
    assert patch(api, f"/api/v1/cases/people/{team.person.pk}", {"reason": "x"}).status_code == 403
    moved = api.post(
        f"/api/v1/cases/{reference}/move",
        json.dumps({"compartment_id": team.compartment.pk, "reason": "x"}),
        content_type="application/json",
    )
    assert moved.status_code == 403
    assert not RecordChange.objects.exists()


def test_an_outsider_gets_404(team):
    api = api_client(team.pedro)
    assert patch(api, f"/api/v1/cases/{team.case.reference}", {"reason": "x"}).status_code == 404
    response = patch(api, f"/api/v1/cases/people/{team.person.pk}", {"reason": "x"})
    assert response.status_code == 404
    assert not RecordChange.objects.exists()
    assert Person.objects.get(pk=team.person.pk).compartment_id == team.compartment.pk


@pytest.mark.parametrize("url", ["/api/v1/cases/{case}", "/api/v1/cases/people/{person}"])
def test_a_country_corrected_alone_takes_its_region_with_it(team, url):
    """The region kept was the old country's: a correction of the country alone clears it,
    where {"country": ""} had been refused as a region without its country."""
    api = api_client(team.lucia)
    url = url.format(case=team.case.reference, person=team.person.pk)
    placed = patch(api, url, {"country": "CO", "region": "CO-ANT", "reason": "Placed"})
    assert placed.status_code == 200, placed.content
    assert (placed.json()["country"], placed.json()["region"]) == ("CO", "CO-ANT")
    for country in ("", "HN"):
        moved = patch(api, url, {"country": country, "region": None, "reason": "Moved"})
        assert moved.status_code == 200, moved.content
        assert (moved.json()["country"], moved.json()["region"]) == (country, "")
    # The same country again keeps the region given with it before.
    patch(api, url, {"country": "CO", "region": "CO-ANT", "reason": "Back"})
    same = patch(api, url, {"country": "CO", "reason": "Same"})
    assert same.status_code == 200, same.content
    assert (same.json()["country"], same.json()["region"]) == ("CO", "CO-ANT")
