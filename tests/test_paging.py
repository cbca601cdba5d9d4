"""Long lists page by seeking from a row (aegis.paging): walking the next links and the
previous links gives every row once, in order, ties included; a cursor or page number that
makes no sense gives a page, never an error; the count stops at its cap. And the session row
is written at most once a minute, never by the health check."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aegis import paging
from aegis.accounts.middleware import SessionRefreshMiddleware
from aegis.roles import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

BY_NAME = paging.Order("name", descending=False)


def GROUPS() -> Any:  # the groups these tests make, not the roles
    return Group.objects.filter(name__startswith="zz")


BY_JOINED = paging.Order("date_joined", descending=True)


def _walk_forward(queryset: Any, order: paging.Order, size: int) -> list[Any]:
    page = paging.seek_page(queryset, order, {}, size=size)
    seen = list(page)
    while page.has_next:
        page = paging.seek_page(queryset, order, {"after": page.next_cursor}, size=size)
        seen += list(page)
    return seen


def _walk_back(queryset: Any, order: paging.Order, size: int, last: Any) -> list[Any]:
    cursor = paging.cursor_of(last, order)
    page = paging.seek_page(queryset, order, {"before": cursor}, size=size)
    seen = list(page)
    while page.has_previous:
        page = paging.seek_page(queryset, order, {"before": page.previous_cursor}, size=size)
        seen = list(page) + seen
    return seen


def test_next_and_previous_links_give_every_row_once_in_order():
    Group.objects.bulk_create(Group(name=f"zz{n:02d}") for n in range(23))
    everything = list(GROUPS().order_by("name", "pk"))
    assert _walk_forward(GROUPS(), BY_NAME, 5) == everything
    assert _walk_back(GROUPS(), BY_NAME, 5, everything[-1]) == everything[:-1]


def test_rows_with_the_same_sort_value_are_neither_lost_nor_repeated():
    same = timezone.now() - datetime.timedelta(days=1)
    users = get_user_model().objects
    users.bulk_create(
        get_user_model()(username=f"u{n}", date_joined=same if n % 3 else timezone.now())
        for n in range(17)
    )
    everything = list(users.order_by("-date_joined", "-pk"))
    assert _walk_forward(users.all(), BY_JOINED, 4) == everything
    assert _walk_back(users.all(), BY_JOINED, 4, everything[-1]) == everything[:-1]


@pytest.mark.parametrize(
    "params",
    [
        {"after": "nonsense"},
        {"before": "2024-13-45T99:99~12"},
        {"after": "~"},
        {"after": "x" * 2000 + "~1"},
        {"page": "-3"},
        {"page": "abc"},
        {"page": "99999999999999999999"},
    ],
)
def test_a_cursor_or_page_that_makes_no_sense_still_gives_a_page(params):
    Group.objects.bulk_create(Group(name=f"zz{n:02d}") for n in range(7))
    page = paging.seek_page(GROUPS(), BY_NAME, params, size=5)
    assert len(page) <= 5 and page.number >= 1


def test_the_count_stops_at_its_cap_and_the_pages_go_on():
    Group.objects.bulk_create(Group(name=f"zz{n:02d}") for n in range(12))
    page = paging.seek_page(GROUPS(), BY_NAME, {}, size=5, count_cap=10)
    assert (page.count, page.more, page.num_pages) == (10, True, None)
    exact = paging.seek_page(GROUPS(), BY_NAME, {}, size=5, count_cap=20)
    assert (exact.count, exact.more, exact.num_pages) == (12, False, 3)


def test_links_use_page_numbers_first_and_cursors_past_the_shallow_pages():
    Group.objects.bulk_create(Group(name=f"zz{n:03d}") for n in range(40))
    shallow = paging.seek_page(GROUPS(), BY_NAME, {"page": "2"}, size=2)
    assert shallow.next_after is None and shallow.next_number == 3
    deep = paging.seek_page(GROUPS(), BY_NAME, {"page": str(paging.SHALLOW_PAGES)}, size=2)
    assert deep.next_after == deep.next_cursor != ""


def test_a_typed_deep_page_is_the_rows_at_its_position(monkeypatch):
    """Past the shallow pages a typed number seeks from the row before the page: the same
    rows as skipping to its position, ties on the order's field included."""
    monkeypatch.setattr(paging, "SHALLOW_PAGES", 1)
    same = timezone.now() - datetime.timedelta(days=1)
    users = get_user_model().objects
    users.bulk_create(
        get_user_model()(username=f"u{n}", date_joined=same if n % 3 else timezone.now())
        for n in range(14)
    )
    everything = list(users.order_by("-date_joined", "-pk"))
    pages = -(-len(everything) // 3)
    for number in range(2, pages + 1):
        page = paging.seek_page(users.all(), BY_JOINED, {"page": str(number)}, size=3)
        assert list(page) == everything[(number - 1) * 3 : number * 3], number
        assert page.has_previous and page.has_next == (number < pages)
    past = paging.seek_page(users.all(), BY_JOINED, {"page": "99"}, size=3, count_cap=5)
    assert list(past) == [] and past.more


def test_the_case_list_pages_through_links_and_survives_a_bad_cursor(make_person):
    client = sign_in(Client(), make_person(Role.COORDINATOR))
    assert client.get("/cases/", {"after": "garbage~x"}).status_code == 200
    assert client.get("/incidents/", {"before": "2024-02-30~1"}).status_code == 200
    assert client.get("/cases/people/", {"page": "-1"}).status_code == 200


# --- The session row ----------------------------------------------------------------------


def _session_writes(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return sum(
        1
        for q in captured.captured_queries
        if "django_session" in q["sql"] and q["sql"].lstrip().startswith(("UPDATE", "INSERT"))
    )


def test_the_session_row_is_written_at_most_once_a_minute_and_never_by_healthz(make_person):
    client = sign_in(Client(), make_person(Role.CASEWORKER))
    client.get("/")
    assert _session_writes(client, "/") == 0, "saved again within the minute"
    assert _session_writes(client, "/healthz") == 0
    session = Session.objects.get()
    data = session.get_decoded()
    data[SessionRefreshMiddleware.STAMP] -= 61
    Session.objects.filter(pk=session.pk).update(
        session_data=Session.objects.encode(data)  # type: ignore[attr-defined]
    )
    assert _session_writes(client, "/healthz") == 0
    before = Session.objects.get().expire_date
    assert _session_writes(client, "/") == 1, "an idle minute later the expiry moves on"
    assert Session.objects.get().expire_date >= before


def test_few_enough_lists_short_lists_and_reads_one_row_past_the_limit():
    assert paging.few_enough([1, 2], most=2) == [1, 2]
    assert paging.few_enough([1, 2, 3], most=2) is None
    for n in range(4):
        Group.objects.create(name=f"group {n}")
    with CaptureQueriesContext(connection) as queries:
        groups = Group.objects.filter(name__startswith="group ").order_by("name")
        assert paging.few_enough(groups, most=3) is None
        listed = paging.few_enough(groups, most=4)
    assert [g.name for g in listed or []] == [f"group {n}" for n in range(4)]
    assert [q["sql"].endswith(f"LIMIT {n}") for q, n in zip(queries, (4, 5), strict=True)] == [
        True,
        True,
    ]
