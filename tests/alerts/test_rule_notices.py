"""A rule that fires says so on the page of the change that fired it: the incident whose act
raised the alert, the assessment that raised a person's risk to critical."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from aegis.alerts.models import Alert
from aegis.alerts.vocabulary import RuleTrigger
from tests.alerts.test_rules import assess, record, rule
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_the_incident_page_names_the_alert_an_act_raised_and_its_rule(team):
    rule(team, name="Threats in Antioquia", country="CO", region="CO-ANT")
    incident = record(team, kind="killing")  # an act no rule watches
    client = sign_in(Client(), team.lucia)
    page = client.get(reverse("incidents:detail", kwargs={"incident_ref": incident.reference}))
    assert page.status_code == 200
    assert "raised alert" not in page.content.decode()

    added = client.post(
        reverse("incidents:act-add", kwargs={"incident_ref": incident.reference}),
        {
            "violation_type": "threat",
            "victims": [str(team.person.pk)],
            "victim_description": "",
            "victim_sex": "unknown",
            "victim_age_group": "unknown",
            "involvement": "perpetrator",
        },
        follow=True,
    )
    assert added.status_code == 200, added.content.decode()[:2000]
    alert = Alert.objects.get()
    html = added.content.decode()
    assert "Act added." in html
    assert (
        f'<a href="/alerts/{alert.pk}/">An act recorded here raised alert #{alert.pk} through '
        "the rule “Threats in Antioquia”.</a>"
    ) in html

    # Only the incident whose act fired it says so.
    other = record(team, kind="killing")
    page = client.get(reverse("incidents:detail", kwargs={"incident_ref": other.reference}))
    assert "raised alert" not in page.content.decode()


def test_the_assessment_page_names_the_alert_it_raised_and_its_rule(team):
    rule(team, name="Anyone at critical risk", trigger=RuleTrigger.RISK_CRITICAL)
    calm = assess(team, critical=False)
    critical = assess(team, critical=True)
    still_critical = assess(team, critical=True)  # staying critical fires nothing
    alert = Alert.objects.get()
    client = sign_in(Client(), team.lucia)

    def page(assessment) -> str:
        url = reverse(
            "risk:detail",
            kwargs={"reference": assessment.case.reference, "number": assessment.number},
        )
        response = client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    assert (
        f"This assessment raised alert #{alert.pk} through the rule “Anyone at critical risk”."
        in page(critical)
    )
    assert "raised alert" not in page(calm)
    assert "raised alert" not in page(still_critical)
