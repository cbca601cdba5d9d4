"""The number that puts kept findings out of date (risk.findings_snapshots): raised once per
transaction however many parts it writes, again when a savepoint that raised it was rolled
back, and not by a case save that changes nothing findings read."""

from __future__ import annotations

import datetime
from contextlib import suppress

import pytest
from django.db import transaction

from aegis import clock
from aegis.cases import services as cases
from aegis.cases.vocabulary import Sector
from aegis.incidents import services as incidents
from aegis.risk import findings_snapshots
from aegis.risk.models import FindingsVersion
from aegis.roles import Role
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db


def version() -> int:
    return FindingsVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


@pytest.fixture
def team(make_person, make_compartment, make_case, django_capture_on_commit_callbacks):
    """A caseworker and a case, committed (their raises run, as a commit would run them)."""
    worker = make_person(Role.CASEWORKER)
    with django_capture_on_commit_callbacks(execute=True):
        compartment = make_compartment(worker)
        case = make_case(compartment, worker)
    return worker, compartment, case


def test_one_transaction_raises_the_number_once(team, django_capture_on_commit_callbacks):
    worker, compartment, case = team
    before = version()
    with (
        unlocked(worker.keychain()),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        incident = incidents.create_incident(
            compartment,
            actor_id=worker.user.pk,
            title="Threat",
            date_start=clock.today() - datetime.timedelta(days=1),
            country="CO",
            region="CO-ANT",
            cases=[case],
        )
        incidents.add_act(incident, violation_type="threat", actor_id=None, victims=[case.person])
        incidents.add_act(incident, violation_type="threat", actor_id=None, victims=[case.person])
    raises = [c for c in callbacks if isinstance(c, findings_snapshots._Raise)]
    assert len(raises) == 1
    assert version() == before + 1


def test_a_raise_rolled_back_with_its_savepoint_is_registered_again(
    django_capture_on_commit_callbacks,
):
    before = version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        with suppress(RuntimeError), transaction.atomic():
            findings_snapshots.changed()
            raise RuntimeError("rolled back")
        findings_snapshots.changed()
        findings_snapshots.changed()
    assert len(callbacks) == 1
    assert version() == before + 1


def test_separate_transactions_each_raise_it(django_capture_on_commit_callbacks):
    before = version()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            findings_snapshots.changed()
    assert version() == before + 2


def test_a_case_save_raises_it_only_when_what_findings_read_changes(
    team, django_capture_on_commit_callbacks
):
    worker, _compartment, case = team
    before = version()
    with django_capture_on_commit_callbacks(execute=True), unlocked(worker.keychain()):
        cases.change_status(case, "active", "Work begins", actor_id=worker.user.pk)
        cases.update_case(case, actor_id=worker.user.pk, reason="Typo", summary="Corrected")
        cases.add_note(case, "A call", actor_id=worker.user.pk)
    assert version() == before  # status, summary, a note: no finding reads them
    other = Sector.JOURNALISM if case.sector != Sector.JOURNALISM else Sector.LABOUR
    with django_capture_on_commit_callbacks(execute=True), unlocked(worker.keychain()):
        cases.update_case(case, actor_id=worker.user.pk, reason="Sector", sector=other)
    assert version() == before + 1


@pytest.mark.django_db(transaction=True)
def test_findings_kept_while_incidents_were_read_by_day_are_forgotten_by_the_upgrade():
    """Findings kept before the days were sealed hold their incidents' exact first and last
    days beside a person's id, and were counted over a window of days: the upgrade drops them
    (they are a cache, computed again by the next reader)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from aegis.risk.models import FindingsSnapshot

    MigrationExecutor(connection).migrate([("risk", "0007_pad_names")])
    FindingsSnapshot.objects.create(
        scope="all",
        version=0,
        day=datetime.date(2026, 12, 6),
        window_days=30,
        min_count=3,
        findings=[{"kind": "person", "person_id": 1, "first_date": "2026-11-23"}],
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert not FindingsSnapshot.objects.exists()
