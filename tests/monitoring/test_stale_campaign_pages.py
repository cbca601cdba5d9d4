"""Editing a campaign from a page opened before someone else's save: refused in words, what
was typed kept, and taken when sent again from the page that refused it. It had silently put
back what the older page showed (a colleague's reach and notes, a First seen moved earlier by
an older item attached since)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from aegis.monitoring import campaigns
from aegis.monitoring.models import Campaign
from aegis.rules import Conflict
from aegis.vault.keychain import unlocked

from .conftest import sign_in

pytestmark = pytest.mark.django_db
STALE = "This campaign was changed since you opened this page"


@pytest.fixture
def campaign(team) -> Campaign:
    with unlocked(team.analyst.keychain()):
        return campaigns.create_campaign(
            actor_id=team.analyst.user.pk,
            target_kind="defender",
            target_name="Maria Lopez",
            narratives=["terrorist"],
            platforms=["x"],
            first_seen=datetime.date(2026, 10, 1),
            reach=100,
        )


def _as_sent(form: Any) -> dict[str, Any]:
    """The edit form as its page draws it, as a browser sends it back."""
    sent: dict[str, Any] = {}
    for field in form:
        value = field.value()
        if value in (None, False, ""):
            continue
        sent[field.name] = value.isoformat() if isinstance(value, datetime.date) else value
    return sent


def _opened(client: Client, campaign: Campaign) -> dict[str, Any]:
    page = client.get(reverse("monitoring:campaign-edit", kwargs={"campaign_id": campaign.pk}))
    assert page.status_code == 200
    return _as_sent(page.context["form"])


def _saved(team, campaign: Campaign) -> dict[str, Any]:
    """What the campaign holds now, read with the analyst's keys, and its saved state."""
    with unlocked(team.analyst.keychain()):
        kept = Campaign.objects.get(pk=campaign.pk)
        return {
            "reach": kept.reach,
            "notes": str(kept.notes),
            "attribution": str(kept.attribution),
            "state": campaigns.saved_state(kept),
        }


def test_a_colleague_s_edit_is_not_overwritten_from_an_older_page(team, campaign):
    url = reverse("monitoring:campaign-edit", kwargs={"campaign_id": campaign.pk})
    mine, theirs = sign_in(Client(), team.analyst), sign_in(Client(), team.caseworker)
    older = _opened(mine, campaign)
    assert older["seen"]
    first = _opened(theirs, campaign)
    saved = theirs.post(url, {**first, "reach": "5000", "notes": "Seen in three cities"})
    assert saved.status_code == 302

    refused = mine.post(url, {**older, "attribution": "A ministry's press office"})
    assert refused.status_code == 200
    assert STALE in refused.content.decode()
    kept = _saved(team, campaign)
    assert kept["reach"] == 5000 and kept["notes"] == "Seen in three cities"  # theirs stands
    again = _as_sent(refused.context["form"])
    assert again["attribution"] == "A ministry's press office"  # what was typed stays
    assert again["seen"] == kept["state"] != older["seen"]

    # Sent again from the page that said so: taken, as what that page holds.
    taken = mine.post(url, again)
    assert taken.status_code == 302
    assert _saved(team, campaign)["attribution"] == "A ministry's press office"


def test_an_older_page_does_not_undo_a_first_seen_moved_by_an_older_item(team, campaign):
    client = sign_in(Client(), team.analyst)
    older = _opened(client, campaign)
    attached = client.post(
        reverse("monitoring:campaign", kwargs={"campaign_id": campaign.pk}),
        {"platform": "x", "description": "An older post", "seen_on": "2026-09-01"},
    )
    assert attached.status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).first_seen == datetime.date(2026, 9, 1)

    refused = client.post(
        reverse("monitoring:campaign-edit", kwargs={"campaign_id": campaign.pk}),
        {**older, "reach": "250"},
    )
    assert refused.status_code == 200 and STALE in refused.content.decode()
    kept = Campaign.objects.get(pk=campaign.pk)
    assert kept.first_seen == datetime.date(2026, 9, 1) and kept.reach == 100


def test_a_page_sent_as_it_was_opened_is_taken(team, campaign):
    client = sign_in(Client(), team.analyst)
    opened = _opened(client, campaign)
    saved = client.post(
        reverse("monitoring:campaign-edit", kwargs={"campaign_id": campaign.pk}),
        {**opened, "reach": "250"},
    )
    assert saved.status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).reach == 250


def test_two_saves_at_the_same_moment_are_refused_in_the_service(team, campaign):
    """The form checks `seen` before the row is locked; the service checks it again under
    the lock, for two saves that both passed the form."""
    fields = {
        "target_kind": "defender",
        "target_name": "Maria Lopez",
        "first_seen": datetime.date(2026, 10, 1),
    }
    with unlocked(team.analyst.keychain()):
        seen = campaigns.saved_state(campaign)
        campaigns.update_campaign(campaign, actor_id=None, seen=seen, reach=5000, **fields)
        stale = Campaign.objects.get(pk=campaign.pk)
        with pytest.raises(Conflict):
            campaigns.update_campaign(stale, actor_id=None, seen=seen, reach=7, **fields)
    assert Campaign.objects.get(pk=campaign.pk).reach == 5000
