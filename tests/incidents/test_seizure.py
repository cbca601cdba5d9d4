"""Seizure test: what incidents hold in words never reaches the disk in clear."""

from __future__ import annotations

import secrets

import pytest
from django.test import Client
from django.urls import reverse

from aegis.incidents import services
from aegis.incidents.models import Incident
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in
from tests.seizure import find

from .conftest import DAY

pytestmark = pytest.mark.django_db(transaction=True)


def canary(label: str) -> str:
    return f"{label}-{secrets.token_hex(8)}"


def test_titles_narratives_places_names_and_sources_never_appear_in_clear(team):
    secret = {
        name: canary(name)
        for name in (
            "Title",
            "Description",
            "Location",
            "PerpName",
            "PerpDescription",
            "SourceText",
            "VictimText",
            "FormTitle",
            "FormLocation",
            "FormVictim",
        )
    }
    actor = team.worker.user.pk
    incident = team.record(
        title=secret["Title"],
        description=secret["Description"] * 50,  # long text too
        exact_location=secret["Location"],
        country="CO",
        region="CO-ANT",
    )
    with unlocked(team.worker.keychain()):
        perpetrator = services.create_perpetrator(
            team.compartment,
            actor_id=actor,
            perpetrator_type="paramilitary",
            name=secret["PerpName"],
            description=secret["PerpDescription"],
        )
        services.add_act(
            incident,
            violation_type="enforced_disappearance",
            actor_id=actor,
            victims=[team.case.person],
            perpetrators=[(perpetrator, "suspected")],
            described_victims=[services.DescribedVictim(secret["VictimText"], "woman", "30_44")],
        )
        services.add_source(
            incident,
            actor_id=actor,
            kind="testimony",
            reliability="A",
            independent=True,
            description=secret["SourceText"],
        )
    # The same through the pages, as a caseworker types it.
    client = sign_in(Client(), team.worker)
    response = client.post(
        reverse("incidents:new"),
        {
            "compartment": str(team.compartment.pk),
            "title": secret["FormTitle"],
            "description": "",
            "date_start": DAY.isoformat(),
            "date_precision": "day",
            "country": "CO",
            "region": "",
            "exact_location": secret["FormLocation"],
        },
    )
    assert response.status_code == 302
    second = Incident.objects.exclude(pk=incident.pk).get()
    response = client.post(
        reverse("incidents:act-add", kwargs={"incident_ref": second.reference}),
        {
            "violation_type": "kidnapping",
            "victim_description": secret["FormVictim"],
            "victim_sex": "man",
            "victim_age_group": "under_18",
            "involvement": "perpetrator",
        },
    )
    assert response.status_code == 302
    # Everything is readable by the team...
    page = client.get(reverse("incidents:detail", kwargs={"incident_ref": incident.reference}))
    for name in ("Title", "Location", "PerpName", "SourceText", "VictimText"):
        assert secret[name] in page.content.decode(), name

    # ...and none of it is on disk in clear.
    assert find([value.encode() for value in secret.values()]) == []
    # The coded projection is in clear, which shows the scan does see plaintext.
    assert find([incident.reference.encode(), b"enforced_disappearance"]) != []
