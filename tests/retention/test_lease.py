"""Two workers' housekeeping: each round runs under a lease, so of two workers racing for
it exactly one runs it, the other skips it while it runs, and takes it once it is released
or lapsed. Real threads on the test database, SQLite and PostgreSQL alike; they wait on
events, never on time."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection

from aegis import clock
from aegis.retention import lease, worker

pytestmark = pytest.mark.django_db(transaction=True)

HOUR = datetime.timedelta(hours=1)


def _in_threads(*targets):
    errors: list[BaseException] = []

    def guarded(target):
        def run():
            try:
                target()
            except BaseException as error:  # reported by the main thread
                errors.append(error)
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)


def test_of_two_workers_racing_for_a_lease_exactly_one_takes_it():
    start = threading.Barrier(2)
    taken: dict[str, bool] = {}

    def racer(holder: str):
        def take():
            start.wait(timeout=30)
            taken[holder] = lease.take("expiry", holder, HOUR)

        return take

    for round_ in range(3):
        taken.clear()
        _in_threads(racer(f"a{round_}"), racer(f"b{round_}"))
        assert sorted(taken.values()) == [False, True]
        lease.release("expiry", next(h for h, won in taken.items() if won))


def test_a_round_another_worker_is_running_is_skipped_then_taken(monkeypatch):
    inside, finish = threading.Event(), threading.Event()
    ran: list[str] = []

    def slow_round() -> int:
        ran.append(threading.current_thread().name)
        inside.set()
        assert finish.wait(timeout=30)
        return 1

    monkeypatch.setattr(worker, "ROUNDS", (("expiry", slow_round, HOUR),))
    first: dict[str, int] = {}

    def first_worker():
        first.update(worker.run_rounds("worker-a"))

    thread = threading.Thread(target=lambda: _in_threads(first_worker), name="a")
    thread.start()
    try:
        assert inside.wait(timeout=30)
        assert worker.run_rounds("worker-b") == {"expiry": 0}  # a holds the round
    finally:
        finish.set()
        thread.join(timeout=60)
    assert first == {"expiry": 1} and len(ran) == 1
    finish.set()
    assert worker.run_rounds("worker-b") == {"expiry": 1}  # released when a finished
    assert len(ran) == 2


def test_a_lease_whose_worker_died_lapses():
    with clock.frozen(datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)):
        assert lease.take("scheduled backup", "dead worker", HOUR)
        assert not lease.take("scheduled backup", "live worker", HOUR)
        clock.advance(HOUR)
        assert lease.take("scheduled backup", "live worker", HOUR)
