"""Every list and dashboard page asks the database the same number of questions whatever the
size of the network (no query per row), and on PostgreSQL the list and exact-search queries
are answered through their indexes. Nothing is timed: a regression shows as a count or a plan.

The sizes are small (a few rows, then more than a page of them); what matters is that the
second is larger on every table a page reads."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aegis import clock
from aegis.alerts import services as alerts
from aegis.cases import selectors as case_selectors
from aegis.incidents import services as incidents
from aegis.intake import services as intake
from aegis.intake.demo import DEMO_REPORTS
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import Person, sign_in
from tests.risk.conftest import ratings, threat

SMALL, LARGE = 2, case_selectors.PAGE_SIZE + 3

PAGES = {
    "dashboard and work queue": "/",
    "people list": "/cases/people/",
    "risk dashboard": "/risk/",
    "alert console": "/alerts/",
    "triage queue": "/triage/",
    "analyst view": "/risk/analysis/",
}


class Network:
    """A compartment whose coordinator sees everything, grown through the real services."""

    def __init__(self, make_person: Callable[..., Person], make_compartment, make_case) -> None:
        self.coordinator = make_person(Role.COORDINATOR)
        self.analyst = make_person(Role.ANALYST)
        self.compartment = make_compartment(self.coordinator)
        self.make_case = make_case
        self.size = 0

    def grow_to(self, size: int) -> None:
        """Cases about people, each with an assessment, an incident linked to it with the
        person as a victim (recent, so patterns find them), a report to triage and an alert."""
        from aegis.risk import services as risk

        today = clock.today()
        worker = self.coordinator
        for n in range(self.size, size):
            case = self.make_case(self.compartment, worker)
            with unlocked(worker.keychain()):
                risk.create_assessment(
                    case, actor=worker.user, threats=[threat()], ratings=ratings()
                )
                incident = incidents.create_incident(
                    self.compartment,
                    actor_id=worker.user.pk,
                    title=f"Threat {n}",
                    date_start=today - datetime.timedelta(days=n % 5),
                    country="CO",
                    region="CO-ANT",
                    cases=[case],
                )
                incidents.add_act(
                    incident, violation_type="threat", actor_id=None, victims=[case.person]
                )
            intake.submit_report(DEMO_REPORTS[n % len(DEMO_REPORTS)])
            alerts.raise_alert(case.person, "manual", actor_id=worker.user.pk, is_drill=True)
        self.size = size

    def client(self, person: Person) -> Client:
        return sign_in(Client(), person)


@pytest.fixture
def network(make_person, make_compartment, make_case) -> Network:
    return Network(make_person, make_compartment, make_case)


def queries(client: Client, path: str) -> int:
    client.get(path)  # once first: what is cached per process (settings, checklists) is
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured.captured_queries)


def counts_at_two_sizes(network: Network, pages: dict[str, str]) -> dict[str, tuple[int, int]]:
    coordinator, analyst = network.client(network.coordinator), network.client(network.analyst)

    def who(path: str) -> Client:
        return analyst if path.startswith("/risk/analysis") else coordinator

    network.grow_to(SMALL)
    small = {label: queries(who(path), path) for label, path in pages.items()}
    network.grow_to(LARGE)
    large = {label: queries(who(path), path) for label, path in pages.items()}
    return {label: (small[label], large[label]) for label in pages}


@pytest.mark.django_db
def test_list_and_dashboard_pages_ask_as_many_queries_at_either_size(network):
    counts = counts_at_two_sizes(network, PAGES)
    grew = {label: pair for label, pair in counts.items() if pair[0] != pair[1]}
    assert not grew, f"queries at {SMALL} and {LARGE} rows: {grew}"


@pytest.mark.django_db
def test_list_and_dashboard_pages_read_the_readers_compartments_once(network):
    """Every read scoped to the reader's compartments takes their ids from one query per
    request (cases.membership), however many such reads the page makes."""
    network.grow_to(SMALL)
    coordinator, analyst = network.client(network.coordinator), network.client(network.analyst)
    reads = {}
    for label, path in {**PAGES, "case list": "/cases/", "incident list": "/incidents/"}.items():
        client = analyst if path.startswith("/risk/analysis") else coordinator
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        reads[label] = sum(
            '"cases_compartmentmember"' in q["sql"] for q in captured.captured_queries
        )
    assert all(n <= 1 for n in reads.values()), reads
    assert reads["dashboard and work queue"] == reads["risk dashboard"] == 1, reads


@pytest.mark.django_db
def test_the_case_list_asks_as_many_queries_at_either_size(network):
    pages = {
        "first": "/cases/",
        "filtered": "/cases/?status=new&country=CO",
        "page 2": "/cases/?page=2",
    }
    counts = counts_at_two_sizes(network, pages)
    assert counts["first"][0] == counts["first"][1], counts
    assert counts["filtered"][0] == counts["filtered"][1], counts


@pytest.mark.django_db
def test_the_incident_list_asks_as_many_queries_at_either_size(network):
    pages = {"first": "/incidents/", "filtered": "/incidents/?country=CO&violation_type=threat"}
    counts = counts_at_two_sizes(network, pages)
    assert counts["first"][0] == counts["first"][1], counts
    assert counts["filtered"][0] == counts["filtered"][1], counts


@pytest.mark.django_db
def test_a_typed_deep_page_asks_as_many_queries_at_either_size(network, monkeypatch):
    """A page number typed past the shallow pages seeks from the row before it (paging):
    pages of two rows, so page 3 is deep and exists at both sizes."""
    from aegis import paging
    from aegis.incidents import selectors as incident_selectors

    monkeypatch.setattr(paging, "SHALLOW_PAGES", 1)
    monkeypatch.setattr(case_selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(incident_selectors, "PAGE_SIZE", 2)
    network.grow_to(7)
    client = network.client(network.coordinator)
    pages = ("/cases/?page=3", "/incidents/?page=3")
    small = [queries(client, path) for path in pages]
    network.grow_to(LARGE)
    assert [queries(client, path) for path in pages] == small


# --- Plans (PostgreSQL) -------------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans are PostgreSQL's"
)


def _plans(client: Client, path: str, table: str) -> list[str]:
    """The plans of the page's SELECTs that read `table`, with table scans and sorts priced
    out, as they are at a network's size: at a test's size scanning and sorting a few rows is
    cheaper, so this shows whether an index can answer the query in the order it asks."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    plans = []
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{table}"')
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")
        try:
            for query in captured.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().startswith(("SELECT", "WITH")):
                    continue
                if f'FROM "{table}"' not in sql:
                    continue
                cursor.execute("EXPLAIN " + sql)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        finally:
            cursor.execute("SET enable_seqscan = on")
            cursor.execute("SET enable_sort = on")
    return plans


def _uses(plans: list[str], index: str) -> bool:
    return any(index in plan for plan in plans)


def _sorts_everything(plan: str) -> bool:
    """A full sort of the rows read (an incremental sort of rows read in order is fine)."""
    return any(re.match(r"\s*(->\s+)?Sort  \(", line) for line in plan.splitlines())


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "table", "indexes"),
    [
        ("/cases/", "cases_case", ["cases_case_list_order"]),
        ("/cases/?page=3", "cases_case", ["cases_case_list_order"]),
        ("/cases/people/", "cases_person", ["cases_person_list_order"]),
        # One compartment: its (compartment, date) index gives the order as well.
        (
            "/incidents/",
            "incidents_incident",
            ["incidents_list_order", "incidents_compartment_month"],
        ),
        ("/risk/", "risk_assessment", ["risk_current_by_rank"]),
        # "Rose recently": only the assessments that rose are read, not every recent one.
        ("/risk/", "risk_assessment", ["risk_rose_by_date"]),
        # The search key, found by purpose among every record's key.
        ("/cases/search/?q=Ana+Lopez", "vault_datakey", ["vault_key_by_purpose"]),
        # Open alerts, newest first, in the alert console; and every alert, in the history.
        ("/alerts/", "alerts_alert", ["alerts_alert_list_order"]),
        ("/alerts/history/", "alerts_alert", ["alerts_alert_list_order"]),
    ],
)
def test_lists_are_read_in_their_index_order(network, path, table, indexes):
    network.grow_to(LARGE)
    plans = _plans(network.client(network.coordinator), path, table)
    listed = [p for p in plans if p.startswith("Limit") and any(i in p for i in indexes)]
    assert listed, "\n\n".join(plans)
    assert not any(_sorts_everything(plan) for plan in listed), "\n\n".join(listed)


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "table", "index"),
    [
        ("/cases/?page=3", "cases_case", "cases_case_list_order"),
        ("/incidents/?page=3", "incidents_incident", "incidents_list_order"),
        ("/alerts/history/?page=2", "alerts_alert", "alerts_alert_list_order"),
    ],
)
def test_a_typed_deep_page_is_found_in_the_list_index(
    network, make_compartment, monkeypatch, path, table, index
):
    """The row before a deep page is read from the list's index alone (it holds the
    compartment), and the page is sought from it through the same index."""
    from aegis import paging

    monkeypatch.setattr(paging, "SHALLOW_PAGES", 1)
    network.grow_to(LARGE)
    make_compartment(network.coordinator)  # two: one's date index no longer gives the order
    plans = [p for p in _plans(network.client(network.coordinator), path, table) if index in p]
    start = [p for p in plans if "Index Only Scan" in p]
    assert start and len(plans) >= 2, "\n\n".join(plans)
    assert not any(_sorts_everything(p) for p in plans), "\n\n".join(plans)


@postgres_only
@pytest.mark.django_db
def test_exact_searches_use_their_indexes(network):
    network.grow_to(LARGE)
    client = network.client(network.coordinator)
    case = case_selectors.visible_cases(network.coordinator.user).order_by("pk").first()
    assert case is not None
    by_name = _plans(client, "/cases/search/?q=Legal+Name+3", "cases_person")
    assert _uses(by_name, "name_index"), "\n\n".join(by_name)
    by_reference = _plans(client, f"/cases/search/?q={case.reference}", "cases_case")
    assert _uses(by_reference, "reference"), "\n\n".join(by_reference)
    incidents_by_reference = _plans(client, "/cases/search/?q=INC-2020-00001", "incidents_incident")
    assert _uses(incidents_by_reference, "reference"), "\n\n".join(incidents_by_reference)


@postgres_only
@pytest.mark.django_db
def test_findings_read_the_window_through_an_index(network):
    """The findings' one query reads the incidents of the window by their date through an
    index, so its cost follows the window, not the table."""
    network.grow_to(LARGE)
    # Years of older incidents, as a network has: then the window is a small part of the
    # table, as it is at a network's size (copies of a recorded one, written in bulk).
    from aegis.incidents.models import Incident

    recorded = Incident.objects.order_by("pk").first()
    assert recorded is not None
    older = []
    for n in range(2000):
        copy = Incident.objects.get(pk=recorded.pk)
        copy.pk = None
        copy.reference = f"INC-2019-{n + 1:05d}"
        # The clear months only (the copies' sealed days are the recorded one's, unread).
        copy.month_start = (clock.today() - datetime.timedelta(days=60 + n)).replace(day=1)
        copy.month_end = None
        older.append(copy)
    Incident.objects.bulk_create(older)
    for path, client in (
        ("/risk/", network.client(network.coordinator)),
        ("/risk/analysis/", network.client(network.analyst)),
    ):
        plans = [
            p
            for p in _plans(client, path, "incidents_incident")
            if "GroupAggregate" in p or "HashAggregate" in p
        ]
        window = [
            p
            for p in plans
            if re.search(r"Index Cond: .*month_start", p) and "incidents_incident" in p
        ]
        assert window, path + "\n\n" + "\n\n".join(plans)


@postgres_only
@pytest.mark.django_db
def test_level_counts_are_read_through_their_index(network):
    """The dashboard's counts by level and of cases not yet assessed are a few kept counts
    of the reader's compartments, read through their index."""
    network.grow_to(LARGE)
    plans = _plans(network.client(network.coordinator), "/risk/", "risk_levelcount")
    assert any(re.search(r"Index Cond: .*compartment_id = ", p) for p in plans), "\n\n".join(plans)
    cases = _plans(network.client(network.coordinator), "/risk/", "cases_case")
    assert not any("risk_assessment" in p and "Aggregate" in p for p in cases), "\n\n".join(cases)


@postgres_only
@pytest.mark.django_db
def test_the_work_queue_counts_closed_cases_through_their_index(network):
    """Retention's line counts the closed cases whose period ended on every visit: they are
    read from the index of closed cases by date, not found among every case."""
    network.grow_to(LARGE)
    plans = [
        p
        for p in _plans(network.client(network.coordinator), "/", "cases_case")
        if "closed_at" in p
    ]
    assert plans, "no count of closed cases"
    assert all("cases_closed_by_date" in p for p in plans), "\n\n".join(plans)
