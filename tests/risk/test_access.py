"""Who may use the risk pages and API. A caseworker outside the case's compartment gets the
same answer as for a case or assessment that does not exist, on every scoped view and
endpoint, and changes nothing; responders, defenders, auditors, admins and analysts are
refused assessments."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from aegis.risk.models import Assessment
from aegis.roles import Role
from tests.conftest import comparable

from .conftest import api, web
from .test_views import form_data

pytestmark = pytest.mark.django_db

MISSING_REFERENCE = "AEG-1900-99999"
MISSING_NUMBER = 999

# name, method, needs the assessment number
VIEWS = [
    ("risk:case", "get", False),
    ("risk:new", "get", False),
    ("risk:new", "post", False),
    ("risk:compare", "get", False),
    ("risk:detail", "get", True),
]
ENDPOINTS = [
    ("get", "/cases/{ref}/assessments"),
    ("post", "/cases/{ref}/assessments"),
    ("get", "/cases/{ref}/assessments/{number}"),
]
BASE = "/api/v1/risk"


def _view_kwargs(team, assessment, with_number, *, missing_case=False, missing_number=False):
    kwargs = {"reference": MISSING_REFERENCE if missing_case else team.case.reference}
    if with_number:
        kwargs["number"] = MISSING_NUMBER if missing_number else assessment.number
    return kwargs


def _body(team) -> dict:
    from .conftest import vulnerability_ids

    return {
        "threats": [{"title": "Outsider's threat", "likelihood": 5, "impact": 5}],
        "ratings": [{"item_id": vulnerability_ids()[0], "rating": 5}],
    }


@pytest.mark.parametrize(("name", "method", "with_number"), VIEWS)
def test_an_outsider_gets_the_same_404_as_for_a_missing_record(
    team, outsider, name, method, with_number
):
    assessment = team.assess()
    client = web(outsider)
    data = form_data() if method == "post" else None

    def call(who=client, **flags):
        url = reverse(name, kwargs=_view_kwargs(team, assessment, with_number, **flags))
        response = getattr(who, method)(url, data) if data else getattr(who, method)(url)
        return comparable(response, url)

    hidden, missing = call(), call(missing_case=True)
    assert hidden[0] == 404
    assert hidden == missing
    if with_number:
        # The team's own worker: a number that does not exist is the same 404 as well.
        member = web(team.worker)
        assert call(member, missing_number=True) == call(member, missing_case=True)
    assert Assessment.objects.count() == 1


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_the_api_answers_an_outsider_like_a_missing_case(team, outsider, method, path):
    assessment = team.assess()
    client = api(outsider)

    def call(reference, number=assessment.number):
        url = BASE + path.format(ref=reference, number=number)
        if method == "post":
            return client.post(url, json.dumps(_body(team)), content_type="application/json")
        return client.get(url)

    hidden, missing = call(team.case.reference), call(MISSING_REFERENCE)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    if "{number}" in path:
        own = api(team.worker).get(BASE + path.format(ref=team.case.reference, number=999))
        assert own.status_code == 404 and own.json() == missing.json()
    assert Assessment.objects.count() == 1


OTHER_ROLES = [Role.RESPONDER, Role.DEFENDER, Role.AUDITOR, Role.ADMIN, Role.ANALYST]


@pytest.mark.parametrize("role", OTHER_ROLES, ids=str)
def test_other_roles_see_no_assessment(team, make_person, role):
    assessment = team.assess()
    person = make_person(role)
    client = web(person)
    for name, method, with_number in VIEWS:
        url = reverse(name, kwargs=_view_kwargs(team, assessment, with_number))
        response = getattr(client, method)(url, form_data() if method == "post" else None)
        assert response.status_code == 403, (name, method)
        assert team.case.reference not in comparable(response, url)[1]
    assert client.get(reverse("risk:dashboard")).status_code == 403
    token = api(person)
    for method, path in ENDPOINTS:
        url = BASE + path.format(ref=team.case.reference, number=assessment.number)
        response = getattr(token, method)(url)
        assert response.status_code == 403, path
    for path in ("/findings", "/dashboard", "/checklist"):
        assert token.get(BASE + path).status_code == 403
    assert Assessment.objects.count() == 1


def test_a_coordinator_of_the_compartment_may_assess(team, make_person):
    from aegis.cases import services as cases
    from aegis.vault.keychain import unlocked

    coordinator = make_person(Role.COORDINATOR)
    with unlocked(team.worker.keychain()):
        cases.add_member(team.compartment, coordinator.user, actor_id=team.worker.user.pk)
    response = web(coordinator).post(
        reverse("risk:new", kwargs={"reference": team.case.reference}), form_data()
    )
    assert response.status_code == 302
    assert Assessment.objects.get().assessed_by == coordinator.user


def test_only_the_admin_may_change_settings_and_only_the_analyst_reads_the_analysis(
    team, make_person
):
    for role in Role:
        client = web(make_person(role))
        settings = client.get(reverse("risk:settings")).status_code
        analysis = client.get(reverse("risk:analysis")).status_code
        assert settings == (200 if role == Role.ADMIN else 403), role
        assert analysis == (200 if role == Role.ANALYST else 403), role
