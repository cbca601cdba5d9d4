"""The worker's reading of one source: fetch, parse, keep each new article, and leave a clear
status on the source. Any failure is caught here and shown on that source only."""

from __future__ import annotations

import calendar
import datetime
import io
import logging
import time
import xml.sax
from dataclasses import dataclass
from typing import Any

import feedparser
from django.db import transaction

from aegis import clock
from aegis.vault import service_keys
from aegis.vault.keychain import Keychain, unlocked

from . import articles, fetching, keys, texts
from .fetching import FetchFailed
from .models import Source
from .vocabulary import ArticleOrigin, SourceKind, SourceStatus

log = logging.getLogger(__name__)
MAX_ITEMS = 50  # entries looked at per poll of a feed
# New entries read per poll: each may cost a page fetch, spaced by the per-host interval,
# and the task worker runs one task at a time; the rest are read at the next poll.
MAX_NEW = 10
# Pages fetched per poll, kept or not: a site's Crawl-delay spaces them up to a minute, and a
# feed of links to empty pages must not hold the worker for an hour at every poll.
MAX_FETCHES = MAX_NEW
# And no page fetched after this many AEGIS_MONITORING_TIMEOUTs of one poll (300 s at the
# default 15 s: ten pages at a host's turn every 5 s take a minute), however slow each one
# is, so that slow sites (each fetch may take fetching.REQUEST_BUDGET timeouts) hold the
# worker minutes, not an hour; the rest are read at the next poll.
POLL_BUDGET = 20
# Links whose page gave nothing to keep, not fetched again for a day (in this process only:
# no address is written down for it).
UNREADABLE_TTL = 86400.0
UNREADABLE_KEPT = 10_000
_unreadable: dict[str, float] = {}


def worker_keychain() -> Keychain:
    """The alert service's keys where this process holds them (with the search key, given by
    the key ceremony, names are recognised); else none: articles are sealed with public
    keys only. A failure opening them is logged, and the source is read all the same."""
    try:
        return service_keys.service_keychain()
    except service_keys.ServiceKeyMissing:
        return Keychain({})
    except Exception as error:
        log.error("monitoring: opening the service key failed: %s", type(error).__name__)
        return Keychain({})


def poll_if_due(source_id: int) -> tuple[str, datetime.datetime | None]:
    """Poll the source if it is active and due, claiming it first so that two workers never
    read it at once. (status, when to poll next) or ("", None) when not due."""
    now = clock.now()
    source = Source.objects.filter(pk=source_id, is_active=True).first()
    if source is None or (source.next_poll_at is not None and source.next_poll_at > now):
        return "", None
    next_at = now + datetime.timedelta(minutes=source.interval_minutes)
    claimed = Source.objects.filter(pk=source.pk, next_poll_at=source.next_poll_at).update(
        next_poll_at=next_at
    )
    if not claimed:
        return "", None
    return poll(source), next_at


@dataclass
class _Tally:
    """What one poll kept, counted as it goes: a feed that turns out malformed after its
    items were read still counts them."""

    found: int = 0
    not_kept: int = 0
    fetched: int = 0
    summary_only: int = 0  # kept from the feed's summary: their pages could not be read


def _read_lately(link: str) -> bool:
    """Whether the page at `link` gave nothing to keep within UNREADABLE_TTL."""
    until = _unreadable.get(link)
    return until is not None and until > time.monotonic()


def _gave_nothing(link: str) -> None:
    if len(_unreadable) >= UNREADABLE_KEPT:  # the oldest half goes
        for old in list(_unreadable)[: UNREADABLE_KEPT // 2]:
            del _unreadable[old]
    _unreadable[link] = time.monotonic() + UNREADABLE_TTL


def forget_unreadable() -> None:
    """Drop the links remembered as giving nothing (tests; a changed proxy)."""
    _unreadable.clear()


def _linked_page(link: str) -> texts.Page | FetchFailed:
    """The page an entry links to, read; or why it cannot be fetched or read (a charset or
    markup no reader takes is that page's failure, not the feed's)."""
    try:
        linked = fetching.fetch(link)
        return texts.read_page(texts.decode_page(linked.body, linked.content_type), link)
    except FetchFailed as failed:
        if failed.status == SourceStatus.PROXY:
            raise  # the proxy went down, not the page: said on the source, the link read later
        return failed
    except Exception as error:
        log.warning("monitoring: a linked page could not be read: %s", type(error).__name__)
        return FetchFailed(SourceStatus.NO_TEXT)


def poll(source: Source) -> str:
    """Read `source` now; returns and records its status."""
    tally, status, detail = _Tally(), str(SourceStatus.OK), ""
    chain = worker_keychain()
    try:  # the fingerprint key, to people given the role since; never the source's failure
        with unlocked(chain):
            keys.pass_on(actor_id=None, purposes=(keys.FINGERPRINT_PURPOSE,))
    except Exception as error:
        log.error("monitoring: passing the fingerprint key on failed: %s", type(error).__name__)
    try:
        with unlocked(chain):
            if source.kind == SourceKind.FEED:
                _poll_feed(source, tally)
            else:
                status = _poll_page(source, tally)
    except FetchFailed as failed:
        status, detail = failed.status, failed.detail
    except Exception as error:  # one source's surprise never stops the others
        log.error("monitoring: reading source %s failed: %s", source.pk, type(error).__name__)
        status, detail = SourceStatus.HTTP_ERROR, type(error).__name__
    if status == SourceStatus.OK:
        # Read, but some of its articles failed, or are only the feed's summary of them.
        counts = (
            f"{tally.not_kept} not kept" if tally.not_kept else "",
            f"{tally.summary_only} summary only" if tally.summary_only else "",
        )
        detail = "; ".join(count for count in counts if count)
    found = tally.found
    now = clock.now()
    changes: dict[str, Any] = {"status": status, "status_detail": detail[:200]}
    if status != SourceStatus.KNOWN:  # fetched (or tried): a page known already was not
        changes["last_polled_at"] = now
    if status == SourceStatus.OK:
        changes["last_ok_at"] = now
    Source.objects.filter(pk=source.pk).update(**changes)
    if found:
        from django.db.models import F

        Source.objects.filter(pk=source.pk).update(articles_found=F("articles_found") + found)
    log.info("monitoring: source %s: %s, %s new", source.pk, status, found)
    return str(status)


def _entry_date(entry: Any) -> datetime.date | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:  # feedparser gives UTC: mktime would read it as the machine's local time
        moment = datetime.datetime.fromtimestamp(calendar.timegm(parsed), datetime.UTC)
        return moment.date()
    except (OverflowError, ValueError, OSError):
        return None


def _believable(day: datetime.date | None) -> datetime.date | None:
    """A publication date as a feed or page gives it, None when it cannot be one (in the
    future past the date line, or before 1900): an analyst types none of those either, and the
    extractor reads the article's dates against it."""
    if day is None or day.year < 1900 or day > clock.today() + datetime.timedelta(days=1):
        return None
    return day


def _entry_text(entry: Any) -> str:
    contents = entry.get("content") or []
    for content in contents:
        if content.get("value"):
            return texts.strip_html(content["value"])
    return texts.strip_html(entry.get("summary", ""))


def _a_page(fetched: fetching.Fetched) -> bool:
    """Whether what came is a web page: served as HTML, or opening as one."""
    start = fetched.body.lstrip()[:100].lower()
    return "html" in fetched.content_type.lower() or start.startswith((b"<!doctype html", b"<html"))


def _poll_feed(source: Source, tally: _Tally) -> None:
    fetched = fetching.fetch(source.url)
    # The body as a stream: given bytes, feedparser first tries them as a path on this
    # machine ("/etc/…", "/dev/zero"). The headers give it the charset the server declares
    # (on an XML type: feeds served as text/html or with none are common, and an empty one
    # would read as malformed) and the address relative links are read against.
    charset = texts.declared_charset(fetched.content_type)
    headers = {
        "content-type": "application/xml" + (f"; charset={charset}" if charset else ""),
        "content-location": fetched.url,
    }
    feed = feedparser.parse(io.BytesIO(fetched.body), response_headers=headers)
    problem = feed.get("bozo_exception")
    # Not well-formed XML: feedparser's lenient parser may still recover items (they are
    # kept), but the source says it is malformed. Lesser quirks (a wrong declared encoding)
    # are common and harmless.
    broken = bool(feed.bozo) and isinstance(problem, xml.sax.SAXException)
    if not feed.entries and not feed.get("version") and _a_page(fetched):
        # A web page given as a feed is seldom well-formed XML: it had been "malformed", with
        # no word of what to do.
        raise FetchFailed(SourceStatus.MALFORMED, "not a feed")
    if (feed.bozo and not feed.entries) or (not feed.entries and not feed.get("feed")):
        raise FetchFailed(SourceStatus.MALFORMED, type(problem).__name__ if problem else "")
    if not feed.entries and not feed.get("version"):
        # Neither RSS nor Atom (a web page given as a feed): its <title> had made it "Read",
        # with nothing found at every poll.
        raise FetchFailed(SourceStatus.MALFORMED, "not a feed")
    found: list[_Entry] = []  # the new stories, read at once, then each kept with its reading
    try:
        _read_entries(source, feed, tally, found)
    finally:  # those read before a failure (the proxy going down) are kept all the same
        _keep(source, found, tally)
    if broken:
        raise FetchFailed(SourceStatus.MALFORMED, f"{type(problem).__name__}, {tally.found} new")


@dataclass
class _Entry:
    """A feed entry not seen before, with the text to keep (its page's, or its summary)."""

    url: str
    title: str
    text: str
    published: datetime.date | None
    language: str
    boilerplate: frozenset[str]
    unread: FetchFailed | None = None  # why its page could not be read: the summary is kept


def _keep(source: Source, found: list[_Entry], tally: _Tally) -> None:
    """Extract the new entries in one go (articles.run_extractors: a child process in the
    worker), then keep each with its proposal and its check for protected people in one
    transaction: a worker stopped half-way leaves no article unread, and the entries it had
    not kept are read again at the next poll."""
    readings = articles.run_extractors([(e.title, e.text, e.published, e.language) for e in found])
    for entry, extracted in zip(found, readings, strict=True):
        try:
            with transaction.atomic():
                if articles.ingest(
                    origin=ArticleOrigin.FEED,
                    source=source,
                    url=entry.url,
                    title=entry.title,
                    text=entry.text,
                    published=entry.published,
                    language=entry.language,
                    boilerplate=entry.boilerplate,
                    extracted=extracted,
                    page_status=entry.unread.status if entry.unread else "",
                    page_detail=entry.unread.detail if entry.unread else "",
                ):
                    tally.found += 1
                    tally.summary_only += entry.unread is not None
        except Exception as error:  # one entry's surprise never stops the entries after it
            log.error("monitoring: source %s: an entry failed: %s", source.pk, type(error).__name__)
            tally.not_kept += 1


def _read_entries(source: Source, feed: Any, tally: _Tally, found: list[_Entry]) -> None:
    feed_language = str(feed.feed.get("language", "")).split("-")[0].lower()
    ends = time.monotonic() + POLL_BUDGET * fetching.timeout()
    entries = feed.entries[:MAX_ITEMS]
    summaries = [_entry_text(entry) for entry in entries]
    footer = texts.boilerplate(summaries)
    for entry, summary in zip(entries, summaries, strict=True):
        link = str(entry.get("link", "")).strip()
        if not link.lower().startswith(("http://", "https://")):
            link = ""  # "javascript:", "mailto:": no address of an article
        if link and (_read_lately(link) or articles.seen(link)):
            continue
        if len(found) >= MAX_NEW or tally.fetched >= MAX_FETCHES:
            break
        if tally.fetched and time.monotonic() > ends:
            break
        title = texts.strip_html(entry.get("title", ""))
        text = summary
        shared = footer  # left out of the summary's fingerprint only (articles.ingest)
        if len(text) > texts.TEXT_MAX:
            # Too long to keep (articles.ingest refuses it); its page, read only when longer,
            # would be too. Skipped before any fetch, so that it costs nothing at each poll
            # and the entries after it are still read.
            log.warning("monitoring: source %s: an entry is too long to keep", source.pk)
            continue
        published = _believable(_entry_date(entry))
        language = ""
        unread: FetchFailed | None = None
        if link:
            # The whole article, when its page can be read; else the feed's summary, and why.
            tally.fetched += 1
            page = _linked_page(link)
            if isinstance(page, FetchFailed):
                unread = page
            elif not page.text:
                unread = FetchFailed(SourceStatus.NO_TEXT)
            elif len(page.text) > texts.TEXT_MAX:  # a whole archive, say
                unread = FetchFailed(SourceStatus.HTTP_ERROR, "too long")
            elif len(text) < len(page.text):  # (else the summary says more than the page)
                text, language, shared = page.text, page.language, frozenset()
                title = title or page.title
                published = published or _believable(page.published)
        language = language or source.language or feed_language or texts.language_of(text)
        if not text and not title:
            if link:
                _gave_nothing(link)
            continue
        if not link and articles.seen_text(source, title, text, shared):
            continue  # sent before: kept once, and never in the way of the entries after it
        found.append(_Entry(link, title, text, published, language, shared, unread))


def _poll_page(source: Source, tally: _Tally) -> str:
    """Read a web page source (one article); its status."""
    if articles.seen_elsewhere(source.url, source):
        # Not fetched: it had been "Read", with no article and a new time read at each poll.
        return SourceStatus.KNOWN
    if articles.seen(source.url):
        return SourceStatus.OK  # read before: a page is one article
    fetched = fetching.fetch(source.url)
    page = texts.read_page(texts.decode_page(fetched.body, fetched.content_type), fetched.url)
    if not page.text:
        raise FetchFailed(SourceStatus.NO_TEXT)
    if len(page.text) > texts.TEXT_MAX:
        raise FetchFailed(SourceStatus.HTTP_ERROR, "too long")  # as a body over the byte limit
    language = page.language or source.language
    if not language:
        raise FetchFailed(SourceStatus.UNKNOWN_LANGUAGE)
    published = _believable(page.published)
    (extracted,) = articles.run_extractors([(page.title, page.text, published, language)])
    with transaction.atomic():
        article = articles.ingest(
            origin=ArticleOrigin.PAGE,
            source=source,
            url=source.url,
            title=page.title,
            text=page.text,
            published=published,
            language=language,
            extracted=extracted,
        )
    tally.found = 1 if article else 0
    return SourceStatus.OK
