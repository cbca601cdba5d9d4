"""The console's table of open alerts is paged by cursor: alerts raised or resolved between
two loads neither repeat a row nor skip one, a mangled or stale link shows the newest alerts
and says so, and a page deep in a flood costs the queries the second one does."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aegis import clock
from aegis.alerts import selectors, services, views
from aegis.alerts.models import Alert
from aegis.alerts.vocabulary import AlertKind, AlertStatus
from tests.conftest import sign_in

from .flood import flood

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
RESTARTED = "The page you asked for no longer exists"


def _open(client: Client, query: str = "") -> str:
    response = client.get(reverse("alerts:console") + query)
    assert response.status_code == 200
    return response.content.decode()


def _table(body: str) -> list[int]:
    if '<table class="stacked">' not in body:
        return []
    table = body.split('<table class="stacked">', 1)[1].split("</table>", 1)[0]
    return [int(pk) for pk in re.findall(r'">#(\d+)</a>', table)]


def _link(body: str, label: str) -> str | None:
    found = re.search(rf'<a href="([^"]*)">{label}</a>', body)
    return html.unescape(found.group(1)) if found else None


def _flooded(team, n: int) -> list[int]:
    """n open alerts, two to a second so that pages cut through equal times: their ids in
    the console's order (newest first, then the highest id)."""
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
    flood(alert, n - 1, same_time=2)
    return list(Alert.objects.order_by("-triggered_at", "-pk").values_list("pk", flat=True))


def _raise(team, n: int) -> list[int]:
    with clock.frozen(START.replace(hour=4)):  # newer than every alert shown
        return [services.raise_alert(team.person, AlertKind.PANIC).pk for _ in range(n)]


def test_paging_misses_and_repeats_no_alert_while_alerts_come_and_go(team, monkeypatch):
    monkeypatch.setattr(views, "CONSOLE_PAGE", 3)
    alerts = _flooded(team, 10)
    client = sign_in(Client(), team.thandi)
    seen: list[int] = []
    pages: list[list[int]] = []
    link: str | None = ""
    while link is not None:
        body = _open(client, link)
        pages.append(_table(body))
        seen += pages[-1]
        link = _link(body, "Next")
        if link is not None:
            assert "after=" in link, "the next page is sought from this one's last row"
        # Between two loads, alerts are raised (above every page) and one shown is resolved:
        # by OFFSET, the next page would repeat rows, or skip one.
        _raise(team, 2)
        Alert.objects.filter(pk=pages[-1][0]).update(status=AlertStatus.RESOLVED)
    assert seen == alerts, "every alert once, newest first"
    assert [len(page) for page in pages] == [3, 3, 3, 1]

    # Back from the last page: the three open alerts before it, as they stand now.
    previous = _link(body, "Previous")
    assert previous is not None and "before=" in previous
    assert _table(_open(client, previous)) == [pages[1][2], *pages[2][1:]]
    # Back to the first page: the newest alerts, the ones raised meanwhile included.
    second = _open(client, _link(_open(client), "Next") or "")
    first = _link(second, "Previous")
    assert first == "?page=1"
    assert _table(_open(client, first)) == _table(_open(client))


def test_a_mangled_or_stale_cursor_shows_the_newest_alerts_and_says_so(team, monkeypatch):
    monkeypatch.setattr(views, "CONSOLE_PAGE", 2)
    alerts = _flooded(team, 5)
    client = sign_in(Client(), team.thandi)
    for cursor in (
        "garbage",
        "~",
        "2026-13-45T00:00:00+00:00~1",
        "2026-03-02T03:00:00+00:00~-1",
        "9999-12-31T23:59:59-05:00~1",  # past the last UTC date a database stores
        "0001-01-01T00:00:00+05:00~1",
        "2026-03-02T03:00:00+00:00~" + "9" * 600,
    ):
        for way in ("after", "before"):
            body = _open(client, f"?{way}={cursor}&page=3")
            assert RESTARTED in body, (way, cursor)
            assert _table(body) == alerts[:2], (way, cursor)

    # The history seeks through the same cursors (aegis.paging).
    history = client.get(reverse("alerts:history") + "?after=9999-12-31T23:59:59-05:00~1")
    assert history.status_code == 200

    # Every alert older than the link's page was resolved meanwhile.
    link = _link(_open(client), "Next")
    assert link is not None
    Alert.objects.filter(pk__in=alerts[2:]).update(status=AlertStatus.RESOLVED)
    body = _open(client, link)
    assert RESTARTED in body and _table(body) == alerts[:2]
    assert RESTARTED not in _open(client)
    # Nothing open at all: the console's own empty page.
    Alert.objects.update(status=AlertStatus.RESOLVED)
    body = _open(client, link)
    assert RESTARTED not in body and "No open alerts." in body


def test_a_deep_page_costs_the_same_queries_at_any_number_of_alerts(team, monkeypatch):
    """Pages past the newest ATTENTION_SCAN read their own rows; none skips rows by OFFSET,
    and a flood of older alerts adds no query."""
    monkeypatch.setattr(views, "CONSOLE_PAGE", 2)
    monkeypatch.setattr(selectors, "ATTENTION_SCAN", 3)
    alerts = _flooded(team, 12)
    client = sign_in(Client(), team.thandi)

    def fourth_page() -> tuple[list[int], list[str]]:
        link = ""
        for _ in range(3):
            link = _link(_open(client, link), "Next") or ""
        with CaptureQueriesContext(connection) as read:
            body = _open(client, link)
        return _table(body), [query["sql"] for query in read.captured_queries]

    rows, few = fourth_page()
    assert rows == alerts[6:8]
    Alert.objects.filter(pk=alerts[-1]).update(triggered_at=START.replace(year=2025))
    flood(Alert.objects.get(pk=alerts[-1]), 200)  # older than every page read
    rows, many = fourth_page()
    assert rows == alerts[6:8]
    assert len(many) == len(few), "the same queries whatever the number of alerts"
    assert not any(" OFFSET " in sql.upper() for sql in many)
