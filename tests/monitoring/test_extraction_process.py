"""The worker and an analyst's paste or upload extract in a short-lived child process
(monitoring/extracting.py): the same proposals as in the process, the model never loaded in
the worker or the web process, and a child that crashes, hangs or answers garbage leaves each
article of its batch without a proposal, the worker going on and the analyst told. The child
starts without Django."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from aegis.monitoring import articles, extracting, polling, sources
from aegis.monitoring.extraction import pipeline
from aegis.monitoring.extraction.data import dataset_dir
from aegis.monitoring.extraction.schema import publish_date, text_field
from aegis.monitoring.extraction.text import html_to_text
from aegis.monitoring.models import Article, Proposal
from aegis.monitoring.vocabulary import SourceKind, SourceStatus
from aegis.vault.keychain import unlocked

from .conftest import STORY, api_client, article_page, rss, sign_in

pytestmark = pytest.mark.django_db
SHIPPED_EXTRACTOR = articles.run_extractor  # before the stand-in replaces it (conftest)


def dev_articles(count: int) -> list[extracting.Item]:
    data = dataset_dir()
    if data is None:
        pytest.skip("HRDsAttack data not found (set AEGIS_HRDSATTACK_DIR)")
    records = json.loads((data / "dev.json").read_text())[:count]
    return [
        (
            text_field(r["sample"], "Input.title"),
            html_to_text(text_field(r["sample"], "Input.article_interface")),
            publish_date(r["sample"]),
            "en",
        )
        for r in records
    ]


def plain(extracted: dict[str, Any]) -> dict[str, Any]:
    """As the proposal keeps it (JSON: tuples become lists), without the names' indexes."""
    kept = json.loads(json.dumps(extracted, ensure_ascii=False, default=str))
    kept.pop("name_indexes", None)
    return kept


def test_the_child_proposes_what_the_worker_itself_would():
    items = dev_articles(4)
    found = extracting.in_child(items)
    assert [plain(f) for f in found] == [plain(SHIPPED_EXTRACTOR(*item)) for item in items]
    assert all(f["model"]["articles"] >= 400 for f in found)


def test_the_worker_reads_a_feed_through_the_child_and_never_loads_the_model(
    web, team, settings, monkeypatch
):
    settings.AEGIS_MONITORING_EXTRACT_IN_CHILD = True
    monkeypatch.setattr(articles, "run_extractor", SHIPPED_EXTRACTOR)  # not the stand-in
    pipeline.default.cache_clear()
    pipeline._from_folder.cache_clear()
    items = dev_articles(3)
    links = [
        web.add(f"/news/{i}", article_page(title, text.replace("\n", " ")))
        for i, (title, text, _published, _language) in enumerate(items)
    ]
    entries = [(item[0], link, "Short") for item, link in zip(items, links)]
    feed = web.add("/feed.xml", rss(entries))
    source = sources.create_source(actor_id=None, name="Dev", kind=SourceKind.FEED, url=feed)

    assert polling.poll(source) == SourceStatus.OK

    # The model's weights were never loaded here: the child read the three articles.
    assert pipeline.default.cache_info().currsize == 0
    assert pipeline._from_folder.cache_info().currsize == 0
    proposals = list(Proposal.objects.select_related("article").order_by("pk"))
    assert len(proposals) == 3
    with unlocked(team.analyst.keychain()):
        for proposal in proposals:
            article = proposal.article
            kept = json.loads(str(proposal.extracted))
            assert kept["model"]["articles"] >= 400
            expected = SHIPPED_EXTRACTOR(str(article.title), str(article.text), article.published)
            assert plain(kept) == plain(expected)
            assert proposal.is_attack == bool(expected["is_attack"])
            assert proposal.confidence == articles.queue_confidence(expected)


CRASHES = "import sys; sys.exit(3)"
HANGS = "import time; time.sleep(30)"


@pytest.mark.parametrize(
    ("program", "logged"),
    [
        (CRASHES, "ended with status 3"),
        (HANGS, "ran past"),
        ("print('not JSON')", "cannot be read"),
        ("print('{\"proposals\": []}')", "cannot be read"),  # one article short
        ("print('{\"proposals\": [1]}')", "cannot be read"),
    ],
)
def test_a_child_that_fails_leaves_each_article_without_a_proposal(
    program, logged, monkeypatch, caplog
):
    monkeypatch.setattr(extracting, "CHILD", [sys.executable, "-c", program])
    monkeypatch.setattr(extracting, "START_SECONDS", 1.0)
    monkeypatch.setattr(extracting, "ARTICLE_SECONDS", 0.0)
    with caplog.at_level(logging.ERROR, logger="aegis.monitoring.extracting"):
        assert extracting.in_child([("Title", "Maria Lopez was arrested", None, "")]) == [{}]
    assert logged in caplog.text
    assert "Maria" not in caplog.text  # no word of the article


def test_one_article_the_extractor_fails_on_is_that_article_s_alone(monkeypatch):
    from aegis.monitoring.extraction import child

    class Failing:
        trained_on, decisions = 400, 0

        def extract(self, title: str, text: str, published: Any, language: str) -> Any:
            if title == "bad":
                raise ValueError(text)
            return object()  # made plain data by asdict, below

    monkeypatch.setattr(pipeline, "in_use", lambda folder=None: Failing())
    monkeypatch.setattr(child.dataclasses, "asdict", lambda found: {"read": True})
    found = child.extract_batch(
        {"folder": None, "articles": [{"title": "bad", "text": "secret"}, {"title": "good"}]}
    )
    assert found == [
        {"error": "ValueError"},
        {"read": True, "model": {"articles": 400, "decisions": 0}},
    ]


@pytest.mark.parametrize("program", [CRASHES, HANGS])
def test_a_failed_child_leaves_the_source_read_and_the_worker_goes_on(
    program, web, team, settings, monkeypatch
):
    settings.AEGIS_MONITORING_EXTRACT_IN_CHILD = True
    monkeypatch.setattr(extracting, "CHILD", [sys.executable, "-c", program])
    monkeypatch.setattr(extracting, "START_SECONDS", 1.0)
    monkeypatch.setattr(extracting, "ARTICLE_SECONDS", 0.0)
    stories = (
        "Soldiers detained the journalist Ana Ruiz in Lima after her report on land seizures.",
        "A court in Nairobi fined the lawyer Peter Otieno for a speech at a workers' rally.",
    )
    links = [web.add(f"/news/{i}", article_page(f"News {i}", s)) for i, s in enumerate(stories)]
    feed = web.add(
        "/feed.xml", rss([(f"Arrest {i}", link, "Short") for i, link in enumerate(links)])
    )
    source = sources.create_source(actor_id=None, name="Feed", kind=SourceKind.FEED, url=feed)

    assert polling.poll(source) == SourceStatus.OK

    # Both articles kept, each with the empty proposal its page says was not read.
    proposals = Proposal.objects.all()
    assert proposals.count() == 2
    with unlocked(team.analyst.keychain()):
        assert all(json.loads(str(p.extracted)) == {} for p in proposals)
    assert not any(p.is_attack for p in proposals)
    # And the next source is read with a child that works.
    monkeypatch.setattr(
        extracting,
        "CHILD",
        [
            sys.executable,
            "-c",
            'print(\'{"proposals": [{"is_attack": true, "confidence": 0.9}]}\')',
        ],
    )
    page = web.add("/page", article_page("Another arrest"))
    other = sources.create_source(actor_id=None, name="Page", kind=SourceKind.PAGE, url=page)
    assert polling.poll(other) == SourceStatus.OK
    assert Proposal.objects.get(article__source=other).is_attack


def test_the_child_reads_an_article_in_the_language_its_source_gives():
    """The worker's batch carries each article's language (its source's or its page's) to
    the child, as ingest gives it to the extractor in the process."""
    from tests.monitoring.test_languages import ARABIC, SPANISH

    items = [
        (SPANISH[0], html_to_text(SPANISH[1]), SPANISH[2], "es"),
        (ARABIC[0], html_to_text(ARABIC[1]), ARABIC[2], "ar"),
    ]
    found = extracting.in_child(items)
    assert [plain(f) for f in found] == [plain(SHIPPED_EXTRACTOR(*item)) for item in items]
    assert [f["country"]["value"] for f in found] == ["Mexico", "Iraq"]


def _read_here(*args: Any) -> dict[str, Any]:
    raise AssertionError("the article was read in the web process")


def test_an_analyst_s_paste_and_upload_are_read_by_the_child_outside_the_transaction(
    team, settings, monkeypatch
):
    """The web process never loads the model: the child reads the article, in the same
    request, before the transaction that keeps it (SQLite's write lock is not held by the
    child's start), and the proposal is the one the extractor gives."""
    settings.AEGIS_MONITORING_EXTRACT_IN_CHILD = True
    monkeypatch.setattr(articles, "run_extractor", _read_here)
    pipeline.default.cache_clear()
    pipeline._from_folder.cache_clear()
    outside = list(connection.savepoint_ids)  # the test's own transaction, no ingest's
    during: list[list[str]] = []
    real_in_child = extracting.in_child

    def in_child(items: list[extracting.Item]) -> list[dict[str, Any]]:
        during.append(list(connection.savepoint_ids))
        return real_in_child(items)

    monkeypatch.setattr(extracting, "in_child", in_child)
    (pasted_title, pasted_text, _, _), (sent_title, sent_text, _, _) = dev_articles(2)
    client = sign_in(Client(), team.analyst)
    pasted = client.post(
        reverse("monitoring:paste"), {"title": pasted_title, "url": "", "text": pasted_text}
    )
    sent = SimpleUploadedFile("report.txt", sent_text.encode(), content_type="text/plain")
    uploaded = client.post(reverse("monitoring:upload"), {"file": sent, "title": sent_title})

    assert pasted.status_code == uploaded.status_code == 302
    assert during == [outside, outside]
    # The model's weights were never loaded here.
    assert pipeline.default.cache_info().currsize == 0
    assert pipeline._from_folder.cache_info().currsize == 0
    page = client.get(uploaded.url).content.decode()
    assert "The article is kept and proposed." in page
    proposals = list(Proposal.objects.select_related("article").order_by("pk"))
    assert [p.article.origin for p in proposals] == ["pasted", "upload"]
    with unlocked(team.analyst.keychain()):
        for proposal, (title, text) in zip(
            proposals, [(pasted_title, pasted_text), (sent_title, sent_text)]
        ):
            kept = json.loads(str(proposal.extracted))
            assert kept["model"]["articles"] >= 400
            expected = SHIPPED_EXTRACTOR(title.strip(), text.strip(), None, "en")
            assert plain(kept) == plain(expected)
            assert proposal.is_attack == bool(expected["is_attack"])


@pytest.mark.parametrize(
    "program", [CRASHES, HANGS, "print('not JSON')", "print('{\"proposals\": []}')"]
)
def test_a_child_that_fails_on_a_paste_keeps_the_article_unread_and_says_so(
    program, team, settings, monkeypatch
):
    settings.AEGIS_MONITORING_EXTRACT_IN_CHILD = True
    monkeypatch.setattr(articles, "run_extractor", _read_here)
    monkeypatch.setattr(extracting, "CHILD", [sys.executable, "-c", program])
    monkeypatch.setattr(extracting, "START_SECONDS", 1.0)
    monkeypatch.setattr(extracting, "ARTICLE_SECONDS", 0.0)
    client = sign_in(Client(), team.analyst)
    response = client.post(
        reverse("monitoring:paste"),
        {"title": "Arrest in Bogota", "url": "", "text": STORY},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "the extractor could not read it" in page
    assert "The article is kept and proposed." not in page
    assert "The extractor could not read this article" in page  # the proposal's own page
    proposal = Proposal.objects.select_related("article").get()
    assert proposal.article.origin == "pasted" and not proposal.is_attack
    with unlocked(team.analyst.keychain()):
        assert json.loads(str(proposal.extracted)) == {}
    # Uploaded, the same.
    other = b"Soldiers detained the journalist Ana Ruiz in Lima after her report on land seizures."
    sent = SimpleUploadedFile("report.txt", other, "text/plain")
    uploaded = client.post(reverse("monitoring:upload"), {"file": sent}, follow=True)
    assert "the extractor could not read it" in uploaded.content.decode()
    assert Article.objects.count() == Proposal.objects.count() == 2


@pytest.mark.parametrize("program", [CRASHES, "print('not JSON')"])
def test_a_child_that_fails_on_an_article_sent_to_the_api_says_it_is_unread(
    program, team, settings, monkeypatch
):
    """The API says what the page says: the article is kept, its proposal empty, and the
    incident is to be filled in by hand; a 201 with an empty proposal had not said so."""
    settings.AEGIS_MONITORING_EXTRACT_IN_CHILD = True
    monkeypatch.setattr(articles, "run_extractor", _read_here)
    monkeypatch.setattr(extracting, "CHILD", [sys.executable, "-c", program])
    monkeypatch.setattr(extracting, "START_SECONDS", 1.0)
    monkeypatch.setattr(extracting, "ARTICLE_SECONDS", 0.0)
    api = api_client(team.analyst)
    added = api.post(
        "/api/v1/monitoring/articles",
        {"title": "Arrest in Bogota", "text": STORY},
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    body = added.json()
    assert body["reading"] == "unread"
    assert "the extractor could not read it" in body["detail"]
    assert "Fill in the incident by hand." in body["detail"]
    proposal = Proposal.objects.select_related("article").get()
    assert body["id"] == proposal.pk and not proposal.is_attack
    with unlocked(team.analyst.keychain()):
        assert json.loads(str(proposal.extracted)) == {}
    # In the caller's language, as the page would say it.
    other = "Soldiers detained the journalist Ana Ruiz in Lima after her report on land seizures."
    in_spanish = api.post(
        "/api/v1/monitoring/articles",
        {"title": "Detención en Lima", "text": other},
        content_type="application/json",
        headers={"accept-language": "es"},
    )
    assert in_spanish.status_code == 201 and in_spanish.json()["reading"] == "unread"
    assert "el extractor no pudo leerlo" in in_spanish.json()["detail"]
    # The schema documents both states.
    schema = api.get("/api/v1/openapi.json").json()["components"]["schemas"]["PastedOut"]
    assert schema["properties"]["reading"]["enum"] == ["read", "unread"]
    assert "unread" in schema["properties"]["reading"]["description"]


def test_an_article_the_extractor_reads_through_the_api_says_it_is_proposed(team):
    added = api_client(team.analyst).post(
        "/api/v1/monitoring/articles",
        {"title": "Arrest in Bogota", "text": STORY},
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    assert added.json()["reading"] == "read"
    assert added.json()["detail"] == "The article is kept and proposed."


def test_the_extractor_starts_without_django():
    """The child imports the extraction package alone: Django's imports had been half its
    start. The labels' mapping to Aegis's vocabularies (labels.py) is read by the web side."""
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, json; import aegis.monitoring.extraction.child; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))",
        ],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert json.loads(found.stdout) == []
