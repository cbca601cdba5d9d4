"""The rules of reading the web, on loopback servers: every redirect hop meets its host's
robots.txt, rate limit and address check; a robots.txt that errs refuses everything for a
while, one that is missing allows everything, and its Crawl-delay spaces requests; one
overlong feed entry does not stop the others; feed dates are UTC dates; and sources on the
worker's own machine or network are refused unless the setting allows them (tests only)."""

from __future__ import annotations

import datetime
import os
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import feedparser
import pytest
from django.test import override_settings
from django.utils import translation

from aegis.monitoring import fetching, polling, sources, texts, vocabulary
from aegis.monitoring.models import Article, Proposal, Source
from aegis.monitoring.vocabulary import SourceKind, SourceStatus

from .conftest import Web, _handler, article_page, rss

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loopback_allowed(settings) -> None:
    # These tests serve on loopback, which the worker refuses unless told otherwise.
    settings.AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES = True


class Site(Web):
    """A loopback web server (conftest's) whose `moved` paths answer 302 to a Location."""

    moved: dict[str, str]

    def move(self, path: str, location: str) -> str:
        self.moved[path] = location
        return self.base + path


@pytest.fixture
def site(web) -> Iterator[Site]:
    """A second server beside `web` (another port, so another host for robots.txt and the
    rate limit)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    other = Site(f"http://127.0.0.1:{server.server_address[1]}")
    other.moved = {}
    serve = _handler(other)

    class Handler(serve):  # type: ignore[valid-type,misc]
        def do_GET(self) -> None:
            if self.path in other.moved:
                other.requests.append(self.path)
                self.send_response(302)
                self.send_header("Location", other.moved[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            super().do_GET()

    server.RequestHandlerClass = Handler
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield other
    server.shutdown()
    server.server_close()


def add(kind: str, url: str) -> Source:
    return sources.create_source(actor_id=None, name=url[-30:], kind=kind, url=url)


def read(source: Source) -> tuple[str, str]:
    polling.poll(source)
    source.refresh_from_db()
    return source.status, source.status_detail


def test_a_redirect_to_a_path_robots_txt_disallows_is_refused(web, site, team):
    web.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    web.add("/private/page", article_page("Private"))
    # On the same host, by a relative Location; and from another host whose robots.txt
    # allows everything.
    same = add(SourceKind.PAGE, site.move("/old", "/hidden"))
    site.move("/hidden", web.base + "/private/page")
    other = add(SourceKind.PAGE, site.move("/elsewhere", web.base + "/private/page"))

    assert read(same) == (SourceStatus.ROBOTS, "")
    assert read(other) == (SourceStatus.ROBOTS, "")
    assert site.requests.count("/old") == 1 and "/hidden" in site.requests
    assert "/private/page" not in web.requests and "/robots.txt" in web.requests


def test_redirects_are_followed_and_each_hop_waits_its_host_turn(web, site, settings, monkeypatch):
    settings.AEGIS_MONITORING_HOST_INTERVAL = 5
    slept: list[float] = []
    monkeypatch.setattr(fetching.time, "sleep", slept.append)
    page = web.add("/story", "<p>hello</p>")
    start = site.move("/go", page)
    site.add("/page", "<p>on the first host</p>")

    fetched = fetching.fetch(start)
    assert fetched.url == page and fetched.body == b"<p>hello</p>"
    assert "/robots.txt" in web.requests and "/robots.txt" in site.requests
    assert len(slept) == 2  # each page request after its host's robots.txt; no sleep else

    fetching.fetch(site.base + "/page")  # the first host again: 5 s after its last request
    assert len(slept) == 3 and slept[-1] > 4


def test_too_many_redirects_is_an_error(web, site, team):
    loop = add(SourceKind.PAGE, site.move("/loop", "/loop"))
    assert read(loop) == (SourceStatus.HTTP_ERROR, "too many redirects")
    assert site.requests.count("/loop") == fetching.MAX_REDIRECTS + 1


def test_a_robots_txt_that_errs_refuses_everything_for_a_short_while(web, team, monkeypatch):
    web.add("/robots.txt", "down", status=503, content_type="text/plain")
    page = add(SourceKind.PAGE, web.add("/page", article_page("Defender arrested")))

    assert read(page) == (SourceStatus.ROBOTS, "robots.txt 503")
    assert "/page" not in web.requests
    assert read(page)[0] == SourceStatus.ROBOTS
    assert web.requests.count("/robots.txt") == 1  # remembered, not asked at each request

    # Once the short while is over, a robots.txt that is back lets the source be read.
    monkeypatch.setattr(fetching, "ROBOTS_RETRY_TTL", 0.0)
    fetching.forget_hosts()
    read(page)
    del web.pages["/robots.txt"]  # 404 now
    assert read(page) == (SourceStatus.OK, "")
    assert Article.objects.count() == 1


def test_a_missing_robots_txt_allows_everything_and_a_slow_one_refuses(web, team):
    page = add(SourceKind.PAGE, web.add("/page", article_page("Defender arrested")))
    assert read(page) == (SourceStatus.OK, "")
    assert web.requests[:2] == ["/robots.txt", "/page"]  # robots.txt answered 404

    fetching.forget_hosts()
    web.add("/robots.txt", "User-agent: *\nAllow: /\n", delay=3)  # past the 1 s timeout
    other = add(SourceKind.PAGE, web.add("/other", article_page("Another")))
    assert read(other)[0] == SourceStatus.TIMEOUT
    assert "/other" not in web.requests


def test_a_robots_txt_too_large_to_read_is_said_to_be_the_robots_txt(web, team, settings):
    settings.AEGIS_MONITORING_MAX_BYTES = 4000
    web.add("/robots.txt", "# " + "x" * 5000 + "\n", content_type="text/plain")
    page = add(SourceKind.PAGE, web.add("/page", article_page("Defender arrested")))
    assert read(page) == (SourceStatus.HTTP_ERROR, "robots.txt too large")
    assert web.requests == ["/robots.txt"]


def test_the_hosts_remembered_are_pruned_of_the_lapsed(web, monkeypatch):
    monkeypatch.setattr(fetching, "KNOWN_HOSTS", 3)
    for n in range(3):
        fetching._robots[f"http://lapsed{n}.example"] = fetching._Rules(expires=0.0)
    fetching._robots["http://fresh.example"] = fetching._Rules(expires=time.monotonic() + 99)
    web.add("/page", article_page("Defender arrested"))
    fetching.fetch(web.base + "/page")
    assert set(fetching._robots) == {"http://fresh.example", web.base}


def test_crawl_delay_spaces_requests_up_to_a_minute(web, settings, monkeypatch):
    settings.AEGIS_MONITORING_HOST_INTERVAL = 1
    slept: list[float] = []
    monkeypatch.setattr(fetching.time, "sleep", slept.append)
    web.add("/robots.txt", "User-agent: *\nCrawl-delay: 7\n", content_type="text/plain")
    url = web.add("/page", "<p>hello</p>")
    fetching.fetch(url)
    fetching.fetch(url)
    # sleep() is a stand-in: each request is booked 7 s after the last (robots.txt's own
    # request keeps the configured second: its Crawl-delay is not known yet).
    assert len(slept) == 2 and 6 < slept[0] <= 7 and 13 < slept[1] <= 14

    fetching.forget_hosts()
    slept.clear()
    web.add("/robots.txt", "User-agent: *\nCrawl-delay: 3600\n", content_type="text/plain")
    fetching.fetch(url)
    assert slept and max(slept) <= fetching.MAX_CRAWL_DELAY


def test_an_overlong_feed_entry_is_skipped_and_the_rest_is_read(web, team):
    overlong = "word " * (texts.TEXT_MAX // 5 + 10)
    # The entry too long to keep, then one whose page is too long (its summary is kept
    # instead), then a normal one.
    archive = web.add("/archive", article_page("Archive", "An arrest was reported. " * 9000))
    story = web.add("/story", article_page("Defender arrested in Bogota"))
    items = [
        ("Overlong", web.base + "/overlong", overlong),
        ("Arrest archive", archive, "Police arrested a defender, the archive says"),
        ("Defender arrested", story, "Short"),
    ]
    feed = add(SourceKind.FEED, web.add("/feed.xml", rss(items)))

    # The archive's summary is kept, and said to be the summary only (its page too large).
    assert read(feed) == (SourceStatus.OK, "1 summary only")
    assert Article.objects.filter(page_detail="too long").count() == 1
    assert "/overlong" not in web.requests  # skipped before its page was fetched
    assert Article.objects.count() == 2 and Proposal.objects.count() == 2
    feed.refresh_from_db()
    assert feed.articles_found == 2
    assert read(feed) == (SourceStatus.OK, "")  # and it does not block later polls either
    assert Article.objects.count() == 2


def test_a_page_source_too_long_to_keep_says_so(web, team):
    page = add(SourceKind.PAGE, web.add("/long", article_page("Long", "An arrest. " * 20000)))
    assert read(page) == (SourceStatus.HTTP_ERROR, "too long")


def test_feed_dates_are_utc_dates_whatever_the_machine_zone():
    feed = feedparser.parse(
        rss([("Item", "http://example.org/1", "Text")]).replace(
            "Fri, 20 Nov 2026 10:00:00 GMT", "Fri, 30 Dec 2011 10:00:00 GMT"
        )
    )
    before = os.environ.get("TZ")
    # Samoa skipped 30 December 2011: time.mktime read the UTC date as local and lost a day.
    os.environ["TZ"] = "Pacific/Apia"
    time.tzset()
    try:
        assert polling._entry_date(feed.entries[0]) == datetime.date(2011, 12, 30)
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def added_while_allowed(kind: str, url: str) -> Source:
    """A source a refusal when it is added would now stop (an address written out as local):
    one added while AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES was on, which the worker still
    refuses to read once it is off."""
    with override_settings(AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES=True):
        return add(kind, url)


def test_sources_on_the_workers_own_network_are_refused(web, site, team, settings):
    settings.AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES = False
    refused = (SourceStatus.UNREACHABLE, "not a public address")
    on_loopback = added_while_allowed(
        SourceKind.PAGE, web.add("/page", article_page("Defender arrested"))
    )
    by_name = added_while_allowed(
        SourceKind.PAGE, web.base.replace("127.0.0.1", "localhost") + "/page"
    )
    metadata = added_while_allowed(SourceKind.PAGE, "http://169.254.169.254/latest/meta-data/")
    assert read(on_loopback) == refused
    assert read(by_name) == refused
    assert read(metadata) == refused
    assert web.requests == []

    # Through a proxy, names are left to the proxy (no look-up leaves the machine), but an
    # address written out is still refused, at any hop, before anything is sent for it.
    settings.AEGIS_MONITORING_PROXY = site.base  # the loopback server stands in for a proxy
    fetching.forget_hosts()
    assert read(metadata) == refused
    site.move("http://news.invalid/go", metadata.url)  # what the proxy is asked for
    inward = add(SourceKind.PAGE, "http://news.invalid/go")
    assert read(inward) == refused
    assert site.requests == ["http://news.invalid/robots.txt", "http://news.invalid/go"]
    # Loopback written as a resolver also reads it: the proxy would connect to it.
    for written in ("127.1", "2130706433", "0x7f000001", "0177.0.0.1"):
        assert read(added_while_allowed(SourceKind.PAGE, f"http://{written}/page")) == refused, (
            written
        )
    # So is a name local by its form: an HTTP proxy (not Tor) would reach its own network.
    for name in ("localhost", "intranet", "printer.local", "admin.internal", "Router.LAN."):
        assert read(added_while_allowed(SourceKind.PAGE, f"http://{name}/page")) == refused, name
    assert site.requests == ["http://news.invalid/robots.txt", "http://news.invalid/go"]


def test_an_address_written_as_local_is_refused_when_the_source_is_added(team, settings):
    """Said when it is added (it had been taken, then found "unreachable" at its poll); a
    name is looked up only by the worker, through the proxy where there is one."""
    from aegis.rules import RuleError

    settings.AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES = False
    for written in (
        "127.0.0.1",
        "169.254.169.254",
        "10.0.0.1",
        "[::1]",
        "2130706433",
        "0x7f000001",
        "localhost",
        "printer.local",
    ):
        with pytest.raises(RuleError) as refused:
            add(SourceKind.PAGE, f"http://{written}/feed")
        assert refused.value.field == "url" and "own network" in str(refused.value), written
    assert add(SourceKind.PAGE, "https://news.example/feed").pk
    assert not Source.objects.filter(url__contains="127.0.0.1").exists()


@pytest.mark.parametrize(
    ("detail", "said"),
    [
        ("503", "the server answered 503"),
        ("robots.txt 503", "robots.txt: the server answered 503"),
        ("robots.txt too large", "robots.txt: too large to read"),
        ("too slow", "too slow"),
        ("2 not kept", "2 articles could not be kept"),
        ("1 not kept", "1 article could not be kept"),
        ("SAXParseException, 3 new", "3 new articles read before the error"),
        ("ConnectionError", ""),  # a programmer's word: the status says it ("Could not connect")
        ("robots.txt ReadTimeout", ""),
        ("", ""),
    ],
)
def test_a_source_s_status_detail_is_said_in_words(detail, said):
    assert vocabulary.detail_words(detail) == said
    with translation.override("es"):
        assert vocabulary.detail_words("2 not kept") == "2 artículos no pudieron guardarse"
