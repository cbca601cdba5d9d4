"""A campaign form or an item form sent twice (a double click, a resend after a slow answer,
the back button) records once: each page carries a one-time token (forms.OnceForm)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from aegis.monitoring import campaigns, selectors
from aegis.monitoring.models import Campaign, CampaignItem
from aegis.vault.keychain import unlocked
from aegis.vault.models import DataKey

from .conftest import sign_in
from .test_form_feedback import CAMPAIGN

pytestmark = pytest.mark.django_db

ITEM = {
    "platform": "facebook",
    "url": "https://fb.example/post/1",
    "description": "Post",
    "seen_on": "2026-09-02",
}


def _token(html: str) -> str:
    found = re.search(r'<input type="hidden" name="once" value="([^"]+)"', html)
    assert found, "the form carries no one-time token"
    return found.group(1)


def test_a_campaign_form_sent_twice_records_one_campaign(team):
    client = sign_in(Client(), team.analyst)
    once = _token(client.get(reverse("monitoring:campaign-new")).content.decode())
    first = client.post(reverse("monitoring:campaign-new"), {**CAMPAIGN, "once": once})
    again = client.post(reverse("monitoring:campaign-new"), {**CAMPAIGN, "once": once}, follow=True)
    campaign = Campaign.objects.get()
    assert first.url == again.redirect_chain[0][0] == f"/monitoring/campaigns/{campaign.pk}/"
    assert "This form was sent already: the campaign is recorded once." in again.content.decode()
    # A fresh page is a fresh token: recording the same campaign again on purpose works.
    fresh = _token(client.get(reverse("monitoring:campaign-new")).content.decode())
    assert fresh != once
    client.post(reverse("monitoring:campaign-new"), {**CAMPAIGN, "once": fresh})
    assert Campaign.objects.count() == 2


def test_an_item_form_sent_twice_attaches_one_item(team):
    client = sign_in(Client(), team.analyst)
    client.post(reverse("monitoring:campaign-new"), CAMPAIGN)
    url = reverse("monitoring:campaign", kwargs={"campaign_id": Campaign.objects.get().pk})
    once = _token(client.get(url).content.decode())
    client.post(url, {**ITEM, "once": once})
    again = client.post(url, {**ITEM, "once": once}, follow=True)
    assert CampaignItem.objects.count() == 1
    assert "This form was sent already: the item is attached once." in again.content.decode()


def test_an_item_token_sent_to_another_campaign_attaches_there(team):
    """A token is the form's: sent by hand to another campaign's page, it neither moves nor
    hides the first item, and the item is attached where it was sent."""
    client = sign_in(Client(), team.analyst)
    client.post(reverse("monitoring:campaign-new"), CAMPAIGN)
    client.post(reverse("monitoring:campaign-new"), {**CAMPAIGN, "target_name": "Other"})
    first, second = Campaign.objects.order_by("pk")
    page = reverse("monitoring:campaign", kwargs={"campaign_id": first.pk})
    once = _token(client.get(page).content.decode())
    client.post(page, {**ITEM, "once": once})
    other = reverse("monitoring:campaign", kwargs={"campaign_id": second.pk})
    assert client.post(other, {**ITEM, "once": once}).status_code == 302
    assert [i.campaign_id for i in CampaignItem.objects.order_by("pk")] == [first.pk, second.pk]


@pytest.mark.parametrize("once", ["", "short", "x" * 200, "<script>alert(1)</script>" * 2])
def test_a_token_not_made_here_is_read_as_none(team, once):
    client = sign_in(Client(), team.analyst)
    for _ in range(2):
        response = client.post(reverse("monitoring:campaign-new"), {**CAMPAIGN, "once": once})
        assert response.status_code == 302
    assert Campaign.objects.count() == 2
    assert set(Campaign.objects.values_list("form_token", flat=True)) == {""}


def test_the_same_form_arriving_while_the_first_is_written_records_once(team, monkeypatch):
    """Two sends at once both find no earlier campaign; the second insert then meets the
    first's token, and gives back the first campaign, leaving no spare key behind."""
    base = {
        "target_kind": "defender",
        "target_name": "X Y",
        "first_seen": datetime.date(2026, 10, 1),
    }
    with unlocked(team.analyst.keychain()):
        made = campaigns.create_campaign(actor_id=None, once="A" * 24, **base)
        keys_before = DataKey.objects.count()
        looked = selectors.campaign_recorded_by
        calls = []

        def late(once: str) -> Campaign | None:  # the first send is not written yet
            calls.append(once)
            return None if len(calls) == 1 else looked(once)

        monkeypatch.setattr(selectors, "campaign_recorded_by", late)
        assert campaigns.create_campaign(actor_id=None, once="A" * 24, **base) == made
    assert len(calls) == 2 and Campaign.objects.count() == 1
    assert DataKey.objects.count() == keys_before
