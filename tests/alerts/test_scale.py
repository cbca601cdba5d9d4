"""A flood of open alerts (a rule firing in a loop): the dashboard, the history and the
open-alerts API cost the same at any number of them, the history and the API page through
runs of equal trigger times without skipping or repeating an alert, and the compartment
page reads its candidates' roles at once. Sizes are small; what grows is counted."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aegis.accounts import channels
from aegis.alerts import policies, selectors, services
from aegis.alerts.models import Alert
from aegis.alerts.vocabulary import AlertKind, Audience
from aegis.cases.models import Case
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import api_client, sign_in

from .flood import flood

pytestmark = pytest.mark.django_db


def _unreachable_alert(team) -> Alert:
    """An alert that reaches nobody (so it needs a human): the ladder names the responders
    only, and the responder has no channel."""
    with unlocked(team.karim.keychain()):
        policies.save_case_policy(
            Case.objects.get(person=team.person),
            [policies.StepInput(1, 5, [Audience.RESPONDERS])],
            actor=team.karim.user,
        )
    channels.set_channels(team.thandi.user, {}, actor_id=None)
    return services.raise_alert(team.person, AlertKind.MANUAL)


def _queries(client: Client, url: str) -> tuple[int, str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response.content.decode(), [q["sql"] for q in captured]


def test_the_dashboard_asks_as_many_queries_at_any_number_of_open_alerts(team, monkeypatch):
    """It had read every open alert's deliveries and steps (784 ms at 10,000): what needs a
    human is counted among the newest, as on the console, and says "(or more)" past them."""
    monkeypatch.setattr(selectors, "IN_SLICE", 2)
    monkeypatch.setattr(selectors, "ATTENTION_SCAN", 3, raising=False)
    alert = _unreachable_alert(team)
    flood(alert, 3)
    client = sign_in(Client(), team.karim)
    client.get("/")
    few, body, _ = _queries(client, "/")
    assert "4 open alerts" in body
    flood(alert, 6)
    many, body, _ = _queries(client, "/")
    assert many == few, "the same queries whatever the number of open alerts"
    assert "10 open alerts" in body
    needs = re.search(r"(\d+) alerts need a human now</a>( \(or more\))?", body)
    assert needs and needs.groups() == ("3", " (or more)")
    found = selectors.attention(team.karim.user)
    assert (found.open, found.needs_human, found.scanned) == (10, 3, True)


def test_the_dashboard_counts_every_alert_when_they_fit_the_scan(team):
    alert = _unreachable_alert(team)
    flood(alert, 2)
    body = sign_in(Client(), team.karim).get("/").content.decode()
    assert "3 alerts need a human now</a></li>" in body
    assert "3 open alerts" in body


def _history_links(body: str) -> str | None:
    found = re.search(r'<a href="\?([^"]*)">Next</a>', body)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_history_pages_through_equal_times_by_seeking(team, monkeypatch):
    """Past the first pages the Next link seeks from the last row shown (no OFFSET), and
    every alert comes once, in order, though five at a time share a trigger time."""
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    flood(alert, 29, same_time=5)
    expected = list(Alert.objects.order_by("-triggered_at", "-pk").values_list("pk", flat=True))
    client = sign_in(Client(), team.thandi)
    url = reverse("alerts:history")
    query: str | None = ""
    seen: list[int] = []
    pages = 0
    while query is not None:
        _count, body, sql = _queries(client, f"{url}?{query}")
        pages += 1
        if pages > 11:  # past the shallow pages: sought from the row before
            assert "after=" in query
            assert not any(" OFFSET " in q.upper() for q in sql), query
        seen += [int(pk) for pk in re.findall(r'">#(\d+)</a>', body)]
        query = _history_links(body)
    assert seen == expected, "no alert skipped or repeated"
    assert pages == 15
    typed = client.get(url, {"page": 13}).content.decode()
    assert [int(pk) for pk in re.findall(r'">#(\d+)</a>', typed)] == expected[24:26]


def test_the_compartment_page_reads_the_candidates_roles_at_once(team, make_person):
    """Each candidate is shown with their role: one query for their groups, not one each."""
    client = sign_in(Client(), team.karim)
    url = reverse("cases:compartment", args=[team.compartment.pk])
    client.get(url)
    make_person(Role.CASEWORKER)
    few, body, _ = _queries(client, url)
    for role in (Role.CASEWORKER, Role.RESPONDER, Role.COORDINATOR, Role.CASEWORKER):
        make_person(role)
    many, body, _ = _queries(client, url)
    assert many == few
    assert body.count(" · Caseworker</option>") == 3


# --- The API ------------------------------------------------------------------------------


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()]


def test_the_open_alerts_api_pages_by_cursor_and_keeps_its_list(team):
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    flood(alert, 6, same_time=3)
    expected = list(Alert.objects.order_by("-triggered_at", "-pk").values_list("pk", flat=True))
    api = api_client(team.thandi)
    whole = api.get("/api/v1/alerts/open")
    assert _ids(whole) == expected, "the same bare list as before, every alert in it"
    assert "Link" not in whole.headers
    url: str | None = "/api/v1/alerts/open?limit=3"
    seen, parts = [], 0
    while url:
        response = api.get(url)
        seen += _ids(response)
        parts += 1
        link = response.headers.get("Link")
        url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1) if link else None
    assert seen == expected and parts == 3
    raised = services.raise_alert(team.person, AlertKind.MANUAL)  # newer than all: not
    response = api.get("/api/v1/alerts/open?limit=3")  # shifting the next part by a row
    assert _ids(response)[0] == raised.pk
    assert api.get("/api/v1/alerts/open?limit=1001").status_code == 422
    refused = api.get("/api/v1/alerts/open?after=not-a-cursor")
    assert refused.status_code == 400 and refused.json()["detail"]


def test_the_open_alerts_api_documents_its_paging():
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/alerts/open"]["get"]
    names = {p["name"]: p for p in operation["parameters"]}
    assert names["limit"]["schema"]["maximum"] == 1000
    assert names["limit"]["schema"]["default"] == 1000
    assert "after" in names
    ok = operation["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["type"] == "array"
    assert "Link" in ok["headers"]
