"""The pages that read open alerts, timed at a flood of them (not collected by the suite:
run it by name, `-s` to see the table):

    pytest -s -p no:randomly tests/alerts/measure_scale.py (AEGIS_MEASURE_ALERTS=10000 by default)

A coordinator and a responder of a compartment, one alert raised through the service and
`--alerts` copies of it (flood.py), twenty staff accounts outside the compartment (the
compartment page's candidates); each page is requested through Django's test client, once
to count its SQL queries, then REPEAT times, and its median time is printed."""

from __future__ import annotations

import os
import statistics
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from aegis.alerts import services
from aegis.alerts.vocabulary import AlertKind
from aegis.roles import Role
from tests.conftest import api_client, sign_in

from .flood import flood

pytestmark = pytest.mark.django_db
REPEAT = 7
ALERTS = int(os.environ.get("AEGIS_MEASURE_ALERTS", "10000"))


def _time(client: Client, url: str) -> tuple[int, float, int]:
    queries: list[str] = []

    def count(execute, sql, *rest):  # type: ignore[no-untyped-def]
        queries.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(count):
        first = client.get(url)
    assert first.status_code == 200, (url, first.status_code)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return len(queries), statistics.median(times), len(response.content)


def test_measure(team, make_person):
    for i in range(20):
        make_person(Role.RESPONDER if i % 2 else Role.CASEWORKER)
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    flood(alert, ALERTS - 1, same_time=3)
    coordinator = sign_in(Client(), team.karim)
    responder = sign_in(Client(), team.thandi)
    api = api_client(team.thandi)
    history = reverse("alerts:history")
    deep = history + "?page=200"
    link = coordinator.get(history + "?page=11").content.decode()
    after = link.split("after=", 1)[1].split("&", 1)[0].split('"', 1)[0] if "after=" in link else ""
    pages = [
        ("dashboard (coordinator)", coordinator, "/"),
        ("dashboard (responder)", responder, "/"),
        ("console", responder, reverse("alerts:console")),
        ("history, first page", responder, history),
        ("history, page 200", responder, deep),
        ("compartment page", coordinator, reverse("cases:compartment", args=[team.compartment.pk])),
        ("API open alerts", api, "/api/v1/alerts/open"),
        ("API history, offset 5000", api, "/api/v1/alerts/history?offset=5000"),
    ]
    if after:
        pages.append(("history, page 12 by link", responder, f"{history}?after={after}&page=12"))
    print(f"\n{ALERTS} open alerts, {connection.vendor}")
    print(f"{'page':32} {'queries':>7} {'median ms':>9} {'bytes':>9}")
    for name, client, url in pages:
        queries, ms, size = _time(client, url)
        print(f"{name:32} {queries:7d} {ms:9.1f} {size:9d}")
