"""Opening record keys is explicit and batched: a page opens the keys of the rows it shows in
one query and appends one audit entry for the view (listing every record read, and by whom);
reading a protected field whose key the page did not open fails loudly. List pages use the
same number of queries whatever the number of rows on them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aegis.audit.models import AuditEntry, AuditRecordList
from aegis.audit.selectors import verify_chain
from aegis.cases.models import Case
from aegis.incidents import services as incidents
from aegis.incidents.models import Incident
from aegis.roles import Role
from aegis.vault.keychain import KeyNotOpened, NoKeyAccess, unlocked
from aegis.vault.selectors import open_records
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_person, make_compartment):
    worker = make_person(Role.CASEWORKER)
    return worker, make_compartment(worker)


def _cases(make_case, worker, compartment, count: int) -> list[Case]:
    return [make_case(compartment, worker) for _ in range(count)]


def _incidents(worker, compartment, count: int) -> None:
    with unlocked(worker.keychain()):
        for n in range(count):
            incidents.create_incident(
                compartment,
                actor_id=worker.user.pk,
                title=f"Threat number {n}",
                date_start=datetime.date(2024, 3, 5),
            )


def _opened_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="record.open"))


# --- The keychain -------------------------------------------------------------------------


def test_opening_many_records_is_one_query_and_one_audit_entry(team, make_case):
    worker, compartment = team
    cases = _cases(make_case, worker, compartment, 4)
    before = AuditEntry.objects.count()
    with unlocked(worker.keychain()) as chain:
        chain.explicit = True
        fresh = list(Case.objects.filter(pk__in=[c.pk for c in cases]))
        with CaptureQueriesContext(connection) as opening:
            open_records(fresh)
        assert len(opening.captured_queries) == 1
        with CaptureQueriesContext(connection) as reading:
            summaries = [case.summary for case in fresh]
        assert len(reading.captured_queries) == 0 and all(isinstance(s, str) for s in summaries)
        assert AuditEntry.objects.count() == before  # audited when the context ends
    (entry,) = AuditEntry.objects.filter(seq__gt=before)
    assert (entry.action, entry.actor_id, entry.object_type) == (
        "record.open",
        worker.user.pk,
        "case",
    )
    listed = AuditRecordList.objects.get(entry=entry).records.split()
    assert sorted(listed) == sorted(f"case:{c.data_key_id}" for c in cases)
    assert entry.object_id != "4"  # the digest of the list, which the chain's MAC covers
    assert verify_chain()[1] is None


def test_only_records_read_are_audited(team, make_case):
    worker, compartment = team
    cases = _cases(make_case, worker, compartment, 3)
    before = AuditEntry.objects.count()
    with unlocked(worker.keychain()):
        fresh = list(Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("pk"))
        open_records(fresh)
        _ = fresh[0].summary
    (entry,) = AuditEntry.objects.filter(seq__gt=before)
    assert (entry.object_type, entry.object_id) == ("case", str(cases[0].data_key_id))


def test_a_page_read_of_an_unopened_record_fails_loudly(team, make_case):
    worker, compartment = team
    (case,) = _cases(make_case, worker, compartment, 1)
    with unlocked(worker.keychain()) as chain:
        chain.explicit = True
        fresh = Case.objects.get(pk=case.pk)
        with pytest.raises(KeyNotOpened):
            _ = fresh.summary


def test_a_record_the_reader_holds_no_key_for_stays_closed(team, make_case, make_person):
    worker, compartment = team
    (case,) = _cases(make_case, worker, compartment, 1)
    outsider = make_person(Role.CASEWORKER)
    with unlocked(outsider.keychain()) as chain:
        chain.explicit = True
        fresh = Case.objects.get(pk=case.pk)
        open_records([fresh])
        with pytest.raises(NoKeyAccess):
            _ = fresh.summary


def test_a_changed_list_of_records_is_noticed(team, make_case):
    worker, compartment = team
    cases = _cases(make_case, worker, compartment, 2)
    with unlocked(worker.keychain()):
        fresh = list(Case.objects.filter(pk__in=[c.pk for c in cases]))
        open_records(fresh)
        _ = [c.summary for c in fresh]
    listed = AuditRecordList.objects.get()
    AuditRecordList.objects.filter(pk=listed.pk).update(records=listed.records.split()[0])
    _checked, problem = verify_chain()
    assert problem is not None and "list of records" in str(problem)


def test_a_removed_list_of_records_is_found(team, make_case):
    """The entry's MAC still holds without its list, so its removal had gone unseen: an
    auditor could no longer tell which records the entry opened."""
    from django.db import connection

    worker, compartment = team
    cases = _cases(make_case, worker, compartment, 3)
    with unlocked(worker.keychain()):
        fresh = list(Case.objects.filter(pk__in=[c.pk for c in cases]))
        open_records(fresh)
        _ = [c.summary for c in fresh]
    listed = AuditRecordList.objects.get()
    assert verify_chain()[1] is None
    with connection.cursor() as cursor:  # as an insider with the database would
        cursor.execute(
            f"DELETE FROM {AuditRecordList._meta.db_table} WHERE entry_id = %s", [listed.pk]
        )
    _checked, problem = verify_chain()
    assert problem is not None and "list of records was removed" in str(problem)


# --- Pages: the same queries at 5 and 25 rows, one audit entry per view ------------------


def _measure(client: Client, url: str) -> tuple[int, int]:
    before = AuditEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:2000]
    return len(queries.captured_queries), AuditEntry.objects.count() - before


@pytest.mark.parametrize("url", ["/cases/", "/cases/people/"])
def test_case_and_people_lists_cost_the_same_at_any_size(team, make_case, url):
    worker, compartment = team
    client = sign_in(Client(), worker)
    _cases(make_case, worker, compartment, 5)
    client.get(url)  # the session's first view settles what it caches
    small = _measure(client, url)
    _cases(make_case, worker, compartment, 20)
    large = _measure(client, url)
    assert small == large
    assert large[1] <= 1


def test_the_incident_list_costs_the_same_at_any_size(team):
    worker, compartment = team
    client = sign_in(Client(), worker)
    _incidents(worker, compartment, 5)
    client.get("/incidents/")
    small = _measure(client, "/incidents/")
    _incidents(worker, compartment, 20)
    assert Incident.objects.count() == 25
    entries = len(_opened_entries())
    large = _measure(client, "/incidents/")
    assert small == large
    assert large[1] == 1  # one audit append for the page
    (entry,) = _opened_entries()[entries:]
    assert entry.actor_id == worker.user.pk and entry.object_type == "incident"
    assert len(AuditRecordList.objects.get(entry=entry).records.split()) == 25
    assert "Threat number 19" in client.get("/incidents/").content.decode()


def test_the_case_page_opens_its_records_with_one_audit_entry(team, make_case):
    worker, compartment = team
    (case,) = _cases(make_case, worker, compartment, 1)
    client = sign_in(Client(), worker)
    before = AuditEntry.objects.count()
    response = client.get(f"/cases/{case.reference}/")
    assert response.status_code == 200
    assert AuditEntry.objects.filter(seq__gt=before, action="record.open").count() == 1
