"""The demo incidents go through the real services and cover what the demo should show."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from aegis.cases import services as cases
from aegis.incidents import demo
from aegis.incidents.models import Act, Incident, IncidentLink, Source, Victim
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("case_count", [5, 0])
def test_demo_incidents(team, make_case, case_count):
    if case_count == 0:
        compartment = cases.create_compartment("empty demo", members=[team.worker.user])
    else:
        compartment = team.compartment
        for _ in range(case_count - 1):
            make_case(compartment, team.worker)
    with unlocked(team.worker.keychain()):
        demo.create_demo_data(compartment, team.worker.user)
        titles = [i.title for i in Incident.objects.all()]
    incidents = Incident.objects.filter(compartment=compartment)
    assert incidents.count() == len(titles) == 10
    assert len(set(incidents.values_list("country", flat=True))) >= 6
    assert Act.objects.values("violation_type").distinct().count() >= 12
    assert set(incidents.values_list("verification", flat=True)) == {
        "unverified",
        "corroborated",
        "verified",
    }
    assert IncidentLink.objects.count() == 3
    assert Source.objects.count() >= 10
    assert Victim.objects.filter(person__isnull=True).exists()
    assert any("ة" in t for t in titles)  # an Arabic title among Spanish, French, English…
    linked = incidents.filter(cases__isnull=False).distinct().count()
    assert linked == (7 if case_count else 0)
    for incident in incidents.filter(verification="verified"):
        assert incident.verified_by == team.worker.user and incident.verified_at


def test_every_demo_incident_page_renders(team, make_case):
    for _ in range(4):
        make_case(team.compartment, team.worker)
    with unlocked(team.worker.keychain()):
        demo.create_demo_data(team.compartment, team.worker.user)
    client = sign_in(Client(), team.worker)
    listing = client.get(reverse("incidents:list")).content.decode()
    assert "منع محامية حقوقية من السفر" in listing
    for incident in Incident.objects.all():
        url = reverse("incidents:detail", kwargs={"incident_ref": incident.reference})
        response = client.get(url)
        assert response.status_code == 200
        assert incident.reference in response.content.decode()
    chained = Incident.objects.get(links_out__kind="caused")
    page = client.get(reverse("incidents:detail", kwargs={"incident_ref": chained.reference}))
    assert "This incident caused" in page.content.decode()
