"""The monitoring demo data: a paused source, proposals for the analyst, one duplicate, and a
campaign."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from aegis.monitoring import demo
from aegis.monitoring.models import Article, Campaign, Proposal, Source
from aegis.vault.keychain import unlocked

from .conftest import sign_in

pytestmark = pytest.mark.django_db


def test_demo_data(team):
    with unlocked(team.caseworker.keychain()):
        demo.create_demo_data(team.compartment, team.caseworker.user)
    source = Source.objects.get()
    assert source.is_active is False
    # Its articles were read before it was paused, as its page says.
    assert (source.status, source.articles_found) == ("ok", 3)
    assert Proposal.objects.count() == 3
    assert Article.objects.exclude(duplicate_of=None).count() == 1
    assert Campaign.objects.count() == 1
    page = sign_in(Client(), team.analyst).get(reverse("monitoring:queue"))
    assert "Community leader detained" in page.content.decode()
