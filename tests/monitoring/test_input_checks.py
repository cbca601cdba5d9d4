"""What an analyst types or sends is checked where it is written: a mass arrest's proposal can
still be decided, a victim's error is shown on its row, an address is an address, a date is
one somebody meant, and an upload this form cannot read says what it can."""

from __future__ import annotations

import copy
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from aegis.incidents.models import Incident
from aegis.monitoring import articles, campaigns, decisions, manual
from aegis.monitoring.drafts import MAX_VICTIMS
from aegis.monitoring.models import Article, Campaign, CampaignItem
from aegis.monitoring.vocabulary import ArticleOrigin
from aegis.rules import RuleError
from aegis.vault.keychain import unlocked

from .conftest import STORY, api_client, sign_in
from .test_decisions import EXTRACTED

pytestmark = pytest.mark.django_db


# The draft form's five victim rows, emptied (a row's sex and age are always sent).
ROWS = {
    key: value
    for n in range(5)
    for key, value in (
        (f"victim_{n}", ""),
        (f"victim_{n}_sex", "unknown"),
        (f"victim_{n}_age", "unknown"),
    )
}


# The proposal page's draft fields, as the analyst sends them (victims apart).
DRAFT = {
    "title": "Thirty detained",
    "date_start": "2026-11-16",
    "date_precision": "day",
    "country": "CO",
    "violation_types": ["arbitrary_detention"],
    "perpetrator_type": "state_security",
    "reliability": "C",
}


@pytest.fixture
def mass_arrest(team, monkeypatch):
    """The extractor names 30 people, as in a mass arrest."""
    extracted = copy.deepcopy(EXTRACTED)
    extracted["victims"] = [
        {**EXTRACTED["victims"][0], "name": f"Person Number{n}"} for n in range(30)
    ]
    monkeypatch.setattr(articles, "run_extractor", lambda *a: extracted)
    with unlocked(team.analyst.keychain()):
        article = articles.ingest(
            origin=ArticleOrigin.PASTED, title="Thirty detained", text=STORY, language="en"
        )
    return article.proposal


def test_a_proposal_naming_more_victims_than_a_draft_holds_can_be_accepted(team, mass_arrest):
    with unlocked(team.analyst.keychain()):
        assert len(decisions.draft_of(mass_arrest).victims) == MAX_VICTIMS
    client = sign_in(Client(), team.analyst)
    edited = client.post(
        reverse("monitoring:edit", kwargs={"proposal_id": mass_arrest.pk}),
        {
            **DRAFT,
            **ROWS,
        },
    )
    assert edited.status_code == 302, edited.context["draft_form"].errors
    accepted = client.post(
        reverse("monitoring:accept", kwargs={"proposal_id": mass_arrest.pk}),
        {"compartment": team.compartment.pk},
    )
    assert accepted.status_code == 302
    assert Incident.objects.count() == 1


def test_a_victims_error_is_shown_on_its_own_row(team, mass_arrest):
    client = sign_in(Client(), team.analyst)
    page = client.post(
        reverse("monitoring:edit", kwargs={"proposal_id": mass_arrest.pk}),
        {
            **DRAFT,
            **ROWS,
            "victim_0": "Ana",
            "victim_2": "Bea \u202eevil",
        },
    )
    assert page.status_code == 200
    errors = page.context["draft_form"].errors
    assert list(errors) == ["victim_2"], errors
    assert "reading direction" in errors["victim_2"][0]
    row = page.content.decode().split('name="victim_2"')[1].split("</div>")[0]
    assert "change the reading direction" in row  # shown on the row itself


@pytest.mark.parametrize(
    "url", ["http://", "https://a b", "https://[::1", "https://x:99999/", "https://x\u202e/"]
)
def test_an_address_must_be_one(team, url):
    with unlocked(team.analyst.keychain()):
        with pytest.raises(RuleError, match="address"):
            manual.add_pasted(actor_id=None, title="Arrest", text=STORY, url=url)
        campaign = campaigns.create_campaign(
            actor_id=None,
            target_kind="defender",
            target_name="Maria Lopez",
            first_seen=datetime.date(2026, 10, 1),
        )
        with pytest.raises(RuleError, match="address"):
            campaigns.add_item(
                campaign, actor_id=None, platform="x", url=url, seen_on=datetime.date(2026, 10, 2)
            )
    assert Article.objects.count() == 0 and CampaignItem.objects.count() == 0


def test_a_date_before_1900_is_a_slip_and_refused(team):
    year_one = datetime.date(1, 1, 1)
    with unlocked(team.analyst.keychain()):
        with pytest.raises(RuleError, match="1900"):
            manual.add_pasted(actor_id=None, title="Arrest", text=STORY, published=year_one)
        with pytest.raises(RuleError, match="1900"):
            campaigns.create_campaign(
                actor_id=None, target_kind="defender", target_name="Ana", first_seen=year_one
            )
    assert Article.objects.count() == 0 and Campaign.objects.count() == 0


def test_an_article_sent_by_the_api_needs_a_title(team):
    api = api_client(team.analyst)
    refused = api.post(
        "/api/v1/monitoring/articles",
        {"title": " ", "text": STORY},
        content_type="application/json",
    )
    assert refused.status_code in (400, 422)
    assert "title" in refused.content.decode()
    assert Article.objects.count() == 0


@pytest.mark.parametrize("name", ["page.html", "noextension", "notes.docx"])
def test_an_upload_this_form_cannot_read_says_what_it_reads(team, name):
    client = sign_in(Client(), team.analyst)
    sent = SimpleUploadedFile(name, STORY.encode(), content_type="text/plain")
    page = client.post(reverse("monitoring:upload"), {"file": sent})
    assert page.status_code == 200
    assert "Only plain text and PDF files can be read as articles." in page.content.decode()
    assert Article.objects.count() == 0


def test_every_victim_of_a_draft_is_shown_and_can_be_taken_off(team, mass_arrest):
    client = sign_in(Client(), team.analyst)
    page = client.get(reverse("monitoring:proposal", kwargs={"proposal_id": mass_arrest.pk}))
    form = page.context["draft_form"]
    assert form.rows == MAX_VICTIMS  # twenty in the draft: none on the incident unseen
    shown = page.content.decode()
    assert f'name="victim_{MAX_VICTIMS - 1}"' in shown and "Person Number19" in shown
    sent = dict(DRAFT)
    for n in range(MAX_VICTIMS):
        sent |= {
            f"victim_{n}": "" if n == 7 else f"Person Number{n}",
            f"victim_{n}_sex": "unknown",
            f"victim_{n}_age": "unknown",
        }
    edited = client.post(reverse("monitoring:edit", kwargs={"proposal_id": mass_arrest.pk}), sent)
    assert edited.status_code == 302, edited.context["draft_form"].errors
    with unlocked(team.analyst.keychain()):
        mass_arrest.refresh_from_db()
        kept = [v.description for v in decisions.draft_of(mass_arrest).victims]
    assert len(kept) == MAX_VICTIMS - 1 and "Person Number7" not in kept
    # Nineteen now, and a row to add one on.
    again = client.get(reverse("monitoring:proposal", kwargs={"proposal_id": mass_arrest.pk}))
    assert again.context["draft_form"].rows == MAX_VICTIMS
    assert again.context["draft_form"].initial[f"victim_{MAX_VICTIMS - 1}"] == ""


def test_an_address_in_capitals_is_one(team):
    """A scheme is not case-sensitive: "HTTP://" had been refused as no web address. It is
    kept in one form, so the same feed in capitals is the same source."""
    from aegis.monitoring import sources
    from aegis.monitoring.vocabulary import SourceKind

    source = sources.create_source(
        actor_id=None, name="Feed", kind=SourceKind.FEED, url="HTTP://example.org/Feed.xml"
    )
    assert source.url == "http://example.org/Feed.xml"
    with unlocked(team.analyst.keychain()):
        article = manual.add_pasted(
            actor_id=None, title="Arrest", text=STORY, url="HTTPS://example.org/a"
        ).article
    assert article.url == "https://example.org/a"
