"""The support demo data builds through the services on a demo-like team."""

from __future__ import annotations

import pytest

from aegis.cases import demo as case_demo
from aegis.support import demo, queue, selectors
from aegis.support.models import Grant, Provider, Referral
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db


def test_demo_data(team):
    with unlocked(team.lucia.keychain()):
        case_demo.create_demo_data(team.compartment, team.lucia.user)
        demo.create_demo_data(team.compartment, team.lucia.user)
    assert Provider.objects.count() == 5
    assert selectors.providers_due().count() == 1
    assert Referral.objects.count() == 2
    assert sorted(Grant.objects.values_list("status", flat=True)) == [
        "closed",
        "diligence",
        "disbursed",
    ]
    assert selectors.grant_totals().count == 2
    assert queue.items(team.karim.user) or queue.items(team.ana.user)
