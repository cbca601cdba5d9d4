"""Seizure test: article texts (about protected people, once linked to a case), proposals,
rejection notes and campaign targets never reach the disk in clear."""

from __future__ import annotations

import datetime
import secrets

import pytest
from django.test import Client
from django.urls import reverse

from aegis.monitoring import articles, campaigns, decisions
from aegis.monitoring.drafts import VictimDraft
from aegis.monitoring.vocabulary import ArticleOrigin
from aegis.vault.keychain import unlocked
from tests.seizure import find

from .conftest import STORY, fake_extraction, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def canary(label: str) -> str:
    return f"{label}{secrets.token_hex(6)}"


def test_articles_proposals_and_campaign_targets_never_appear_in_clear(
    team, make_case, monkeypatch
):
    protected = f"Ana {canary('Protegida')}"
    named = f"Victima {canary('Nombrada')}"
    said = canary("Sentence")

    def naming(title: str, text: str, published: object, language: str = "") -> dict:
        """The extractor's proposal names a victim and quotes the article."""
        extracted = fake_extraction(title, text, published)
        victim = {"name": named, "victim_types": ["journalist"], "sentence": said}
        return {**extracted, "victims": [victim]}

    monkeypatch.setattr(articles, "run_extractor", naming)
    make_case(team.compartment, team.caseworker, legal_name=protected)
    secret = {
        "title": canary("Headline"),
        "url": f"https://news.example.org/{canary('slug')}",
        "note": canary("Rejectnote"),
        "target": f"Maria {canary('Target')}",
        "attribution": canary("Attribution"),
        "item": canary("Postdescription"),
        "edited": f"Otra {canary('Corregida')}",
    }
    text = f"{STORY} The police also arrested {protected} in the same town."
    with unlocked(team.caseworker.keychain()):
        article = articles.ingest(
            origin=ArticleOrigin.FEED,
            title=secret["title"],
            text=text,
            url=secret["url"],
            language="en",
        )
        other = articles.ingest(
            origin=ArticleOrigin.PASTED,
            title="Another",
            text="Farmers in the valley celebrated a record harvest of coffee this season while "
            "prices rose for the third month in a row, the cooperative said on Friday.",
        )
        decisions.reject(other.proposal, reason="other", note=secret["note"], actor_id=None)
        campaign = campaigns.create_campaign(
            actor_id=None,
            target_kind="defender",
            target_name=secret["target"],
            first_seen=datetime.date(2026, 10, 1),
            attribution=secret["attribution"],
        )
        campaigns.add_item(
            campaign,
            actor_id=None,
            platform="x",
            description=secret["item"],
            seen_on=datetime.date(2026, 10, 2),
        )
        # The analyst's correction names another victim.
        draft = decisions.draft_of(article.proposal)
        draft.victims.append(VictimDraft(secret["edited"]))
        decisions.edit(article.proposal, draft, actor_id=None)
    # The article names the protected person: it is linked (mention, alert) and encrypted.
    assert article.mentions.count() == 1
    client = sign_in(Client(), team.analyst)
    client.post(
        reverse("monitoring:accept", kwargs={"proposal_id": article.proposal.pk}),
        {"compartment": team.compartment.pk},
    )
    needles = [v.encode() for v in secret.values()]
    needles += [protected.encode(), named.encode(), said.encode(), b"The police also arrested"]
    assert find(needles) == []


def test_no_column_ties_a_person_on_file_to_an_article_or_a_campaign(team, make_case):
    """On a copy of the disk, a mention names no person and no alert, an alert's trigger key
    names no article, and a campaign's target index is no person's name index: the same name
    on file and in a campaign had joined the campaign's row to the person's file, and a
    mention had joined the person to a public article (so to their name)."""
    from aegis.alerts.models import Alert
    from aegis.cases.models import Person
    from aegis.monitoring.models import Campaign, Mention

    name = "Maria Lopez"
    case = make_case(team.compartment, team.caseworker, legal_name=name)
    with unlocked(team.caseworker.keychain()):
        campaign = campaigns.create_campaign(
            actor_id=None,
            target_kind="defender",
            target_name=name,
            first_seen=datetime.date(2026, 10, 1),
        )
        article = articles.ingest(
            origin=ArticleOrigin.FEED,
            title="Defender arrested",
            text=f"{STORY} Police arrested {name} on Monday.",
            url="https://news.example.org/a",
            language="en",
        )
    alert = Alert.objects.get()
    assert alert.person == case.person  # it reached the person's contacts
    assert campaign.items.get().article == article  # and the campaign collected the article
    person_index = Person.objects.get(pk=case.person.pk).name_index
    assert person_index and Campaign.objects.get().target_index not in ("", person_index)
    columns = {field.column for field in Mention._meta.concrete_fields}
    assert not any("person" in column or column == "alert_id" for column in columns), columns
    assert Mention.objects.get().article == article
    assert f"news:{article.pk}:" not in alert.trigger_key
