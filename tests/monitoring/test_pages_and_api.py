"""Sources, pasted and uploaded articles through the pages and the API; the worker's task
chain."""

from __future__ import annotations

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from aegis.monitoring import articles, tasks
from aegis.monitoring.models import Article, Proposal, Source
from aegis.monitoring.vocabulary import ArticleOrigin
from aegis.vault.keychain import unlocked

from .conftest import STORY, api_client, article_page, rss, sign_in

pytestmark = pytest.mark.django_db

SOURCE = {
    "name": "Local news",
    "kind": "feed",
    "url": "https://news.example.org/feed.xml",
    "language": "",
    "country": "CO",
    "region": "",
    "reliability": "B",
    "interval_minutes": "30",
    "is_active": "on",
}


def test_adding_a_source_fetches_nothing_on_the_page(team, web):
    client = sign_in(Client(), team.analyst)
    response = client.post(reverse("monitoring:sources"), {**SOURCE, "url": web.base + "/f.xml"})
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.status == "new" and web.requests == []  # the worker reads it, not the page
    page = client.get(reverse("monitoring:sources"))
    assert "Local news" in page.content.decode() and "Not read yet" in page.content.decode()
    detail = client.get(reverse("monitoring:source", kwargs={"source_id": source.pk}))
    assert detail.status_code == 200
    poll = client.post(reverse("monitoring:source-poll", kwargs={"source_id": source.pk}))
    assert poll.status_code == 302 and web.requests == []


def test_a_bad_source_is_shown_on_its_input(team):
    client = sign_in(Client(), team.analyst)
    response = client.post(reverse("monitoring:sources"), {**SOURCE, "url": "gopher://x"})
    assert response.status_code == 200 and not Source.objects.exists()
    assert "starting with https:// or http://" in response.content.decode()  # both are taken


def test_the_worker_task_reads_a_due_source_and_schedules_the_next(team, web):
    link = web.add("/story", article_page("Defender arrested"))
    url = web.add("/feed.xml", rss([("Arrest", link, "")]))
    client = sign_in(Client(), team.analyst)
    client.post(reverse("monitoring:sources"), {**SOURCE, "url": url})
    source = Source.objects.get()
    assert tasks.poll_source.call(source.pk) == "ok"
    assert Proposal.objects.count() == 1
    assert tasks.poll_source.call(source.pk) == ""  # not due again yet


def test_pasting_an_article(team):
    client = sign_in(Client(), team.analyst)
    response = client.post(
        reverse("monitoring:paste"),
        {"title": "Arrest in Bogota", "url": "", "published": "2026-11-20", "text": STORY},
    )
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.origin == "pasted" and article.language == "en"
    assert client.get(response.url).status_code == 200
    empty = client.post(reverse("monitoring:paste"), {"title": "T", "text": "too short"})
    assert empty.status_code == 200 and Article.objects.count() == 1


def test_uploading_a_text_file(team):
    client = sign_in(Client(), team.analyst)
    sent = SimpleUploadedFile("report.txt", STORY.encode(), content_type="text/plain")
    response = client.post(reverse("monitoring:upload"), {"file": sent, "title": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    with unlocked(team.analyst.keychain()):
        assert article.title == "report" and "Maria Lopez" in article.text
    image = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"0" * 50, content_type="image/png")
    refused = client.post(reverse("monitoring:upload"), {"file": image})
    assert refused.status_code == 200 and Article.objects.count() == 1


def test_the_paste_and_upload_forms_label_their_own_fields(team):
    """One page holds both forms, with fields of the same names: each label names its own
    form's field, and no id is used twice."""
    client = sign_in(Client(), team.analyst)
    for name in ("monitoring:paste", "monitoring:upload"):
        page = client.get(reverse(name)).content.decode()
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
        for field in ("title", "url", "published"):
            assert f'for="id_{field}"' in page and f'for="id_upload_{field}"' in page
            assert f'id="id_upload_{field}"' in page


def test_the_api(team):
    api = api_client(team.analyst)
    made = api.post(
        "/api/v1/monitoring/sources",
        {"name": "Feed", "kind": "feed", "url": "https://news.example.org/rss"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    bad = api.post(
        "/api/v1/monitoring/sources",
        {"name": "Feed", "kind": "feed", "url": "nope"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["field"] == "url"
    listed = api.get("/api/v1/monitoring/sources").json()
    assert listed["count"] == 1 and listed["items"][0]["status"] == "new"

    added = api.post(
        "/api/v1/monitoring/articles",
        {"title": "Arrest", "text": STORY},
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    proposal_id = added.json()["id"]
    again = api.post(
        "/api/v1/monitoring/articles",
        {"title": "Arrest again", "text": STORY},
        content_type="application/json",
    )
    assert again.status_code == 200  # the same story: kept as a duplicate
    in_spanish = api.post(
        "/api/v1/monitoring/articles",
        {"title": "Arrest, third", "text": STORY},
        content_type="application/json",
        headers={"accept-language": "es"},
    )
    assert in_spanish.status_code == 200
    assert in_spanish.json()["detail"].startswith("El artículo está guardado"), in_spanish.json()
    assert api.get("/api/v1/monitoring/proposals").json()["count"] == 1
    one = api.get(f"/api/v1/monitoring/proposals/{proposal_id}").json()
    assert one["title"] == "Arrest" and "violation_types" in one["draft"]
    rejected = api.post(
        f"/api/v1/monitoring/proposals/{proposal_id}/reject",
        {"reason": "out_of_scope"},
        content_type="application/json",
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert api.get("/api/v1/monitoring/proposals/999999").status_code == 404
    caseworker = api_client(team.caseworker)
    assert caseworker.get("/api/v1/monitoring/proposals").status_code == 403


def test_a_source_whose_task_chain_was_lost_is_queued_again(team):
    import datetime

    from django_tasks_db.models import DBTaskResult

    from aegis import clock
    from aegis.monitoring import sources

    source = sources.create_source(
        actor_id=None, name="Feed", kind="feed", url="https://news.example.org/feed"
    )
    DBTaskResult.objects.all().delete()
    Source.objects.filter(pk=source.pk).update(
        next_poll_at=clock.now() - datetime.timedelta(hours=3)
    )
    sign_in(Client(), team.analyst).get(reverse("monitoring:sources"))
    assert DBTaskResult.objects.filter(task_path__endswith="poll_source").count() == 1


@pytest.mark.parametrize(
    ("model", "said"),
    [
        (
            {"articles": 400, "decisions": 0},
            "Proposed by the extractor shipped with Aegis, which learnt from 400 annotated news "
            "articles. It has not learnt from this organisation's decisions yet.",
        ),
        (
            {"articles": 400, "decisions": 1},
            "learnt from 400 annotated news articles and 1 decision of its analysts.",
        ),
        (
            {"articles": 300, "decisions": 12},
            "learnt from 300 annotated news articles and 12 decisions of its analysts.",
        ),
        (None, "The extractor could not read this article, so nothing was proposed from it"),
    ],
)
def test_a_proposal_says_which_extractor_made_it(team, monkeypatch, model, said):
    from aegis.monitoring import articles

    from .conftest import fake_extraction

    def extraction(*args):
        return {} if model is None else {**fake_extraction(*args), "model": model}

    monkeypatch.setattr(articles, "run_extractor", extraction)
    client = sign_in(Client(), team.analyst)
    pasted = client.post(
        reverse("monitoring:paste"),
        {"title": "Arrest in Bogota", "url": "", "published": "2026-11-20", "text": STORY},
    )
    page = client.get(pasted.url).content.decode()
    assert said in page
    assert page.count("Proposed by") == (model is not None)


def test_a_source_s_status_is_said_in_words_not_an_exception_s_name(team):
    client = sign_in(Client(), team.analyst)
    client.post(reverse("monitoring:sources"), SOURCE)
    source = Source.objects.get()
    Source.objects.filter(pk=source.pk).update(
        status="unreachable", status_detail="ConnectionError"
    )
    listed = client.get(reverse("monitoring:sources")).content.decode()
    shown = client.get(reverse("monitoring:source", kwargs={"source_id": source.pk})).content
    for page in (listed, shown.decode()):
        assert "Could not connect" in page and "ConnectionError" not in page
    [row] = api_client(team.analyst).get("/api/v1/monitoring/sources").json()["items"]
    assert row["status"] == "unreachable" and row["status_detail"] == ""  # the status says it
    Source.objects.filter(pk=source.pk).update(status="http_error", status_detail="503")
    assert "(the server answered 503)" in client.get(reverse("monitoring:sources")).content.decode()
    [row] = api_client(team.analyst).get("/api/v1/monitoring/sources").json()["items"]
    assert row["status_detail"] == "the server answered 503"


def test_a_source_s_page_links_its_articles_and_offers_no_read_when_paused(team, web):
    link = web.add("/story", article_page("Defender arrested"))
    client = sign_in(Client(), team.analyst)
    client.post(
        reverse("monitoring:sources"),
        {**SOURCE, "url": web.add("/f.xml", rss([("Arrest", link, "")]))},
    )
    source = Source.objects.get()
    assert tasks.poll_source.call(source.pk) == "ok"
    proposal = Proposal.objects.get()
    page = client.get(
        reverse("monitoring:source", kwargs={"source_id": source.pk})
    ).content.decode()
    assert reverse("monitoring:proposal", kwargs={"proposal_id": proposal.pk}) in page
    assert "Read it at the next pass" in page
    Source.objects.filter(pk=source.pk).update(is_active=False)
    paused = client.get(
        reverse("monitoring:source", kwargs={"source_id": source.pk})
    ).content.decode()
    assert "Read it at the next pass" not in paused and "Paused:" in paused


def test_a_source_s_articles_are_paged(team):
    """Every article a source gave can be reached from its page, not the latest 20 alone."""
    from aegis.monitoring.selectors import PAGE_SIZE

    client = sign_in(Client(), team.analyst)
    client.post(reverse("monitoring:sources"), SOURCE)
    source = Source.objects.get()
    with unlocked(team.analyst.keychain()):
        for n in range(PAGE_SIZE + 3):
            articles.ingest(
                origin=ArticleOrigin.FEED,
                source=source,
                title=f"Story number {n:03d}",
                text=f"Report {n:03d}: " + STORY.replace("María", f"Ana{n}"),
                url=f"https://news.example.org/{n}",
                language="en",
            )
    address = reverse("monitoring:source", kwargs={"source_id": source.pk})
    first = client.get(address).content.decode()
    assert f"Story number {PAGE_SIZE + 2:03d}" in first  # the latest read first
    assert "Story number 002" not in first and "Page 1 of 2" in first
    following = re.search(r'href="(\?[^"]*)">Next<', first)
    assert following is not None
    second = client.get(address + html.unescape(following.group(1))).content.decode()
    assert all(f"Story number {n:03d}" in second for n in range(3))
    assert f"Story number {PAGE_SIZE + 2:03d}" not in second


def test_a_rejection_s_note_is_shown_with_its_reason(team):
    client = sign_in(Client(), team.analyst)
    pasted = client.post(
        reverse("monitoring:paste"),
        {"title": "Arrest in Bogota", "url": "", "published": "2026-11-20", "text": STORY},
    )
    proposal = Proposal.objects.get()
    client.post(
        reverse("monitoring:reject", kwargs={"proposal_id": proposal.pk}),
        {"reason": "other", "note": "An advertisement for a law firm"},
    )
    page = client.get(pasted.url).content.decode()
    assert "An advertisement for a law firm" in page
