"""Limits of the monitoring lists and campaigns: a reach past 2**31 is kept (a big integer
on PostgreSQL too) and one past MAX_REACH is refused in plain words; a caseworker sees the
merged articles of their incidents however many wait in other compartments; a busy campaign
loses no item; the API reads one page of proposals; a campaign renamed by someone without
the search key stops matching the old name."""

from __future__ import annotations

import datetime
import html
import logging
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aegis import clock, paging
from aegis.incidents import services as incident_services
from aegis.monitoring import articles, campaigns, keys, selectors
from aegis.monitoring.models import Article, Campaign, CampaignItem, Proposal
from aegis.monitoring.vocabulary import ArticleOrigin, ProposalStatus
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault.keychain import unlocked

from .conftest import STORY, api_client, sign_in

pytestmark = pytest.mark.django_db

CAMPAIGN: dict[str, Any] = {
    "target_kind": "defender",
    "target_name": "Maria Lopez",
    "first_seen": datetime.date(2026, 10, 1),
}
TOO_FAR = "The reach can be at most 10,000,000,000 people."


def _campaign(person: Any, **fields: Any) -> Campaign:
    with unlocked(person.keychain()):
        return campaigns.create_campaign(actor_id=person.user.pk, **{**CAMPAIGN, **fields})


def _campaign_form(**fields: Any) -> dict[str, str]:
    return {
        "target_kind": "defender",
        "target_name": "Maria Lopez",
        "first_seen": "2026-10-01",
        "reach": "0",
        "attribution_confidence": "low",
        "is_active": "on",
        **fields,
    }


# --- Reach ----------------------------------------------------------------------------------


def test_a_reach_past_two_billion_is_kept(team):
    campaign = _campaign(team.analyst, reach=3_000_000_000)
    assert Campaign.objects.get(pk=campaign.pk).reach == 3_000_000_000
    with unlocked(team.analyst.keychain()):
        campaigns.update_campaign(
            campaign, actor_id=None, **{**CAMPAIGN, "reach": campaigns.MAX_REACH}
        )
    assert Campaign.objects.get(pk=campaign.pk).reach == campaigns.MAX_REACH


def test_a_reach_past_the_most_is_refused_in_plain_words(team):
    with pytest.raises(RuleError) as refused:
        _campaign(team.analyst, reach=campaigns.MAX_REACH + 1)
    assert str(refused.value) == TOO_FAR and refused.value.field == "reach"
    assert not Campaign.objects.exists()


def test_the_campaign_form_keeps_a_large_reach_and_refuses_a_larger_one(team):
    client = sign_in(Client(), team.analyst)
    url = reverse("monitoring:campaign-new")
    refused = client.post(url, _campaign_form(reach=str(campaigns.MAX_REACH + 1)))
    assert refused.status_code == 200 and TOO_FAR in refused.content.decode()
    assert not Campaign.objects.exists()
    kept = client.post(url, _campaign_form(reach="3000000000"))
    assert kept.status_code == 302, kept.content.decode()[:2000]
    assert Campaign.objects.get().reach == 3_000_000_000
    page = client.get(kept["Location"])
    assert page.status_code == 200 and "3,000,000,000" in page.content.decode()


# --- Merged articles waiting for their caseworkers ------------------------------------------


def _incident(compartment: Any, person: Any) -> Any:
    with unlocked(person.keychain()):
        return incident_services.create_incident(
            compartment,
            actor_id=person.user.pk,
            title="Arrest of a defender",
            date_start=datetime.date(2026, 11, 17),
            country="CO",
        )


def _proposals(
    analyst: Any,
    n: int,
    *,
    status: str = ProposalStatus.MERGED,
    reference: str = "",
    at: datetime.datetime | None = None,
) -> None:
    """n articles and their proposals (merged into the incident `reference` unless another
    status is given), written in two queries; the later ones the more confident."""
    at = at or clock.now()
    with unlocked(analyst.keychain()):
        key = keys.new_key(keys.ARTICLE_PURPOSE)
        made = Article.objects.bulk_create(
            Article(
                origin=ArticleOrigin.FEED,
                data_key=key,
                url=f"https://news.example.org/{status}/{reference}/{i}",
                title=f"Report {i} on {reference}",
                text=STORY,
                language="en",
                published=datetime.date(2026, 11, 20),
                fetched_at=at,
            )
            for i in range(n)
        )
        Proposal.objects.bulk_create(
            Proposal(
                article=article,
                data_key=key,
                extracted="{}",
                edited="",
                confidence=i / n,
                status=status,
                incident_reference=reference,
                decided_at=None if status == ProposalStatus.PENDING else at,
                created_at=at,
            )
            for i, article in enumerate(made)
        )


def test_a_caseworker_sees_their_merged_article_behind_other_compartments(
    team, make_person, make_compartment
):
    stranger = make_person(Role.CASEWORKER)
    theirs = _incident(make_compartment(stranger), stranger)
    mine = _incident(team.compartment, team.caseworker)
    earlier = clock.now() - datetime.timedelta(days=1)
    _proposals(team.analyst, 201, reference=theirs.reference, at=earlier)  # listed first
    _proposals(team.analyst, 1, reference=mine.reference)
    user = team.caseworker.user

    with unlocked(team.caseworker.keychain()):
        assert selectors.merged_count(user) == (1, False)
        page = selectors.merged_page(user, {})
        waiting = list(page.object_list)
        assert [p.incident_reference for p in waiting] == [mine.reference]
        assert [p.incident_reference for p in page] == [mine.reference]
        assert selectors.merged_proposal(user, waiting[0].pk) == waiting[0]
        outside = Proposal.objects.exclude(pk=waiting[0].pk).first()
        assert outside is not None and selectors.merged_proposal(user, outside.pk) is None

    client = sign_in(Client(), team.caseworker)
    shown = client.get(reverse("monitoring:merged")).content.decode()
    assert mine.reference in shown and theirs.reference not in shown
    assert "No article waits" not in shown
    added = client.post(reverse("monitoring:add-merged", kwargs={"proposal_id": waiting[0].pk}))
    assert added.status_code == 302
    with unlocked(team.caseworker.keychain()):
        assert selectors.merged_count(user) == (0, False)
    with unlocked(stranger.keychain()):
        assert selectors.merged_count(stranger.user) == (201, False)


def test_merged_articles_are_counted_one_by_one(team):
    """Two articles merged into one incident are two lines of the list: the count says 2."""
    mine = _incident(team.compartment, team.caseworker)
    _proposals(team.analyst, 2, reference=mine.reference)
    with unlocked(team.caseworker.keychain()):
        assert selectors.merged_count(team.caseworker.user) == (2, False)
        assert len(selectors.merged_page(team.caseworker.user, {}).object_list) == 2
    with unlocked(team.analyst.keychain()):
        assert selectors.merged_count(team.analyst.user) == (0, False)  # no compartment


def _posts(analyst: Any, campaign: Campaign, n: int, *, per_day: int = 1) -> None:
    """n posts attached to the campaign in one query, "Post 0" seen first (2026-01-01)."""
    first = datetime.date(2026, 1, 1)
    with unlocked(analyst.keychain()):
        CampaignItem.objects.bulk_create(
            CampaignItem(
                campaign=campaign,
                data_key_id=campaign.data_key_id,
                platform="x",
                url="",
                description=f"Post {i}",
                seen_on=first + datetime.timedelta(days=i // per_day),
            )
            for i in range(n)
        )


# --- Long lists page by seeking, not by counting rows ----------------------------------------


def _walk(client: Client, path: str) -> tuple[list[int], list[str], list[int]]:
    """Follow a list's Next links to its end: (proposal ids in the order shown, the links
    followed, each page's query count)."""
    shown: list[int] = []
    links: list[str] = []
    queries: list[int] = []
    address = path
    while address:
        with CaptureQueriesContext(connection) as counted:
            page = client.get(address)
        assert page.status_code == 200
        queries.append(len(counted))
        body = page.content.decode()
        shown += [int(pk) for pk in re.findall(r'href="/monitoring/proposals/(\d+)/"', body)]
        found = re.search(r'<a href="([^"]*)">Next</a>', body)
        address = path + html.unescape(found.group(1)) if found else ""
        links.append(address)
    return shown, links, queries


def test_the_queue_pages_by_seeking_past_the_first_pages(team, monkeypatch):
    """Past the shallow pages the Next link seeks from the last row shown: every waiting
    proposal is listed once, in the queue's order, confidence ties included, and a deep page
    costs the queries the first one does."""
    monkeypatch.setattr(paging, "SHALLOW_PAGES", 1)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    for _ in range(2):  # the same five confidences twice: ties to break by id
        _proposals(team.analyst, 5, status=ProposalStatus.PENDING)
    _proposals(team.analyst, 1, status=ProposalStatus.PENDING)
    _proposals(team.analyst, 4)  # merged: not in the waiting queue
    client = sign_in(Client(), team.analyst)
    client.get(reverse("monitoring:queue"))  # the first visit passes keys on; not counted

    shown, links, queries = _walk(client, reverse("monitoring:queue"))

    waiting = Proposal.objects.filter(status=ProposalStatus.PENDING).order_by("-confidence", "-pk")
    assert shown == [p.pk for p in waiting]
    assert any("after=" in link for link in links)  # sought, not counted, past page 1
    assert len(set(queries)) == 1, queries
    bad = client.get(reverse("monitoring:queue"), {"after": "0.5~x", "page": "9"})
    assert bad.status_code == 200 and "Page 4 of 4" in bad.content.decode()


def test_a_typed_deep_page_of_a_campaign_lists_its_items(team, monkeypatch):
    monkeypatch.setattr(paging, "SHALLOW_PAGES", 1)
    campaign = _campaign(team.analyst)
    _posts(team.analyst, campaign, 60, per_day=2)
    client = sign_in(Client(), team.analyst)
    url = reverse("monitoring:campaign", kwargs={"campaign_id": campaign.pk})
    third = client.get(url, {"page": "3"}).content.decode()
    assert "Page 3 of 3" in third
    assert re.findall(r"Post (\d+)</span>", third) == [str(i) for i in range(9, -1, -1)]
    previous = re.search(r'<a href="([^"]*)">Previous</a>', third)
    assert previous is not None and "before=" in previous.group(1)  # sought from the first row
    second = client.get(url + html.unescape(previous.group(1))).content.decode()
    assert re.findall(r"Post (\d+)</span>", second) == [str(i) for i in range(34, 9, -1)]
    assert "Page 2 of 3" in second


# --- A busy campaign's items ----------------------------------------------------------------


def test_a_busy_campaign_loses_no_item(team):
    campaign = _campaign(team.analyst)
    _posts(team.analyst, campaign, 230)
    with unlocked(team.analyst.keychain()):
        last = selectors.items_page(campaign, {"page": "999"})  # past the end: the last page
        second = selectors.items_page(campaign, {"page": "2"})
        assert last.count == 230
        assert last.number == last.num_pages == 10
        assert [item.description for item in last] == [f"Post {i}" for i in range(4, -1, -1)]
        assert second.object_list[0].description == f"Post {229 - selectors.PAGE_SIZE}"


# --- The API's proposals --------------------------------------------------------------------


def test_the_api_reads_one_page_of_proposals(team):
    _proposals(team.analyst, 3, status=ProposalStatus.PENDING)
    _proposals(team.analyst, 1, status=ProposalStatus.REJECTED)  # another status: not listed
    api = api_client(team.analyst)
    with CaptureQueriesContext(connection) as queries:
        answer = api.get("/api/v1/monitoring/proposals", {"limit": 2, "offset": 1})
    assert answer.status_code == 200
    body = answer.json()
    pending = Proposal.objects.filter(status=ProposalStatus.PENDING)
    expected = list(pending.order_by("-confidence", "-pk"))[1:3]
    assert body["count"] == 3 and len(body["items"]) == 2
    assert [row["id"] for row in body["items"]] == [p.pk for p in expected]
    row = body["items"][0]
    assert row["published"] == "2026-11-20" and row["language"] == "en"
    assert row["source_id"] is None and row["status"] == "pending"
    reads = [q["sql"] for q in queries if 'FROM "monitoring_proposal"' in q["sql"]]
    assert len(reads) == 2  # the count and one page
    assert any("LIMIT 2" in sql for sql in reads), reads


def test_the_api_lists_the_incidents_references_of_decided_proposals(team):
    """The reference is sealed in the proposal's row; the API's list opens the page's rows to
    show it, as before."""
    mine = _incident(team.compartment, team.caseworker)
    _proposals(team.analyst, 2, reference=mine.reference)
    answer = api_client(team.analyst).get("/api/v1/monitoring/proposals", {"status": "merged"})
    assert answer.status_code == 200
    assert [row["incident_reference"] for row in answer.json()["items"]] == [mine.reference] * 2


# --- Renaming without the search key --------------------------------------------------------


def _ingest(person: Any, title: str, text: str, url: str) -> Article:
    with unlocked(person.keychain()):
        made = articles.ingest(
            origin=ArticleOrigin.FEED, title=title, text=text, url=url, language="en"
        )
    assert made is not None
    return made


def _rename(campaign: Campaign, person: Any, name: str) -> Campaign:
    with unlocked(person.keychain()):
        shown = selectors.campaign(campaign.pk)
        assert shown is not None
        return campaigns.update_campaign(
            shown, actor_id=person.user.pk, **{**CAMPAIGN, "target_name": name}
        )


def test_a_rename_without_the_search_key_stops_matching_the_old_name(team, caplog):
    campaign = _campaign(team.caseworker)  # holds the search key: indexed
    old_index = campaign.target_index
    assert old_index

    # Only case, accents and spacing change: the index still fits the name, so it stays.
    assert _rename(campaign, team.analyst, "maría  LÓPEZ").target_index == old_index

    with caplog.at_level(logging.WARNING, logger="aegis.monitoring.campaigns"):
        renamed = _rename(campaign, team.analyst, "Colectivo Tierra")
    assert renamed.target_index == ""
    assert Campaign.objects.get(pk=campaign.pk).target_index == ""
    assert f"campaign {campaign.pk} renamed without the search key" in caplog.text
    assert "Colectivo" not in caplog.text and "Lopez" not in caplog.text  # no name in logs

    # An article naming the old target no longer joins the campaign.
    _ingest(team.caseworker, "Defender arrested", STORY, "https://news.example.org/old")
    assert not CampaignItem.objects.exists()
    page = sign_in(Client(), team.analyst).get(
        reverse("monitoring:campaign", kwargs={"campaign_id": campaign.pk})
    )
    assert "not attached automatically" in page.content.decode()

    # Someone holding the search key saves it again: the new name is matched.
    assert _rename(campaign, team.caseworker, "Colectivo Tierra").target_index
    _ingest(
        team.caseworker,
        "Smears against a collective",
        "Accounts attacked Colectivo Tierra again on Monday after its report on the mine.",
        "https://news.example.org/new",
    )
    assert CampaignItem.objects.get().campaign_id == campaign.pk
