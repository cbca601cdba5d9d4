"""Sites that misbehave, on loopback: one trickling its answer a byte at a time is cut off as
too slow, a broken address or charset fails that item and not its feed, a feed of links to
empty pages does not hold the worker at every poll, an item with no link is kept once, and
nothing the worker reads writes a page's address to the logs."""

from __future__ import annotations

import codecs
import logging
import socket
import threading
from collections.abc import Iterator

import pytest

from aegis.monitoring import fetching, polling, sources, texts
from aegis.monitoring.fetching import FetchFailed
from aegis.monitoring.models import Article
from aegis.monitoring.vocabulary import SourceKind, SourceStatus
from aegis.vault.keychain import unlocked

from .conftest import article_page, rss

pytestmark = pytest.mark.django_db


class Trickle:
    """A server on loopback that answers robots.txt at once, then every other request a
    byte every 0.2 s (its headers or its body), until the client goes or LONGEST bytes
    (30 s) are sent; `sent` counts them."""

    LONGEST = 150

    def __init__(self, headers_too: bool, closing: bool = False) -> None:
        self.headers_too = headers_too
        self.closing = closing  # "Connection: close": the answer takes the connection's socket
        self.stop = threading.Event()
        self.sent = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(client,), daemon=True).start()

    def _answer(self, client: socket.socket) -> None:
        with client:
            request = client.recv(65536)
            if b"/robots.txt" in request.split(b"\r\n", 1)[0]:
                client.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                return
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 99999\r\n"
            if self.closing:
                head += b"Connection: close\r\n"
            if self.headers_too:
                client.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            else:
                client.sendall(head + b"\r\n")
            try:
                while self.sent < self.LONGEST and not self.stop.wait(0.2):
                    client.sendall(b"a")
                    self.sent += 1
            except OSError:
                return  # the client shut the connection: what the test waits for

    def close(self) -> None:
        self.stop.set()
        self.server.close()


@pytest.fixture(
    params=[(False, False), (True, False), (False, True)], ids=["body", "headers", "closing"]
)
def trickle(request, settings) -> Iterator[Trickle]:
    settings.AEGIS_MONITORING_HOST_INTERVAL = 0
    settings.AEGIS_MONITORING_TIMEOUT = 0.5  # each read; the whole request: 8 times that
    settings.AEGIS_MONITORING_PROXY = ""
    fetching.forget_hosts()
    server = Trickle(*request.param)
    yield server
    server.close()
    fetching.forget_hosts()


def test_a_site_trickling_its_answer_is_cut_off_as_too_slow(trickle):
    with pytest.raises(FetchFailed) as failed:
        fetching.fetch(trickle.base + "/story")
    assert (failed.value.status, failed.value.detail) == (SourceStatus.TIMEOUT, "too slow")
    # Cut at the fetch's 4 s (about 20 bytes), not when the server gave up (30 s).
    assert trickle.sent < Trickle.LONGEST // 2, trickle.sent


def _feed(url: str):
    # Named by its address: two sources may not share a name.
    return sources.create_source(actor_id=None, name=url[-60:], kind=SourceKind.FEED, url=url)


def test_an_address_no_parser_reads_fails_only_its_own_item(web, team):
    bad_redirect = web.add("/moved", "", status=302, headers={"Location": "http://[::1/x"})
    with pytest.raises(FetchFailed) as failed:
        fetching.fetch(bad_redirect)
    assert failed.value.status == SourceStatus.UNREACHABLE
    good = web.add("/good", article_page("Defender arrested in Bogota"))
    items = [("Moved", bad_redirect, ""), ("Broken", "http://[oops/x", ""), ("Good", good, "")]
    feed = _feed(web.add("/feed.xml", rss(items)))
    assert polling.poll(feed) == SourceStatus.OK
    assert Article.objects.filter(source=feed).count() >= 1  # the good one, at least


def test_a_page_in_a_charset_that_is_no_text_encoding_is_read_as_undeclared(web, team):
    page = article_page("Defender arrested in Bogota").replace(
        "<head>", '<head><meta charset="idna">'
    )
    assert "Bogota" in texts.decode_page(page.encode(), "text/html; charset=punycode")
    link = web.add("/idna", page, content_type="text/html; charset=idna")
    feed = _feed(web.add("/feed.xml", rss([("Arrest", link, "")])))
    assert polling.poll(feed) == SourceStatus.OK
    assert Article.objects.filter(source=feed).count() == 1


def test_links_to_empty_pages_are_fetched_at_most_so_many_a_poll_and_not_again(web, team):
    links = [web.add(f"/empty/{n}", "<html><body></body></html>") for n in range(15)]
    feed = _feed(web.add("/feed.xml", rss([("", link, "") for link in links])))
    polling.poll(feed)
    fetched = [path for path in web.requests if path.startswith("/empty/")]
    assert len(fetched) == polling.MAX_FETCHES
    polling.poll(feed)  # the ten that gave nothing are not fetched again; the five left are
    again = [path for path in web.requests if path.startswith("/empty/")]
    assert len(again) == 15 and len(set(again)) == 15
    assert not Article.objects.exists()


def test_an_item_with_no_link_is_kept_once(web, team):
    feed_xml = rss([("Defender arrested", "", "Police arrested a defender in Bogota today.")])
    feed = _feed(web.add("/feed.xml", feed_xml.replace("<link></link>", "")))
    for _ in range(3):
        assert polling.poll(feed) == SourceStatus.OK
    assert Article.objects.filter(source=feed).count() == 1


def test_what_reads_a_page_never_logs_its_address(caplog):
    with caplog.at_level(logging.DEBUG):
        texts.read_page("<html><body></body></html>", "https://secret.example.org/defender")
        texts.read_page("\x00\x01\x02", "https://secret.example.org/binary")
    assert "secret.example.org" not in caplog.text


def test_a_feed_summary_keeps_the_words_after_a_stray_angle_bracket():
    # The same tag pattern as the extractor's: a stray "<" no longer eats the text up to the
    # next ">" (and a page of them is read in linear time).
    assert texts.strip_html("a < b <p>c &amp; d</p>") == "a < b c & d"
    assert texts.strip_html("<" * 1000 + "<p>Words.</p>") == "<" * 1000 + " Words."


def test_a_feed_whose_body_names_a_file_is_not_read_from_the_worker_s_disk(web, team, tmp_path):
    # feedparser, given bytes, first opens them as a path: a site answering with the name of
    # a file on the worker made it read that file (or /dev/zero without end).
    local = tmp_path / "local.xml"
    local.write_text(rss([("LOCAL secret entry", "", "Read from the worker's own disk.")]))
    for body in (str(local), "/dev/zero"):
        feed = _feed(web.add(f"/path{len(body)}.xml", body, content_type="application/rss+xml"))
        assert polling.poll(feed) == SourceStatus.MALFORMED
    assert not Article.objects.exists()


def test_a_feed_is_read_in_the_charset_its_answer_declares(web, team):
    title = "Арест правозащитника в Минске"
    body = rss([(title, "", "Полиция задержала правозащитника.")]).replace(
        '<?xml version="1.0"?>', ""
    )
    feed = _feed(
        web.add(
            "/ru.xml",
            body.encode("cp1251"),
            content_type="application/rss+xml; charset=windows-1251",
        )
    )
    assert polling.poll(feed) == SourceStatus.OK
    article = Article.objects.get(source=feed)
    with unlocked(team.analyst.keychain()):
        assert article.title == title


def test_a_relative_link_is_read_against_the_feed_s_address_and_a_script_is_no_link(web, team):
    story = web.add("/feeds/story", article_page("Defender arrested in Bogota"))
    items = [
        ("Defender arrested in Bogota", "story", ""),
        ("Harvest festival", "javascript:alert(1)", "The harvest festival opened in Cali today."),
    ]
    feed = _feed(web.add("/feeds/news.xml", rss(items)))
    assert polling.poll(feed) == SourceStatus.OK
    with unlocked(team.analyst.keychain()):
        kept = {a.title: a.url for a in Article.objects.filter(source=feed)}
    assert kept == {"Defender arrested in Bogota": story, "Harvest festival": ""}
    assert "/feeds/story" in web.requests
    # Another feed's item with the same relative link is another page, not one seen already.
    elsewhere = web.add("/other/story", article_page("Journalist detained in Quito"))
    other = _feed(web.add("/other/news.xml", rss([("Journalist detained", "story", "")])))
    assert polling.poll(other) == SourceStatus.OK
    with unlocked(team.analyst.keychain()):
        assert [a.url for a in Article.objects.filter(source=other)] == [elsewhere]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        # A byte-order mark wins over the header.
        (codecs.BOM_UTF8 + "<p>Detención en Bogotá</p>".encode(), "text/html; charset=latin-1"),
        # A <meta> saying UTF-16 on a page read as ASCII bytes is UTF-8 (the HTML standard).
        ('<meta charset="utf-16"><p>Detención en Bogotá</p>'.encode(), "text/html"),
        # Only a <meta> declares: not a "charset=" in a script before it.
        (
            '<script>var c = "charset=utf-16";</script><meta charset="utf-8">'
            "<p>Detención en Bogotá</p>".encode(),
            "text/html",
        ),
        ("<p>Detención en Bogotá</p>".encode("cp1252"), "text/html; charset=windows-1252"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
            "<p>Detención en Bogotá</p>".encode("cp1252"),
            "",
        ),
        ("<p>Detención en Bogotá</p>".encode(), "text/html; charset=punycode"),
    ],
)
def test_a_page_s_encoding_is_chosen_as_the_html_standard_does(body, content_type):
    assert "Detención en Bogotá" in texts.decode_page(body, content_type)


def test_a_feed_served_as_a_web_page_or_untyped_is_a_feed(web, team):
    for n, content_type in enumerate(("text/html; charset=utf-8", "text/plain", "")):
        feed = _feed(web.add(f"/feed{n}.xml", rss([]), content_type=content_type))
        assert polling.poll(feed) == SourceStatus.OK, content_type


class SlowHops(Trickle):
    """Redirects, each one's headers trickled a byte at a time for `hop` seconds (every read
    well within the timeout), to the next: /hop/1, /hop/2, ..."""

    hop = 1.0

    def __init__(self) -> None:
        self.hops: list[str] = []
        super().__init__(headers_too=True)

    def _answer(self, client: socket.socket) -> None:
        with client:
            path = client.recv(65536).split(b"\r\n", 1)[0].split(b" ")[1].decode()
            if path == "/robots.txt":
                client.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                return
            self.hops.append(path)
            following = f"/hop/{len(self.hops) + 1}"
            try:
                client.sendall(b"HTTP/1.1 302 Found\r\nX-Slow: ")
                for _ in range(int(self.hop / 0.1)):
                    if self.stop.wait(0.1):
                        return
                    client.sendall(b"a")
                end = f"\r\nLocation: {following}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                client.sendall(end.encode())
            except OSError:
                return  # the client shut the connection


def test_a_chain_of_slow_redirects_is_bounded_as_a_whole(settings):
    settings.AEGIS_MONITORING_HOST_INTERVAL = 0
    # Each read may wait 0.5 s, five times the 0.1 s between the trickled bytes (at 0.2 s a
    # loaded machine had let one read run out first); the whole fetch 8 times that, 4 s.
    settings.AEGIS_MONITORING_TIMEOUT = 0.5
    settings.AEGIS_MONITORING_PROXY = ""
    fetching.forget_hosts()
    server = SlowHops()
    server.hop = 3.0
    try:
        with pytest.raises(FetchFailed) as failed:
            fetching.fetch(server.base + "/hop/1")
    finally:
        server.close()
        fetching.forget_hosts()
    assert (failed.value.status, failed.value.detail) == (SourceStatus.TIMEOUT, "too slow")
    # Three seconds of headers a hop: the fetch's 4 s end within the second hop, where each
    # hop's own clock had let the five redirects run their course (18 s).
    assert len(server.hops) <= 2, server.hops


def test_a_poll_fetches_no_more_pages_once_its_time_is_spent(web, team, monkeypatch):
    links = [web.add(f"/story/{n}", article_page(f"Defender {n} arrested")) for n in range(3)]
    feed = _feed(
        web.add("/feed.xml", rss([(f"Arrest {n}", link, "") for n, link in enumerate(links)]))
    )
    monkeypatch.setattr(polling, "POLL_BUDGET", 0)  # spent once the first page is read
    for n in range(3):
        assert polling.poll(feed) == SourceStatus.OK
        # One page a poll: the rest wait for the next one, not lost.
        assert [p for p in web.requests if p.startswith("/story/")] == [
            f"/story/{k}" for k in range(n + 1)
        ]
    assert Article.objects.filter(source=feed).count() == 3
