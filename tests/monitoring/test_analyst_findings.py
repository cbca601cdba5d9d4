"""What an analyst and the incident's caseworkers met in use: the proposal page says why it
proposes each value; a victim's description carries no dataset label; names not looked up are
said so; candidates to merge with are told apart; the same story from a second outlet reaches
the incident; an incident drafted from the news reaches its caseworkers' work queue; a campaign
keeps its first post's date and shows a post's address; the news rule says when it cannot
fire."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from aegis.audit.models import AuditEntry
from aegis.incidents.models import Incident
from aegis.monitoring import articles, campaigns, decisions, mentions
from aegis.monitoring.models import Article, Campaign, Proposal
from aegis.monitoring.vocabulary import ArticleOrigin
from aegis.vault import service_keys
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked
from tests.conftest import api_client

from .conftest import STORY, sign_in
from .test_decisions import EXTRACTED, _queue_lines, arrest_on_file

pytestmark = pytest.mark.django_db

WHOLE = {
    **EXTRACTED,
    "victims": [
        {
            "name": "Maria Lopez",
            "victim_types": ["insufficient information"],
            "sex": "woman",
            "age_group": "adult",
            "sentence": "Police arrested the defender Maria Lopez on Monday.",
            "confidence": 0.72,
        }
    ],
}


def _ingest(team: Any, monkeypatch: Any, extracted: dict, **kw: Any) -> Article:
    monkeypatch.setattr(articles, "run_extractor", lambda *a: extracted)
    fields = {
        "origin": ArticleOrigin.PASTED,
        "title": "Defender arrested in Bogota",
        "text": STORY,
        "url": "https://news.example.org/arrest",
        "published": datetime.date(2026, 11, 20),
        "language": "en",
        **kw,
    }
    with unlocked(team.analyst.keychain()):
        return articles.ingest(**fields)


def _page(client: Client, proposal: Proposal) -> str:
    return client.get(
        reverse("monitoring:proposal", kwargs={"proposal_id": proposal.pk})
    ).content.decode()


def test_the_proposal_page_says_why_each_value_and_no_dataset_label_reaches_a_victim(
    team, monkeypatch
):
    proposal = _ingest(team, monkeypatch, WHOLE).proposal
    with unlocked(team.analyst.keychain()):
        draft = decisions.draft_of(proposal)
    assert [v.description for v in draft.victims] == ["Maria Lopez"]
    page = _page(sign_in(Client(), team.analyst), proposal)
    assert "insufficient information" not in page
    reasons = re.search(r"What the extractor read, and where.*?</table>", page, re.S)
    assert reasons is not None
    rows = re.findall(r"<tr>(.*?)</tr>", reasons.group(0), re.S)
    text = " | ".join(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in rows[1:])
    assert "Arbitrary detention 90 % Police arrested her." in text
    assert "Maria Lopez 72 % Police arrested the defender Maria Lopez on Monday." in text
    assert "Colombia 90 % the whole article" in text


def test_enter_in_a_field_saves_rather_than_showing_the_regions(team, monkeypatch):
    """Enter presses a form's first submit button: on the proposal page and the sources page
    it had been "Show the regions", which saved nothing, without a word."""
    proposal = _ingest(team, monkeypatch, WHOLE).proposal
    client = sign_in(Client(), team.analyst)
    for page in (
        _page(client, proposal),
        client.get(reverse("monitoring:sources")).content.decode(),
    ):
        form = re.search(r'<form method="post"[^>]*class="stack".*?</form>', page, re.S)
        assert form is not None
        first = re.search(r"<button[^>]*>", form.group(0))
        assert first is not None
        assert 'type="submit"' in first.group(0) and "name=" not in first.group(0)
        assert "formaction" not in first.group(0)


def test_names_not_looked_up_are_said_so(team, monkeypatch):
    """Where the worker held no search key, the names were never looked up: "no incident
    matches this report's names" had been untrue."""
    proposal = _ingest(team, monkeypatch, WHOLE).proposal
    with unlocked(team.analyst.keychain()):
        extracted = Proposal.objects.get(pk=proposal.pk).extracted
    assert mentions.NAME_INDEXES not in str(extracted)
    page = _page(sign_in(Client(), team.analyst), proposal)
    assert "were not looked up among the incidents" in page
    assert "matches this report's names" not in page


def test_candidates_to_merge_with_show_the_place_and_violations_by_name(team, monkeypatch):
    incident = arrest_on_file(team)
    proposal = _ingest(team, monkeypatch, WHOLE).proposal
    page = _page(sign_in(Client(), team.analyst), proposal)
    label = re.search(rf"<label for=\"merge-{incident.pk}\">(.*?)</label>", page, re.S)
    assert label is not None
    assert "Colombia" in label.group(1) and "Arbitrary detention" in label.group(1)
    assert "Arrest of a defender" not in page  # the incident's title stays the compartment's


def test_the_same_story_from_a_second_outlet_reaches_the_incident(team, monkeypatch):
    """A copy kept before the story was accepted, and one kept after, each wait for the
    incident's caseworkers as a merged article does: they had been kept with no word."""
    original = _ingest(team, monkeypatch, WHOLE)
    before = _ingest(team, monkeypatch, WHOLE, url="https://other.example.net/a")
    assert before.duplicate_of_id == original.pk and not Proposal.objects.filter(article=before)
    with unlocked(team.analyst.keychain()):
        reference = decisions.accept(
            original.proposal, compartment_id=team.compartment.pk, actor_id=team.analyst.user.pk
        )
    after = _ingest(team, monkeypatch, WHOLE, url="https://third.example.com/b")
    copies = Proposal.objects.filter(article__in=[before, after])
    with unlocked(team.caseworker.keychain()):
        assert [(p.status, p.incident_reference, p.source_added) for p in copies] == [
            ("merged", reference, False)
        ] * 2
    decided = AuditEntry.objects.filter(action="monitoring.decision", object_type="proposal")
    assert {int(e.object_id) for e in decided} >= {p.pk for p in copies}
    waits = "2 news articles wait to be added to your incidents"
    assert waits in [text for text, _ in _queue_lines(team.caseworker)]
    caseworker = sign_in(Client(), team.caseworker)
    for copy in copies:
        caseworker.post(reverse("monitoring:add-merged", kwargs={"proposal_id": copy.pk}))
    assert Incident.objects.get(reference=reference).sources.count() == 3


def test_a_copy_the_worker_reads_after_the_story_was_accepted_reaches_the_incident(
    team, monkeypatch
):
    """The worker holds no article's key, so it cannot read the story's sealed incident
    reference: the copy carries its token, and the caseworkers' list names the incident."""
    original = _ingest(team, monkeypatch, WHOLE)
    with unlocked(team.analyst.keychain()):
        reference = decisions.accept(
            original.proposal, compartment_id=team.compartment.pk, actor_id=team.analyst.user.pk
        )
    monkeypatch.setattr(articles, "run_extractor", lambda *a: WHOLE)
    with unlocked(service_keys.service_keychain()):
        copy = articles.ingest(
            origin=ArticleOrigin.FEED,
            title="Defender arrested in Bogota",
            text=STORY,
            url="https://other.example.net/worker-copy",
            published=datetime.date(2026, 11, 20),
            language="en",
        )
    assert copy is not None and copy.duplicate_of_id == original.pk
    offered = Proposal.objects.get(article=copy)
    assert offered.status == "merged" and offered.incident_token
    waits = "1 news article waits to be added to your incidents"
    assert waits in [text for text, _ in _queue_lines(team.caseworker)]
    caseworker = sign_in(Client(), team.caseworker)
    assert reference in caseworker.get(reverse("monitoring:merged")).content.decode()
    added = caseworker.post(reverse("monitoring:add-merged", kwargs={"proposal_id": offered.pk}))
    assert added.status_code == 302
    assert Incident.objects.get(reference=reference).sources.count() == 2
    with unlocked(team.caseworker.keychain()):
        assert Proposal.objects.get(pk=offered.pk).incident_reference == reference


def test_an_incident_drafted_from_the_news_waits_for_its_caseworkers(team, monkeypatch):
    proposal = _ingest(team, monkeypatch, WHOLE).proposal
    assert _queue_lines(team.caseworker) == []
    with unlocked(team.analyst.keychain()):
        reference = decisions.accept(
            proposal, compartment_id=team.compartment.pk, actor_id=team.analyst.user.pk
        )
    line = ("1 incident drafted from the news waits to be verified", False)
    assert _queue_lines(team.caseworker) == [line]
    assert _queue_lines(team.analyst) == []  # not the analyst's: they hold no key of it
    page = sign_in(Client(), team.caseworker).get(reverse("monitoring:merged")).content.decode()
    assert reference in page
    Incident.objects.filter(reference=reference).update(verification="corroborated")
    assert _queue_lines(team.caseworker) == []


def test_a_campaign_keeps_its_first_posts_date_and_shows_a_posts_address(team):
    with unlocked(team.analyst.keychain()):
        campaign = campaigns.create_campaign(
            actor_id=team.analyst.user.pk,
            target_name="Ceiba collective",
            target_kind="organisation",
            first_seen=datetime.date(2026, 11, 1),
        )
        campaigns.add_item(
            campaign,
            actor_id=team.analyst.user.pk,
            platform="facebook",
            url="https://facebook.example/post/123",
            description="Post calling the collective guerrilla collaborators",
            seen_on=datetime.date(2026, 10, 2),
        )
    assert Campaign.objects.get(pk=campaign.pk).first_seen == datetime.date(2026, 10, 2)
    page = sign_in(Client(), team.analyst).get(
        reverse("monitoring:campaign", kwargs={"campaign_id": campaign.pk})
    )
    text = page.content.decode()
    assert "https://facebook.example/post/123" in text and "guerrilla collaborators" in text


def test_the_news_rule_says_when_it_cannot_fire(team, organisation):
    page = sign_in(Client(), team.coordinator).get(reverse("alerts:rules")).content.decode()
    assert "it cannot fire yet: the alert service holds no search key" in page
    keypair = service_keys.service_keypair()
    assert keypair is not None
    with unlocked(vault.recovery_keychain(organisation)):
        vault.grant(vault.index_key_id(), keypair)  # the key ceremony
    page = sign_in(Client(), team.coordinator).get(reverse("alerts:rules")).content.decode()
    assert "A protected person is named in the news" in page
    assert "it cannot fire yet" not in page


def test_pasting_a_story_that_is_an_incident_already_says_so(team, monkeypatch):
    """The page had said "The article is kept and proposed." of a copy that was merged into
    the story's incident at once: the analyst looked for a proposal that was not to decide."""
    original = _ingest(team, monkeypatch, WHOLE)
    with unlocked(team.analyst.keychain()):
        reference = decisions.accept(
            original.proposal, compartment_id=team.compartment.pk, actor_id=team.analyst.user.pk
        )
    monkeypatch.setattr(articles, "run_extractors", lambda items: [WHOLE for _ in items])
    client = sign_in(Client(), team.analyst)
    page = client.post(
        reverse("monitoring:paste"),
        {"title": "Defender held", "url": "https://other.example.net/held", "text": STORY},
        follow=True,
    ).content.decode()
    assert f"The same story is incident {reference} already" in page
    assert "The article is kept and proposed." not in page
    answer = api_client(team.analyst).post(
        reverse("api:monitoring_article_add"),
        {"title": "Defender held", "url": "https://third.example.net/held", "text": STORY},
        content_type="application/json",
    )
    assert answer.status_code == 201
    assert answer.json()["detail"].startswith(f"The same story is incident {reference} already")


def test_a_text_too_short_to_read_says_how_long_it_must_be(team):
    client = sign_in(Client(), team.analyst)
    page = client.post(
        reverse("monitoring:paste"), {"title": "Arrest", "url": "", "text": "Police arrested her"}
    ).content.decode()
    assert "Paste the article&#x27;s text: at least 5 words." in page
    assert not Article.objects.exists()
