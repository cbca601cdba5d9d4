"""Smear campaigns, and the alert rule: a new article naming a protected person raises an
alert about them, recognised through the blind index only."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from aegis.alerts import policies
from aegis.alerts.models import Alert, AlertRule
from aegis.alerts.vocabulary import RuleTrigger
from aegis.monitoring import articles, campaigns, decisions, tasks
from aegis.monitoring.models import Article, Campaign, CampaignItem, Mention, Proposal
from aegis.monitoring.vocabulary import ArticleOrigin
from aegis.rules import RuleError
from aegis.vault import selectors as vault_selectors
from aegis.vault import service_keys
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked

from .conftest import STORY, api_client, sign_in

pytestmark = pytest.mark.django_db


def _ingest(who, title="Defender arrested", text=STORY, url="https://news.example.org/x"):
    with unlocked(who.keychain()):
        return articles.ingest(
            origin=ArticleOrigin.FEED, title=title, text=text, url=url, language="en"
        )


def _campaign_against(who, name: str) -> Campaign:
    """A smear campaign against `name`, saved by `who` (who holds the search key)."""
    with unlocked(who.keychain()):
        return campaigns.create_campaign(
            actor_id=who.user.pk,
            target_kind="defender",
            target_name=name,
            narratives=["terrorist"],
            platforms=["x"],
            methods=[],
            first_seen=datetime.date(2026, 10, 1),
            reach=100,
            attribution="",
            attribution_confidence="low",
        )


def _mentions_of(who, person):
    """The mentions of this person (kept as a token under the search key, which `who`
    holds)."""
    from aegis.monitoring import mentions

    with unlocked(who.keychain()):
        return [
            m
            for m in Mention.objects.select_related("article")
            if m.story_token == mentions.story_token(m.article, person.pk)
        ]


def test_an_article_naming_a_protected_person_raises_an_alert(team, make_case):
    case = make_case(team.compartment, team.caseworker, legal_name="María López")
    # The worker holds the search key here (in production: the alert service, by ceremony).
    article = _ingest(team.caseworker)

    [mention] = _mentions_of(team.caseworker, case.person)
    assert mention.article == article and Mention.objects.count() == 1
    alert = Alert.objects.get()
    with unlocked(team.caseworker.keychain()):
        from aegis.monitoring import mentions

        assert mentions.article_of_alert(alert) == article
    assert alert.person == case.person and alert.kind == "rule"
    assert alert.rule.trigger == RuleTrigger.NEWS_MENTION  # the console names the rule
    # Read again (a retry): one mention, one alert.
    with unlocked(team.caseworker.keychain()):
        from aegis.monitoring import mentions

        mentions.check(article, {})
    assert Mention.objects.count() == 1 and Alert.objects.count() == 1


ARABIC_STORY = (
    "اعتقلت قوات الأمن المدافعة عن حقوق الإنسان فاطمة الزهراء بن علي صباح الاثنين، "
    "وقالت عائلتها إنها نُقلت إلى مكان مجهول. وطالبت منظمات حقوقية بالإفراج عنها فوراً."
)


def test_a_protected_person_named_in_an_arabic_article_is_recognised(team, make_case):
    """Arabic has no capitals: every short run of words is a candidate, looked up by index."""
    case = make_case(team.compartment, team.caseworker, legal_name="فاطمة الزهراء بن علي")
    make_case(team.compartment, team.caseworker, legal_name="María López")
    _ingest(team.caseworker, title="اعتقال مدافعة عن حقوق الإنسان", text=ARABIC_STORY)
    assert len(_mentions_of(team.caseworker, case.person)) == Mention.objects.count() == 1
    assert Alert.objects.get().person == case.person


def test_a_protected_person_named_at_the_end_of_the_longest_kept_article_is_recognised(
    team, make_case
):
    """The whole kept text is read for names, not a first part of it: a long report that
    names the person only in its last paragraph still raises the alert."""
    from aegis.monitoring import texts

    case = make_case(team.compartment, team.caseworker, legal_name="فاطمة الزهراء بن علي")
    padding = "كتب المراسل تقريرا طويلا عن الوضع في المدينة، ونقل شهادات السكان. "
    last = "اعتقلت الشرطة فاطمة الزهراء بن علي."
    text = (padding * (texts.TEXT_MAX // len(padding)))[: texts.TEXT_MAX - len(last) - 1]
    text = text + " " + last
    assert len(text) <= texts.TEXT_MAX and text.index(last) > texts.TEXT_MAX * 0.99
    _ingest(team.caseworker, title="تقرير", text=text)
    assert len(_mentions_of(team.caseworker, case.person)) == Mention.objects.count() == 1


def test_candidate_names_in_a_script_without_capitals_stop_at_punctuation() -> None:
    from aegis.monitoring import mentions

    found = mentions._uncased_names("قال محمد علي، إن الشرطة")
    assert {"قال محمد", "محمد علي", "قال محمد علي", "إن الشرطة"} <= found
    assert not any("علي إن" in name for name in found)  # the comma ends the run
    assert mentions._uncased_names("Police arrested Ana Pérez in 2021.") == set()


def test_a_switched_off_news_rule_raises_nothing(team, make_case):
    case = make_case(team.compartment, team.caseworker, legal_name="María López")
    policies.set_rule_active(
        AlertRule.objects.get(trigger=RuleTrigger.NEWS_MENTION), False, actor=team.coordinator.user
    )
    _ingest(team.caseworker)
    assert len(_mentions_of(team.caseworker, case.person)) == Mention.objects.count() == 1
    assert not Alert.objects.exists()


def test_without_the_search_key_nobody_is_recognised(team, make_case):
    make_case(team.compartment, team.caseworker, legal_name="Maria Lopez")
    _ingest(team.analyst)  # analysts do not hold the search key, nor does the worker here
    assert not Mention.objects.exists() and not Alert.objects.exists()
    assert not DBTaskResult.objects.filter(task_path__endswith="check_mentions").exists()


def test_an_article_an_analyst_adds_is_checked_by_the_worker(
    team, make_case, django_capture_on_commit_callbacks
):
    case = make_case(team.compartment, team.caseworker, legal_name="María López")
    service = service_keys.service_keypair()
    assert service is not None
    with unlocked(team.caseworker.keychain()):  # the key ceremony gives it the search key
        vault.grant(vault.index_key_id(), service)
    client = sign_in(Client(), team.analyst)
    with django_capture_on_commit_callbacks(execute=True):
        pasted = client.post(
            reverse("monitoring:paste"),
            {"title": "Defender arrested", "url": "", "published": "2026-11-20", "text": STORY},
        )
    assert pasted.status_code == 302
    article = Article.objects.get()
    # Not in the analyst's request (no search key there): the worker's task, queued.
    assert not Mention.objects.exists()
    [queued] = DBTaskResult.objects.filter(task_path__endswith="check_mentions")
    assert queued.args_kwargs["args"] == [article.pk]
    assert vault_selectors.holders_of(article.data_key_id).filter(pk=service.pk).exists()

    assert tasks.check_mentions.call(article.pk) == 1
    [mention] = _mentions_of(team.caseworker, case.person)
    assert mention.article == article and Mention.objects.count() == 1
    assert Alert.objects.get().person == case.person
    # The service holds the article's key no longer; the analysts still do.
    holders = vault_selectors.holders_of(article.data_key_id)
    assert not holders.filter(pk=service.pk).exists()
    assert holders.filter(user=team.analyst.user).exists()


def test_a_check_the_worker_lost_is_done_by_housekeeping(
    team, make_case, django_capture_on_commit_callbacks
):
    """A check_mentions task lost (a worker stopped mid-check, its queue emptied) would leave
    the protected person's mention unseen and the article's key sealed to the alert service
    for good: the worker's housekeeping does the check an hour on and takes the key back; a
    key whose article was deleted meanwhile is taken back too."""
    from django.utils import timezone

    from aegis import clock
    from aegis.monitoring import mentions
    from aegis.retention import worker

    case = make_case(team.compartment, team.caseworker, legal_name="María López")
    service = service_keys.service_keypair()
    assert service is not None
    with unlocked(team.caseworker.keychain()):
        vault.grant(vault.index_key_id(), service)
    client = sign_in(Client(), team.analyst)
    with django_capture_on_commit_callbacks(execute=True):
        for n, url in enumerate(["", "https://news.example.org/gone"]):
            text = STORY if not n else "Farmer Juan Pérez spoke of the harvest in the valley."
            client.post(
                reverse("monitoring:paste"),
                {"title": f"Story {n}", "url": url, "published": "2026-11-20", "text": text},
            )
    kept, gone = Article.objects.order_by("pk")
    DBTaskResult.objects.filter(task_path__endswith="check_mentions").delete()  # lost
    gone_key = gone.data_key_id
    gone.delete()

    def service_holds(key_id):
        return vault_selectors.holders_of(key_id).filter(pk=service.pk).exists()

    assert service_holds(kept.data_key_id) and service_holds(gone_key)
    assert worker.run_rounds()["news checks left"] == 0  # not an hour yet: the task may run
    with clock.frozen(timezone.now() + mentions.CHECK_LEFT_AFTER + datetime.timedelta(minutes=1)):
        assert worker.run_rounds()["news checks left"] == 2
        assert worker.run_rounds()["news checks left"] == 0
    assert len(_mentions_of(team.caseworker, case.person)) == Mention.objects.count() == 1
    assert Alert.objects.get().person == case.person
    assert not service_holds(kept.data_key_id) and not service_holds(gone_key)
    # The task turning up after all finds the check done: no second alert, no error.
    assert tasks.check_mentions.call(kept.pk) is None
    assert Mention.objects.count() == 1 and Alert.objects.count() == 1


def test_the_same_story_from_another_outlet_raises_no_second_alert(team, make_case):
    """A syndicated story (a near duplicate) naming a protected person is the story already
    alerted: its mention is recorded, but the person's contacts are not alerted again, and a
    campaign against them collects the story once."""
    case = make_case(team.compartment, team.caseworker, legal_name="María López")
    _campaign_against(team.caseworker, "María López")
    first = _ingest(team.caseworker)
    copies = [
        _ingest(team.caseworker, text=STORY + " Reported by our correspondent.", url=url)
        for url in ("https://other.example.net/story", "https://third.example.com/a")
    ]
    assert all(copy.duplicate_of == first for copy in copies)
    assert len(_mentions_of(team.caseworker, case.person)) == 3  # each copy recorded
    assert Alert.objects.get().person == case.person  # one alert for the story
    assert CampaignItem.objects.get().article == first


def test_a_news_alert_s_page_says_which_article_named_the_person(
    team, make_case, make_person, make_compartment
):
    """The alert's page names its rule and the article: its headline and source, linked to
    the article, for a reader who holds the search key and the article's; who does, for one
    who does not (a responder of the compartment), with nothing of the article."""
    from aegis.roles import Role

    responder = make_person(Role.RESPONDER)
    compartment = make_compartment(team.caseworker, team.coordinator, responder)
    make_case(compartment, team.caseworker, legal_name="María López")
    _ingest(team.caseworker, title="Defender arrested at dawn")
    alert = Alert.objects.get()
    address = reverse("alerts:detail", kwargs={"alert_id": alert.pk})
    page = sign_in(Client(), team.coordinator).get(address).content.decode()
    assert "A protected person is named in the news" in page  # the rule
    assert "“Defender arrested at dawn”" in page
    assert 'href="https://news.example.org/x"' in page
    answer = sign_in(Client(), responder).get(address)
    assert answer.status_code == 200
    shown = answer.content.decode()
    assert "The case staff, who hold the keys that open it, see which." in shown
    assert "Defender arrested" not in shown


def test_an_unrelated_article_raises_nothing(team, make_case):
    make_case(team.compartment, team.caseworker, legal_name="Someone Else Entirely")
    _ingest(team.caseworker)
    assert not Mention.objects.exists()


def test_two_copies_of_a_story_checked_at_the_same_moment_join_a_campaign_once(team, monkeypatch):
    """The check that the story joined the campaign already reads before it writes: two
    copies checked at the same moment both pass it, and the story's token in the one-time
    token's unique column keeps the second out (it had joined the campaign twice)."""
    from aegis.monitoring import mentions

    campaign = _campaign_against(team.caseworker, "Maria Lopez")
    first = _ingest(team.caseworker)
    assert CampaignItem.objects.get().campaign == campaign
    copy = _ingest(
        team.caseworker,
        text=STORY + " Reported by our correspondent.",
        url="https://b.example.net/s",
    )
    assert copy.duplicate_of == first
    # The other check has not committed yet: its item is not seen by the read.
    monkeypatch.setattr(mentions, "_story_of", lambda article: Q(pk__in=[]))
    with unlocked(team.caseworker.keychain()):
        mentions.check(copy, {})  # the refused insert is no error
    assert CampaignItem.objects.get().article == first


def test_a_campaign_collects_new_articles_naming_its_target(team):
    with unlocked(team.caseworker.keychain()):
        campaign = campaigns.create_campaign(
            actor_id=team.caseworker.user.pk,
            target_kind="defender",
            target_name="Maria Lopez",
            narratives=["foreign_agent", "terrorist"],
            platforms=["x", "telegram"],
            methods=["hashtags"],
            first_seen=datetime.date(2026, 10, 1),
            reach=12000,
            attribution="A ministry's press office",
            attribution_confidence="medium",
        )
    assert campaign.target_index  # the blind index, never the name
    article = _ingest(team.caseworker)
    item = CampaignItem.objects.get()
    assert item.campaign == campaign and item.article == article
    with unlocked(team.caseworker.keychain()):  # read again (a retry): still one item
        from aegis.monitoring import mentions

        mentions.check(article, {})
    assert CampaignItem.objects.count() == 1


def test_bad_campaign_input_is_refused(team):
    base = {
        "target_kind": "defender",
        "target_name": "X Y",
        "first_seen": datetime.date(2026, 10, 1),
    }
    with unlocked(team.analyst.keychain()):
        for bad in (
            {"target_name": ""},
            {"narratives": ["nonsense"]},
            {"first_seen": datetime.date(2999, 1, 1)},
            {"reach": -5},
            {"target_kind": "cat"},
        ):
            with pytest.raises(RuleError):
                campaigns.create_campaign(actor_id=None, **{**base, **bad})
    assert not Campaign.objects.exists()


def test_campaign_pages(team):
    client = sign_in(Client(), team.analyst)
    response = client.post(
        reverse("monitoring:campaign-new"),
        {
            "target_kind": "organisation",
            "target_name": "Colectivo Tierra",
            "narratives": ["criminal"],
            "platforms": ["facebook"],
            "methods": ["doxxing"],
            "first_seen": "2026-09-01",
            "reach": "500",
            "attribution": "",
            "attribution_confidence": "low",
            "notes": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get()
    url = reverse("monitoring:campaign", kwargs={"campaign_id": campaign.pk})
    added = client.post(
        url,
        {
            "platform": "facebook",
            "url": "https://fb.example/post/1",
            "description": "Post",
            "seen_on": "2026-09-02",
        },
    )
    assert added.status_code == 302
    page = client.get(url)
    assert "Colectivo Tierra" in page.content.decode() and "Post" in page.content.decode()
    caseworker = sign_in(Client(), team.caseworker)  # case staff read campaigns as well
    assert caseworker.get(url).status_code == 200
    listing = caseworker.get(reverse("monitoring:campaigns"))
    assert "Colectivo Tierra" in listing.content.decode()


def test_names_with_particles_are_candidates_and_a_run_of_spaces_is_read_once() -> None:
    from types import SimpleNamespace

    from aegis.monitoring import mentions, texts

    def names(text: str) -> set[str]:
        return mentions.candidate_names(SimpleNamespace(title="", text=text), {})

    found = names("Police arrested Ana de la Cruz and Ahmed bin Salman.")
    assert {"Ana de la Cruz", "Ahmed bin Salman"} <= found
    # A capitalised word before the longest run of spaces the web path keeps: once quadratic
    # (minutes), now one pass.
    spaced = "Ana" + " " * (texts.TEXT_MAX - 10) + "Pérez"
    assert names(spaced) == {"Ana Pérez"}


def test_the_analyst_is_offered_the_incidents_of_the_people_a_report_names(
    team, make_case, monkeypatch, django_capture_on_commit_callbacks
):
    from .test_decisions import EXTRACTED, arrest_on_file

    case = make_case(team.compartment, team.caseworker, legal_name="Maria Lopez")
    # Another country and a year before: only the victim's name matches the report.
    incident = arrest_on_file(
        team,
        title="Threats against a defender",
        on=datetime.date(2025, 3, 1),
        country="PE",
        violation="threat",
        victims=[case.person],
    )
    monkeypatch.setattr(articles, "run_extractor", lambda *a: EXTRACTED)  # names Maria Lopez
    article = _ingest(team.caseworker)  # the worker holds the search key here
    with unlocked(team.analyst.keychain()):
        proposal = Proposal.objects.get(article=article)
        assert [i.reference for i in decisions.candidates(proposal)] == [incident.reference]
    page = sign_in(Client(), team.analyst).get(
        reverse("monitoring:proposal", kwargs={"proposal_id": proposal.pk})
    )
    assert incident.reference in page.content.decode()
    assert "Maria Lopez" not in page.content.decode().split("Merge with an incident")[1]
    # An article the analyst pastes: the worker's task indexes its names, then it is offered.
    service = service_keys.service_keypair()
    with unlocked(team.caseworker.keychain()):
        vault.grant(vault.index_key_id(), service)
    with unlocked(team.analyst.keychain()), django_capture_on_commit_callbacks(execute=True):
        pasted = articles.ingest(
            origin=ArticleOrigin.PASTED,
            title="Defender held in Lima",
            text="Police in Lima held a land defender overnight after a march to the ministry. "
            "Her lawyers said she was questioned for hours without counsel and later freed.",
        )
    with unlocked(team.analyst.keychain()):
        assert decisions.candidates(Proposal.objects.get(article=pasted)) == []
    tasks.check_mentions.call(pasted.pk)
    with unlocked(team.analyst.keychain()):
        offered = decisions.candidates(Proposal.objects.get(article=pasted))
        assert [i.reference for i in offered] == [incident.reference]
    # Through the API, the extraction shows no index.
    token_client = api_client(team.analyst)
    shown = token_client.get(f"/api/v1/monitoring/proposals/{proposal.pk}").json()
    assert "name_indexes" not in shown["extracted"] and shown["extracted"]["victims"]


def test_a_campaign_saved_before_its_target_had_a_token_is_matched_then_turned(team):
    """A campaign saved with its target's name index (the person's, on a copy of the disk)
    still collects articles naming the target, until the worker's housekeeping gives it the
    target's token, with the alert service's keys once they hold the search key."""
    from aegis.monitoring import mentions
    from aegis.retention import worker
    from aegis.vault.fields import blind_index

    with unlocked(team.caseworker.keychain()):
        campaign = campaigns.create_campaign(
            actor_id=None,
            target_kind="defender",
            target_name="María López",
            first_seen=datetime.date(2026, 10, 1),
        )
        token = campaign.target_index
        name_index = blind_index("name", "María López")
    assert campaign.target_tokenised and token not in ("", name_index)
    Campaign.objects.filter(pk=campaign.pk).update(target_index=name_index, target_tokenised=False)
    article = _ingest(team.caseworker)
    assert CampaignItem.objects.get().article == article  # still matched by the old index
    assert worker.run_rounds()["campaign targets"] == 0  # the service holds no search key
    service = service_keys.service_keypair()
    with unlocked(team.caseworker.keychain()):  # the key ceremony
        vault.grant(vault.index_key_id(), service)
    assert worker.run_rounds()["campaign targets"] == 1
    turned = Campaign.objects.get()
    assert turned.target_tokenised and turned.target_index == token
    with unlocked(team.caseworker.keychain()):
        assert mentions.target_token(name_index) == token


def test_news_alert_keys_written_before_name_no_article(team, make_case):
    """The upgrade clears the news alerts' trigger keys that named the article by id."""
    import importlib

    from django.apps import apps

    make_case(team.compartment, team.caseworker, legal_name="María López")
    article = _ingest(team.caseworker)
    alert = Alert.objects.get()
    old = f"rule:{alert.rule_id}:news:{article.pk}:person:{alert.person_id}"
    Alert.objects.filter(pk=alert.pk).update(trigger_key=old)
    migration = importlib.import_module("aegis.alerts.migrations.0008_news_keys_without_articles")
    migration.clear_news_keys(apps, None)
    assert Alert.objects.get().trigger_key is None
    older = f"monitoring:article:{article.pk}:person:{alert.person_id}"  # before the news rules
    Alert.objects.filter(pk=alert.pk).update(trigger_key=older)
    migration.clear_news_keys(apps, None)
    assert Alert.objects.get().trigger_key is None
