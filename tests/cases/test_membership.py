"""The reader's compartment ids are read once per reading request, and never carried over:
not to another request, not to another person, not past a membership written meanwhile, and
not kept at all in a request that writes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from aegis.cases import membership, services
from aegis.cases import selectors as case_selectors
from aegis.roles import Role
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db

MEMBERSHIPS = '"cases_compartmentmember"'


def membership_reads(captured: CaptureQueriesContext) -> int:
    return sum(
        1
        for query in captured.captured_queries
        if query["sql"].lstrip().startswith("SELECT") and MEMBERSHIPS in query["sql"]
    )


def in_request(body, method: str = "get") -> object:
    """Run `body` inside the middleware, as a view would, and give back what it returned."""
    answer: dict[str, object] = {}

    def view(request) -> HttpResponse:
        answer["value"] = body()
        return HttpResponse()

    request = getattr(RequestFactory(), method)("/")
    membership.CompartmentIdsMiddleware(view)(request)
    return answer["value"]


def test_a_reading_request_reads_the_memberships_once(make_person, make_compartment):
    worker = make_person(Role.CASEWORKER)
    compartment = make_compartment(worker)

    def twice() -> tuple[list[int], list[int]]:
        return case_selectors.compartment_ids(worker.user), case_selectors.compartment_ids(
            worker.user
        )

    with CaptureQueriesContext(connection) as captured:
        first, second = in_request(twice)  # type: ignore[misc]
    assert first == second == [compartment.pk]
    assert membership_reads(captured) == 1


def test_outside_a_request_and_in_a_writing_one_every_call_reads(make_person, make_compartment):
    worker = make_person(Role.CASEWORKER)
    make_compartment(worker)
    with CaptureQueriesContext(connection) as captured:
        case_selectors.compartment_ids(worker.user)
        case_selectors.compartment_ids(worker.user)
    assert membership_reads(captured) == 2
    with CaptureQueriesContext(connection) as captured:
        in_request(
            lambda: [case_selectors.compartment_ids(worker.user) for _ in range(2)], method="post"
        )
    assert membership_reads(captured) == 2


def test_nothing_is_kept_past_the_request(make_person, make_compartment):
    worker = make_person(Role.CASEWORKER)
    make_compartment(worker)
    in_request(lambda: case_selectors.compartment_ids(worker.user))
    with CaptureQueriesContext(connection) as captured:
        case_selectors.compartment_ids(worker.user)
    assert membership_reads(captured) == 1


def test_each_person_has_their_own_ids(make_person, make_compartment):
    one, other = make_person(Role.CASEWORKER), make_person(Role.CASEWORKER)
    mine, theirs = make_compartment(one), make_compartment(other)
    found = in_request(
        lambda: (
            case_selectors.compartment_ids(one.user),
            case_selectors.compartment_ids(other.user),
            case_selectors.compartment_ids(one.user),
        )
    )
    assert found == ([mine.pk], [theirs.pk], [mine.pk])


def test_a_membership_written_in_the_request_is_seen(make_person, make_compartment):
    coordinator = make_person(Role.COORDINATOR)
    worker = make_person(Role.CASEWORKER)
    joined = make_compartment(coordinator)

    def join_then_leave() -> tuple[list[int], list[int], list[int]]:
        before = case_selectors.compartment_ids(worker.user)
        with unlocked(coordinator.keychain()):
            services.add_member(joined, worker.user, actor_id=coordinator.user.pk)
        after_joining = case_selectors.compartment_ids(worker.user)
        services.remove_member(joined, worker.user, actor_id=coordinator.user.pk)
        return before, after_joining, case_selectors.compartment_ids(worker.user)

    assert in_request(join_then_leave) == ([], [joined.pk], [])


def test_the_dashboard_reads_the_memberships_once(signed_in, make_compartment):
    client, coordinator = signed_in(Role.COORDINATOR)
    make_compartment(coordinator)
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    assert membership_reads(captured) == 1
