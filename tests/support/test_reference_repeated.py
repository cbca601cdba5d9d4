"""The two-reference rule counts two people: a reference whose name and contact repeat one
the provider has (whatever the case and spacing) is refused in words and written nowhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from aegis import clock
from aegis.rules import Conflict, RuleError
from aegis.support import services
from aegis.support.models import ProviderReference
from aegis.vault.keychain import unlocked

from .conftest import client

pytestmark = pytest.mark.django_db


def test_the_same_reference_twice_is_refused(team):
    provider = team.provider(approved=False)
    with unlocked(team.karim.keychain()):
        services.add_reference(
            provider, actor=team.karim.user, name="Padre José", contact="parish office"
        )
        with pytest.raises(Conflict, match="already has this reference") as refused:
            services.add_reference(
                provider, actor=team.karim.user, name="  padre  JOSÉ ", contact="Parish Office"
            )
        assert refused.value.field == "name"
        assert ProviderReference.objects.filter(provider=provider).count() == 1
        with pytest.raises(RuleError, match="two references"):
            services.vet(
                provider,
                "approved",
                actor=team.karim.user,
                revet_on=clock.today() + timedelta(days=180),
            )
        # The same person reached another way, or another person, is a reference.
        services.add_reference(
            provider, actor=team.karim.user, name="Padre José", contact="+57 300 555 0199"
        )
    assert ProviderReference.objects.filter(provider=provider).count() == 2


def test_the_page_says_the_reference_is_there_already(team):
    provider = team.provider(approved=False)
    url = reverse("support:provider-reference", kwargs={"provider_id": provider.pk})
    web = client(team.karim)
    form = {"name": "Padre José", "contact": "parish office"}
    web.post(url, form, follow=True)
    page = web.post(url, form, follow=True).content.decode()
    assert "already has this reference" in page
    assert ProviderReference.objects.filter(provider=provider).count() == 1
