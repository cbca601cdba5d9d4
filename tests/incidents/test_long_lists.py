"""Incident forms past paging.LIST_AT_MOST: related cases are typed by reference, and the act
forms list the people of the incident's related cases and the perpetrators it names, never
the whole compartment."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from aegis import paging
from aegis.incidents import services
from aegis.incidents.models import Act, Incident
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

from .test_views import _form, _url

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(team) -> Client:
    return sign_in(Client(), team.worker)


@pytest.fixture
def three_cases(team, make_case) -> list:
    """The team's case and two more: too many to list once LIST_AT_MOST is 2."""
    return [
        team.case,
        make_case(team.compartment, team.worker),
        make_case(team.compartment, team.worker),
    ]


def _ticks(page: str, name: str) -> list[str]:
    return re.findall(rf'<input type="checkbox" name="{name}" value="([^"]*)"', page)


def test_past_the_limit_related_cases_are_typed_by_reference(
    team, three_cases, client, monkeypatch
):
    first, second, third = three_cases
    page = client.get(reverse("incidents:new")).content.decode()
    assert sorted(_ticks(page, "cases")) == sorted(c.reference for c in three_cases)

    monkeypatch.setattr(paging, "LIST_AT_MOST", 2)
    page = client.get(reverse("incidents:new")).content.decode()
    assert _ticks(page, "cases") == [] and third.reference not in page
    assert re.search(r'<input type="text" name="cases"', page)
    assert "type the references of the related cases" in page

    typed = f"{first.reference.lower()},  {third.reference}\n{first.reference}"
    response = client.post(
        reverse("incidents:new"),
        _form(compartment=team.compartment.pk, cases=typed + " AEG-1999-00001"),
    )
    assert response.status_code == 200
    assert "No case you can see has the reference AEG-1999-00001. Nothing was saved." in (
        response.content.decode()
    )
    assert not Incident.objects.exists()
    response = client.post(
        reverse("incidents:new"), _form(compartment=team.compartment.pk, cases=typed)
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert set(incident.cases.all()) == {first, third}

    page = client.get(_url("incidents:edit", incident)).content.decode()
    shown = re.search(r'<input type="text" name="cases" value="([^"]*)"', page)
    assert shown is not None
    assert sorted(shown.group(1).split(", ")) == sorted([first.reference, third.reference])
    response = client.post(
        _url("incidents:edit", incident),
        _form(cases=second.reference, reason="The second case, not the others"),
    )
    assert response.status_code == 302
    assert list(incident.cases.all()) == [second]

    # Typed text past its bound is refused in words; nothing changes.
    response = client.post(
        _url("incidents:edit", incident),
        _form(cases="X" * 2_001, reason="Too long a list"),
    )
    assert response.status_code == 200
    assert "Type at most 2,000 characters of references" in response.content.decode()
    assert list(incident.cases.all()) == [second]


def test_past_the_limit_an_act_names_the_people_of_the_related_cases(
    team, three_cases, client, monkeypatch
):
    first, second, third = three_cases
    incident = team.record(cases=[first])
    with unlocked(team.worker.keychain()):
        named = services.create_perpetrator(
            team.compartment, actor_id=None, perpetrator_type="police", name="Patrol 12"
        )
        services.create_perpetrator(
            team.compartment, actor_id=None, perpetrator_type="military", name="Brigade 7"
        )
        services.create_perpetrator(
            team.compartment, actor_id=None, perpetrator_type="unknown", name="Unknown men"
        )
        act = services.add_act(
            incident,
            violation_type="threat",
            actor_id=None,
            victims=[third.person],
            perpetrators=[(named, "perpetrator")],
        )
    page = client.get(_url("incidents:act-add", incident)).content.decode()
    assert len(_ticks(page, "victims")) == 3 and len(_ticks(page, "perpetrators")) == 3

    monkeypatch.setattr(paging, "LIST_AT_MOST", 2)
    page = client.get(_url("incidents:act-add", incident)).content.decode()
    assert _ticks(page, "victims") == [str(first.person.pk)]
    assert _ticks(page, "perpetrators") == [str(named.pk)]
    assert "too many people to list" in page and "too many perpetrators to list" in page
    assert "Brigade 7" not in page and second.person.pseudonym not in page

    # Correcting the victims keeps the act's own, listed beside the related cases' people.
    victims = reverse(
        "incidents:act-victims", kwargs={"incident_ref": incident.reference, "act_id": act.pk}
    )
    page = client.get(victims).content.decode()
    assert sorted(_ticks(page, "victims")) == sorted([str(first.person.pk), str(third.person.pk)])
    response = client.post(
        victims,
        {
            "victims": [str(first.person.pk), str(third.person.pk)],
            "victim_description": "",
            "victim_sex": "unknown",
            "victim_age_group": "unknown",
            "reason": "Her colleague was threatened too",
        },
    )
    assert response.status_code == 302
    people = {v.person_id for v in Act.objects.get(pk=act.pk).victims.all()}
    assert people == {first.person.pk, third.person.pk}
