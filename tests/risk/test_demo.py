"""The risk demo runs after the cases and incidents demos, through the real services, and
shows what the dashboard should: varied levels, an imminent attack, an overdue review, levels
that rose, and findings from the demo incidents."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aegis.cases import demo as cases_demo
from aegis.incidents import demo as incidents_demo
from aegis.risk import demo, overview, selectors
from aegis.risk.models import Assessment
from aegis.roles import Role
from aegis.vault.keychain import unlocked

from .conftest import web

pytestmark = pytest.mark.django_db


def test_the_demo_assessments_and_findings(make_person, make_compartment):
    lucia = make_person(Role.CASEWORKER, "lucia")
    compartment = make_compartment(lucia)
    with unlocked(lucia.keychain()):
        cases_demo.create_demo_data(compartment, lucia.user)
        incidents_demo.create_demo_data(compartment, lucia.user)
        demo.create_demo_data(compartment, lucia.user)
    current = list(selectors.current_assessments(lucia.user))
    assert {a.level for a in current} == {"low", "moderate", "high", "critical"}
    assert any(a.imminent for a in current)
    data = overview.dashboard(lucia.user)
    assert data.overdue_count == 1 and not data.overdue[0].new_incident
    assert len(data.rose) == 2
    kinds = {f.kind for f in data.findings}
    assert {"person", "sector", "region"} <= kinds
    assert Assessment.objects.count() == 7
    client = web(lucia)
    page = client.get(reverse("risk:dashboard")).content.decode()
    assert "imminent attack" in page and "review date reached" in page
    # The window is read in whole months, so how many of the demo's incidents it holds
    # depends on the day of the month the demo is made.
    assert re.search(r"\b([4-9]|1\d) incidents against Ceiba since \w+ \d{4}", page)
    for assessment in Assessment.objects.all():
        url = reverse(
            "risk:detail",
            kwargs={"reference": assessment.case.reference, "number": assessment.number},
        )
        assert client.get(url).status_code == 200
        assert (
            client.get(
                reverse("risk:compare", kwargs={"reference": assessment.case.reference})
            ).status_code
            == 200
        )


def test_the_demo_needs_the_demo_cases(make_person, make_compartment):
    lucia = make_person(Role.CASEWORKER)
    with unlocked(lucia.keychain()):
        demo.create_demo_data(make_compartment(lucia), lucia.user)
    assert Assessment.objects.count() == 0
