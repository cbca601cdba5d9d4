"""A key that an instance has one of (the monitoring fingerprint key) is made once, even by two
processes that both find none at once: the second waits for the first and takes its key. Real
threads on the test database, SQLite and PostgreSQL alike; they wait on events and on the
database's own view of who waits, never on time."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from aegis.vault import selectors as vault_selectors
from aegis.vault import services as vault
from aegis.vault.models import DataKey

pytestmark = pytest.mark.django_db(transaction=True)

PURPOSE = "test-single"
WAIT = 30  # seconds a thread may wait for an event before the test fails


def _waiting_for_the_lock() -> bool:
    """Whether a session waits for an advisory lock (PostgreSQL's view of its locks)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return bool(cursor.fetchone()[0])


def test_two_processes_making_the_key_at_once_make_one(monkeypatch):
    first_inside, first_may_go, second_looked = (threading.Event() for _ in range(3))
    got: dict[str, uuid.UUID] = {}
    errors: list[BaseException] = []
    looked_up = vault_selectors.live_key_id

    def first_holders():
        # The first process is making the key: it has read that there is none, not written.
        first_inside.set()
        assert first_may_go.wait(WAIT)
        return []

    def second_live_key_id(purpose):
        found = looked_up(purpose)
        if threading.current_thread().name == "second":
            second_looked.set()
        return found

    monkeypatch.setattr(vault_selectors, "live_key_id", second_live_key_id)

    def run(name, holders):
        def target():
            try:
                got[name] = vault.single_key_id(PURPOSE, holders)
            except BaseException as error:  # reported by the main thread
                errors.append(error)
            finally:
                connection.close()

        return threading.Thread(target=target, name=name)

    first = run("first", first_holders)
    first.start()
    assert first_inside.wait(WAIT)
    # The second finds no key either (the first has not written it) and goes to make one.
    second = run("second", lambda: [])
    second.start()
    assert second_looked.wait(WAIT)
    if connection.vendor == "postgresql":
        # It waits for the first one's lock (SQLite: for its write lock, which it cannot show).
        for _ in range(3000):
            if _waiting_for_the_lock():
                break
            threading.Event().wait(0.01)
        assert _waiting_for_the_lock()
    first_may_go.set()
    for thread in (first, second):
        thread.join(WAIT)
    assert not errors, errors
    assert not first.is_alive() and not second.is_alive()
    assert got["first"] == got["second"]
    assert list(DataKey.objects.filter(purpose=PURPOSE).values_list("id", flat=True)) == [
        got["first"]
    ]


def test_the_key_is_made_once_and_read_after():
    assert vault_selectors.live_key_id(PURPOSE) is None
    made = vault.single_key_id(PURPOSE, lambda: [])
    assert vault.single_key_id(PURPOSE, lambda: pytest.fail("made twice")) == made
    assert DataKey.objects.filter(purpose=PURPOSE).count() == 1
