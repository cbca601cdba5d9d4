"""An approved provider whose kinds of help or countries change goes back to be vetted (New):
the vetting approved what it offered and where, and a widened entry had stayed "Approved"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aegis.support import selectors, services
from aegis.support.models import Provider, VettingStep
from aegis.vault.keychain import unlocked

from .conftest import client
from .test_provider_edit import FIELDS, _form, _url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "change",
    [{"kinds": ["legal", "medical"]}, {"countries": ["CO", "VE"], "regions": []}],
)
def test_new_kinds_or_countries_need_vetting_again(team, change):
    provider = team.provider()
    with unlocked(team.lucia.keychain()):
        services.update_provider(provider, actor=team.lucia.user, **{**FIELDS, **change})
    again = Provider.objects.get(pk=provider.pk)
    assert again.vetting == "new"
    assert VettingStep.objects.filter(provider=provider).last().status == "new"
    assert provider not in selectors.offerable_providers()


def test_other_changes_keep_the_approval(team):
    provider = team.provider()
    with unlocked(team.lucia.keychain()):
        services.update_provider(
            provider, actor=team.lucia.user, **{**FIELDS, "countries": ["co"], "capacity": 9}
        )
    assert Provider.objects.get(pk=provider.pk).vetting == "approved"


def test_the_page_says_it_needs_vetting_again(team):
    provider = team.provider()
    web = client(team.lucia)
    response = web.post(_url(provider), _form(kinds=["legal", "medical"]), follow=True)
    page = response.content.decode()
    assert "needs vetting again" in page
    assert Provider.objects.get(pk=provider.pk).vetting == "new"
    response = web.post(_url(provider), _form(kinds=["legal", "medical"]), follow=True)
    assert "needs vetting again" not in response.content.decode()
    assert (
        reverse("support:provider", kwargs={"provider_id": provider.pk})
        in response.redirect_chain[-1][0]
    )
