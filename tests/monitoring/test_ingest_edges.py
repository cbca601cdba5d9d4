"""Articles as the web sends them: one entry that fails never stops the feed, pages in the
charset they declare (or Windows-1252, unsaid), texts with no word are no story to match,
and the control characters a feed or a PDF font carries are not kept."""

from __future__ import annotations

import datetime
import io

import feedparser
import pytest

from aegis.files.uploads import UploadRejected
from aegis.monitoring import articles, manual, polling, sources, texts
from aegis.monitoring.models import Article
from aegis.monitoring.vocabulary import ArticleOrigin, SourceKind, SourceStatus
from aegis.vault.keychain import unlocked

from .conftest import STORY, article_page, rss

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loopback_allowed(settings) -> None:
    settings.AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES = True


def _read(source):
    polling.poll(source)
    source.refresh_from_db()
    return source.status, source.status_detail


def test_an_entry_that_fails_does_not_stop_the_entries_after_it(web, team, monkeypatch):
    kept = articles.ingest

    def ingest(**fields):
        if fields["title"] == "Broken":
            raise RuntimeError("a surprise")
        return kept(**fields)

    monkeypatch.setattr(articles, "ingest", ingest)
    items = [
        ("Broken", web.add("/one", article_page("Broken")), "x"),
        ("Defender arrested", web.add("/two", article_page("Defender arrested")), "y"),
    ]
    feed = sources.create_source(
        actor_id=None, name="Feed", kind=SourceKind.FEED, url=web.add("/feed.xml", rss(items))
    )
    assert _read(feed) == (SourceStatus.OK, "1 not kept")
    assert Article.objects.count() == 1 and feed.articles_found == 1


def test_a_malformed_feed_counts_the_articles_it_gave(web, team):
    items = [("Defender arrested", web.add("/a", article_page("Defender arrested")), "y")]
    broken = rss(items).replace("</channel></rss>", "<oops></channel></rss>")
    feed = sources.create_source(
        actor_id=None, name="Feed", kind=SourceKind.FEED, url=web.add("/feed.xml", broken)
    )
    status, detail = _read(feed)
    assert status == SourceStatus.MALFORMED and detail.endswith("1 new")
    assert feed.articles_found == 1


def test_a_web_page_given_as_a_feed_says_it_is_no_feed(web, team):
    """Its <title> had made it "Read", with nothing found at every poll. An empty feed is
    still read."""
    from aegis.monitoring.vocabulary import detail_words

    page = sources.create_source(
        actor_id=None,
        name="Page",
        kind=SourceKind.FEED,
        url=web.add("/news", "<html><head><title>News</title></head><body><p>Hi</p></body></html>"),
    )
    status, detail = _read(page)
    assert status == SourceStatus.MALFORMED
    assert detail_words(detail) == "a web page, not an RSS or Atom feed"
    # A page as written by hand is seldom well-formed XML: it had been "malformed" alone.
    loose = sources.create_source(
        actor_id=None,
        name="Loose page",
        kind=SourceKind.FEED,
        url=web.add(
            "/loose.html",
            "<!doctype html><html><head><meta charset=utf-8><title>News</title>"
            "<body><p>One<br>two &nbsp; <img src=x></p>",
        ),
    )
    status, detail = _read(loose)
    assert status == SourceStatus.MALFORMED
    assert detail_words(detail) == "a web page, not an RSS or Atom feed"
    empty = sources.create_source(
        actor_id=None, name="Empty", kind=SourceKind.FEED, url=web.add("/empty.xml", rss([]))
    )
    assert _read(empty)[0] == SourceStatus.OK


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            article_page("Arrest in Bogotá", STORY + " Bogotá").encode("latin-1"),
            "text/html; charset=ISO-8859-1",
        ),
        (
            article_page("Arrest in Bogotá", STORY + " Bogotá")
            .replace("<head>", '<head><meta charset="iso-8859-1">')
            .encode("latin-1"),
            "text/html",
        ),
        (article_page("Arrest in Bogotá", STORY + " Bogotá").encode("cp1252"), "text/html"),
    ],
    ids=["header", "meta", "undeclared"],
)
def test_a_page_is_read_in_its_own_charset(web, team, body, content_type):
    page = sources.create_source(
        actor_id=None,
        name="Page",
        kind=SourceKind.PAGE,
        url=web.add("/p", body, content_type=content_type),
    )
    assert _read(page)[0] == SourceStatus.OK
    with unlocked(team.analyst.keychain()):
        assert "Bogotá" in Article.objects.get().text


def test_texts_with_no_word_are_no_story_to_match(team):
    with unlocked(team.analyst.keychain()):
        first = articles.ingest(origin=ArticleOrigin.PASTED, title="🔥🔥🔥", text="")
        second = articles.ingest(
            origin=ArticleOrigin.PASTED, title="!!!", text="???", url="https://x.org/2"
        )
    assert first is not None and second is not None and second.duplicate_of is None


def test_feed_text_holds_no_control_characters():
    # feedparser turns "&#0;" in a summary into a NUL byte, which a pasted text may not hold.
    entry = feedparser.parse(rss([("A&#0;B", "http://x.org/1", "held&#7;here")])).entries[0]
    assert texts.strip_html(entry.title) == "A B"
    assert texts.strip_html(entry.summary) == "held here"


def test_a_text_file_utf8_at_first_and_latin1_later_is_refused(team):
    data = ("Police arrested a defender. " * 400).encode() + "Bogotá".encode("latin-1")
    with unlocked(team.analyst.keychain()), pytest.raises(UploadRejected, match="UTF-8"):
        manual.add_upload(actor_id=None, source=io.BytesIO(data), name="r.txt")
    assert not Article.objects.exists()


def test_a_feed_date_that_cannot_be_a_publication_date_is_left_out(web, team):
    days = ("Mon, 20 Nov 2099 10:00:00 GMT", "Mon, 01 Jan 1800 10:00:00 GMT", "")
    for number, day in enumerate(days):
        item = rss([("Defender arrested", f"{web.base}/story/{number}", "Police held her")])
        url = web.add(
            f"/f{number}.xml",
            item.replace("Fri, 20 Nov 2026 10:00:00 GMT", day or "Fri, 20 Nov 2026 10:00:00 GMT"),
        )
        feed = sources.create_source(
            actor_id=None, name=f"F{number}", kind=SourceKind.FEED, url=url
        )
        _read(feed)
    published = [a.published for a in Article.objects.order_by("pk")]
    assert published == [None, None, datetime.date(2026, 11, 20)]


def test_a_language_is_recognised_by_several_of_its_common_words_not_one():
    """A Kinyarwanda page's many "y'" (read as Spanish "y") had made it Spanish, so it was
    kept and proposed instead of "Unknown language"."""
    kinyarwanda = (
        "Umuvugizi w'uburenganzira bwa muntu yafashwe na polisi i Kigali nyuma y'imyigaragambyo "
        "y'amahoro. Umunyamategeko we yavuze ko yafunzwe nta rupapuro rwo kumufata. "
    ) * 4
    assert texts.language_of(kinyarwanda) == ""
    spanish = "La policía detuvo al periodista en Bogotá, según su abogado."
    assert texts.language_of(spanish) == "es"  # "según" counted, as "segun"
    assert texts.language_of("Le journaliste a été arrêté par la police dans la nuit.") == "fr"
    assert texts.language_of("Police arrested the journalist on Monday, his lawyer said.") == "en"
