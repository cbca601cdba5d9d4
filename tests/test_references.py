"""Case and incident references come from a counter per series and year: they run past
99,999 (where sorting references as text stopped), restart at 1 each year, and stay distinct
when many people create records at once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.test import Client

from aegis import clock
from aegis.cases import services as cases
from aegis.cases.models import Case, ReferenceCounter
from aegis.incidents import services as incidents
from aegis.incidents.models import Incident
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

DAY = datetime.date(2024, 3, 5)


def _at(year: int, *rest: int) -> datetime.datetime:
    return datetime.datetime(year, *(rest or (6, 1)), tzinfo=datetime.UTC)


def _set_counter(series: str, year: int, last: int) -> None:
    ReferenceCounter.objects.update_or_create(series=series, year=year, defaults={"last": last})


@pytest.fixture
def worker(make_person, make_compartment):
    person = make_person(Role.CASEWORKER)
    return person, make_compartment(person)


def _open_case(person, compartment, n: int = 0) -> Case:
    return cases.start_case(
        compartment,
        subject_kind="organisation",
        subject_name=f"Radio collective {n}",
        summary="Threats after the broadcast",
        actor_id=person.user.pk,
    )


def _record_incident(person, compartment) -> Incident:
    return incidents.create_incident(
        compartment, actor_id=person.user.pk, title="Raid on the radio station", date_start=DAY
    )


@pytest.mark.django_db
def test_references_run_past_99999_for_cases_and_incidents(worker):
    person, compartment = worker
    with clock.frozen(_at(2031)), unlocked(person.keychain()):
        _set_counter("AEG", 2031, 99_998)
        _set_counter("INC", 2031, 99_998)
        made = [_open_case(person, compartment, n) for n in range(3)]
        recorded = [_record_incident(person, compartment) for _ in range(3)]
    assert [c.reference for c in made] == ["AEG-2031-99999", "AEG-2031-100000", "AEG-2031-100001"]
    assert [i.reference for i in recorded] == [
        "INC-2031-99999",
        "INC-2031-100000",
        "INC-2031-100001",
    ]
    # The longer references open like any other.
    client = sign_in(Client(), person)
    assert client.get(f"/cases/{made[-1].reference}/").status_code == 200
    assert client.get(f"/incidents/{recorded[-1].reference}/").status_code == 200


@pytest.mark.django_db
def test_a_new_year_starts_at_one(worker):
    person, compartment = worker
    with clock.frozen(_at(2031, 12, 31, 23, 59, 30)), unlocked(person.keychain()):
        _set_counter("AEG", 2031, 99_999)
        _set_counter("INC", 2031, 41)
        last_of_year = (_open_case(person, compartment), _record_incident(person, compartment))
        clock.advance(datetime.timedelta(minutes=1))
        first_of_year = (_open_case(person, compartment), _record_incident(person, compartment))
    assert [r.reference for r in last_of_year] == ["AEG-2031-100000", "INC-2031-00042"]
    assert [r.reference for r in first_of_year] == ["AEG-2032-00001", "INC-2032-00001"]


@pytest.mark.django_db
def test_a_record_that_is_not_saved_gives_its_number_back(worker):
    person, compartment = worker
    with clock.frozen(_at(2031)), unlocked(person.keychain()):
        _set_counter("AEG", 2031, 7)
        _set_counter("INC", 2031, 7)
        with pytest.raises(RuntimeError), transaction.atomic():
            _open_case(person, compartment)
            _record_incident(person, compartment)
            raise RuntimeError("the creating transaction fails after the numbers were taken")
        assert _open_case(person, compartment).reference == "AEG-2031-00008"
        assert _record_incident(person, compartment).reference == "INC-2031-00008"


def _seed_counters():
    """The data migration's seeding step, found by name (the migration may be renumbered)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    (migration,) = [
        m
        for (app, name), m in loader.disk_migrations.items()
        if app == "cases" and name.endswith("_reference_counters")
    ]
    (seed,) = [op for op in migration.operations if op.__class__.__name__ == "RunPython"]
    seed.code(apps, None)


@pytest.mark.django_db
def test_the_migration_reads_existing_references_as_numbers(worker):
    person, compartment = worker
    with clock.frozen(_at(2029)), unlocked(person.keychain()):
        made = [_open_case(person, compartment, n) for n in range(4)]
        recorded = _record_incident(person, compartment)
    # As text, AEG-2029-99999 sorts above AEG-2029-100000.
    for case, reference in zip(
        made, ["AEG-2029-99999", "AEG-2029-100000", "AEG-2029-00007", "AEG-2030-00003"], strict=True
    ):
        Case.objects.filter(pk=case.pk).update(reference=reference)
    Incident.objects.filter(pk=recorded.pk).update(reference="INC-2029-100004")
    ReferenceCounter.objects.all().delete()

    _seed_counters()

    assert set(ReferenceCounter.objects.values_list("series", "year", "last")) == {
        ("AEG", 2029, 100_000),
        ("AEG", 2030, 3),
        ("INC", 2029, 100_004),
    }
    with clock.frozen(_at(2029)), unlocked(person.keychain()):
        assert _open_case(person, compartment).reference == "AEG-2029-100001"
        assert _record_incident(person, compartment).reference == "INC-2029-100005"


THREADS = 6
ROUNDS = 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_gives_distinct_references(worker, make_case):
    """Several people at once, through both ways a case starts: with a new person (the
    person's audit entry comes before the case number) and about a known person (the number
    comes first). Every record is saved, and no reference is given twice."""
    person, compartment = worker
    known = make_case(compartment, person).person
    keychains = [person.keychain() for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    references: list[str] = []
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            with unlocked(keychains[index]):
                start.wait()
                for n in range(ROUNDS):
                    case = cases.start_case(
                        compartment,
                        subject_kind="person",
                        summary="Followed home",
                        actor_id=person.user.pk,
                        person=known if (index + n) % 2 else None,
                        new_person=None if (index + n) % 2 else {"pseudonym": f"P{index}-{n}"},
                    )
                    incident = _record_incident(person, compartment)
                    references.extend([case.reference, incident.reference])
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    with clock.frozen(_at(2031)):
        _set_counter("AEG", 2031, 99_990)  # the run crosses 99,999 too
        threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    case_refs = [r for r in references if r.startswith("AEG-2031-")]
    incident_refs = [r for r in references if r.startswith("INC-2031-")]
    assert len(case_refs) == len(set(case_refs)) == THREADS * ROUNDS
    assert len(incident_refs) == len(set(incident_refs)) == THREADS * ROUNDS
    assert Case.objects.filter(reference__in=case_refs).count() == THREADS * ROUNDS
    assert Incident.objects.filter(reference__in=incident_refs).count() == THREADS * ROUNDS
    # Numbers may skip (a failed record's number is not reused elsewhere), never repeat or
    # fall back below where the counter stood.
    assert min(int(r.rsplit("-", 1)[1]) for r in case_refs) >= 99_991
