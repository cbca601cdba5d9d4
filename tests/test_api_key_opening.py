"""The API opens record keys as the pages do: a read (GET) opens the keys of what it answers
with, in one batch, and appends one audit entry for the call; reading a protected field whose
key was not opened fails loudly. Every list answers with as many queries at either size, and
several clients reading at once each append one entry (not one per row), taking the audit
head only for that append, so no reader queues behind another's reads."""

from __future__ import annotations

import datetime
import io
import threading

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from aegis.api_auth import keys_unlocked
from aegis.audit.models import AuditEntry, AuditRecordList
from aegis.audit.selectors import verify_chain
from aegis.cases import selectors as case_selectors
from aegis.cases import services as cases
from aegis.cases.models import Case
from aegis.evidence import services as evidence
from aegis.incidents import services as incidents
from aegis.roles import Role
from aegis.safety import services as safety
from aegis.vault.keychain import KeyNotOpened, current, unlocked
from tests.conftest import Person, api_client
from tests.evidence.samples import PDF
from tests.risk.conftest import ratings, threat
from tests.safety.conftest import small_draft
from tests.test_query_counts import Network

SMALL, LARGE = 2, case_selectors.PAGE_SIZE + 3
DAY = datetime.date(2024, 3, 5)

# Lists over the caller's compartments, grown by tests.test_query_counts.Network.
LISTS = {
    "cases": "/api/v1/cases/",
    "cases, filtered": "/api/v1/cases/?status=intake&country=CO",
    "people": "/api/v1/cases/people",
    "incidents": "/api/v1/incidents/",
    "incidents, filtered": "/api/v1/incidents/?country=CO&violation_type=threat",
    "risk findings": "/api/v1/risk/findings",
    "risk dashboard": "/api/v1/risk/dashboard",
    "open alerts": "/api/v1/alerts/open",
    "alert history": "/api/v1/alerts/history",
}


def _opened_entries() -> int:
    return AuditEntry.objects.filter(action="record.open").count()


def _measure(client: Client, path: str) -> tuple[int, int]:
    """Queries of one call, and the audit entries it appended."""
    before = _opened_entries()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content.decode()[:2000])
    return len(captured.captured_queries), _opened_entries() - before


def _at_two_sizes(
    client: Client, paths: dict[str, str], grow_to
) -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
    def settled(size: int) -> dict[str, tuple[int, int]]:
        grow_to(size)
        for path in paths.values():
            # What is kept between requests settles first: settings and checklists cached
            # per process, and the findings kept per scope (risk.findings_snapshots), which
            # the first read after the data grew computes once.
            client.get(path)
        return {label: _measure(client, path) for label, path in paths.items()}

    small, large = settled(SMALL), settled(LARGE)
    return {label: (small[label], large[label]) for label in paths}


# --- Reads are explicit -------------------------------------------------------------------


@pytest.fixture
def worker(make_person, make_compartment) -> tuple[Person, object]:
    person = make_person(Role.CASEWORKER)
    return person, make_compartment(person)


@pytest.mark.django_db
def test_an_api_read_opens_nothing_by_itself_and_a_write_opens_what_it_touches(worker, make_case):
    person, compartment = worker
    case = make_case(compartment, person, summary="Followed after the hearing")

    @keys_unlocked
    def endpoint(request):
        assert current().explicit == (request.method in ("GET", "HEAD"))
        return Case.objects.get(pk=case.pk).summary

    for method in ("get", "head"):
        request = getattr(RequestFactory(), method)("/api/v1/cases/")
        request.keychain = person.keychain()
        with pytest.raises(KeyNotOpened):
            endpoint(request)
    request = RequestFactory().post("/api/v1/cases/")
    request.keychain = person.keychain()
    assert endpoint(request) == "Followed after the hearing"


# --- Lists: the same queries at either size, at most one audit entry per call -------------


@pytest.mark.django_db
def test_api_lists_ask_as_many_queries_at_either_size(make_person, make_compartment, make_case):
    network = Network(make_person, make_compartment, make_case)
    counts = _at_two_sizes(api_client(network.coordinator), LISTS, network.grow_to)
    grew = {label: pair for label, pair in counts.items() if pair[0][0] != pair[1][0]}
    assert not grew, f"(queries, audit entries) at {SMALL} and {LARGE} rows: {grew}"
    assert all(entries <= 1 for pair in counts.values() for _, entries in pair), counts
    # The incident list shows titles: one entry for the call, listing the page's incidents.
    assert counts["incidents"] == ((counts["incidents"][0][0], 1),) * 2
    coordinator = api_client(network.coordinator)
    before = AuditEntry.objects.count()
    coordinator.get(LISTS["incidents"])
    (entry,) = AuditEntry.objects.filter(seq__gt=before)
    assert (entry.action, entry.actor_id) == ("record.open", network.coordinator.user.pk)
    listed = AuditRecordList.objects.get(entry=entry).records.split()
    assert len(listed) == case_selectors.PAGE_SIZE


class CaseFile:
    """One case, grown through the real services: notes, evidence, assessments, versions of
    its person's safety plan, and an incident with acts naming perpetrators (each under a
    key of their own)."""

    def __init__(self, person: Person, compartment, make_case) -> None:
        self.person = person
        self.case = make_case(compartment, person)
        with unlocked(person.keychain()):
            self.incident = incidents.create_incident(
                compartment, actor_id=person.user.pk, title="Raid", date_start=DAY
            )
        self.size = 0

    def grow_to(self, size: int) -> None:
        from aegis.risk import services as risk

        actor = self.person.user
        with unlocked(self.person.keychain()):
            for n in range(self.size, size):
                cases.add_note(self.case, f"Call log {n}", actor_id=actor.pk)
                evidence.upload_evidence(
                    self.case, io.BytesIO(PDF), f"statement-{n}.pdf", actor_id=actor.pk
                )
                risk.create_assessment(
                    self.case, actor=actor, threats=[threat()], ratings=ratings()
                )
                safety.save_plan(self.case.person, small_draft(), actor_id=actor.pk)
                named = incidents.create_perpetrator(
                    self.incident.compartment, actor_id=actor.pk, name=f"Unit {n}"
                )
                incidents.add_act(
                    self.incident,
                    violation_type="threat",
                    actor_id=actor.pk,
                    perpetrators=[(named, "perpetrator")],
                    described_victims=[incidents.DescribedVictim(f"Witness {n}")],
                )
                incidents.add_source(
                    self.incident,
                    actor_id=actor.pk,
                    kind="testimony",
                    reliability="B",
                    description=f"Neighbour {n}",
                )
        self.size = size


@pytest.mark.django_db
def test_a_case_files_lists_and_details_ask_as_many_queries_at_either_size(worker, make_case):
    person, compartment = worker
    file = CaseFile(person, compartment, make_case)
    case, incident = file.case, file.incident
    paths = {
        "case": f"/api/v1/cases/{case.reference}",
        "person": f"/api/v1/cases/people/{case.person_id}",
        "evidence items": f"/api/v1/evidence/cases/{case.reference}/items",
        "assessments": f"/api/v1/risk/cases/{case.reference}/assessments",
        "assessment": f"/api/v1/risk/cases/{case.reference}/assessments/1",
        "plan versions": f"/api/v1/safety/people/{case.person_id}/plan/versions",
        "plan": f"/api/v1/safety/people/{case.person_id}/plan",
        "incident": f"/api/v1/incidents/{incident.reference}",
    }
    counts = _at_two_sizes(api_client(person), paths, file.grow_to)
    grew = {label: pair for label, pair in counts.items() if pair[0][0] != pair[1][0]}
    assert not grew, f"(queries, audit entries) at {SMALL} and {LARGE} rows: {grew}"
    assert all(entries <= 1 for pair in counts.values() for _, entries in pair), counts
    # The incident's perpetrators each have a key: opened in one batch, audited in one entry.
    assert counts["incident"][1][1] == 1
    body = api_client(person).get(paths["incident"]).json()
    assert {p["name"] for act in body["acts"] for p in act["perpetrators"]} == {
        f"Unit {n}" for n in range(LARGE)
    }


# --- Several clients at once ----------------------------------------------------------------

CLIENTS = 4
ROUNDS = 3
TRANSACTION = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT")


def _head_lock(queries: list[str]) -> int:
    """Where the call takes the audit chain's head (FOR UPDATE on PostgreSQL; on SQLite the
    append's IMMEDIATE transaction holds the database's write lock instead)."""
    (first, *_others) = [n for n, sql in enumerate(queries) if "audit_audithead" in sql]
    return first


@pytest.mark.django_db(transaction=True)
def test_clients_reading_lists_at_once_each_append_one_entry(worker):
    """Each call appends one entry for the rows it read (not one per row), and holds the
    audit head only for that append: every query from the lock to the end of the call is
    the append's own, so a reader never waits on another's reads, only on its short append.
    Nothing is timed."""
    person, compartment = worker
    with unlocked(person.keychain()):
        for n in range(case_selectors.PAGE_SIZE + 5):
            incidents.create_incident(
                compartment, actor_id=person.user.pk, title=f"Threat {n}", date_start=DAY
            )
    clients = [api_client(person) for _ in range(CLIENTS)]
    before = AuditEntry.objects.count()
    start = threading.Barrier(CLIENTS)
    calls: list[tuple[int, list[str]]] = []
    errors: list[BaseException] = []

    def read(client: Client) -> None:
        try:
            start.wait()
            for _ in range(ROUNDS):
                with CaptureQueriesContext(connection) as captured:
                    response = client.get("/api/v1/incidents/")
                calls.append((response.status_code, [q["sql"] for q in captured]))
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=read, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [status for status, _ in calls] == [200] * (CLIENTS * ROUNDS)
    for _, queries in calls:
        appends = [sql for sql in queries if sql.startswith('INSERT INTO "audit_auditentry"')]
        assert len(appends) == 1
        held = queries[_head_lock(queries) :]
        assert all("audit_" in sql or sql.startswith(TRANSACTION) for sql in held), held
        if connection.vendor == "postgresql":
            assert sum("FOR UPDATE" in sql for sql in queries) == 1
    entries = AuditEntry.objects.filter(seq__gt=before)
    assert entries.count() == CLIENTS * ROUNDS
    assert set(entries.values_list("action", flat=True)) == {"record.open"}
    for listed in AuditRecordList.objects.filter(entry__in=entries):
        assert len(listed.records.split()) == case_selectors.PAGE_SIZE
    assert verify_chain()[1] is None
