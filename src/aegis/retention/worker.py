"""The housekeeping thread of `aegis worker`: a scheduled backup when one is due, expiry
once a day, the public statistics remade when their data change, and the news checks a lost
task left undone. A thread of its own, so
that a backup of a large instance never delays the alert loop's escalations and check-ins.
Logs say what failed by type, never a record.

Several workers may run (on one machine or many): each round runs under a lease
(lease.py), so one worker makes a given backup or expiry run and the others skip it."""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections, connections

from aegis.monitoring import mentions
from aegis.reports import release

from . import lease, schedule, services

logger = logging.getLogger(__name__)

CHECK_EVERY = 60.0  # seconds; what is due is decided by aegis.clock, this only polls


def backup_round() -> int:
    # Under the lease no other worker is making a backup: an unfinished run is one a
    # stopped worker left, and counts as failed.
    schedule.interrupted_runs_failed()
    return schedule.backup_if_due()


# Per round: its work and how long its lease lasts. A lease outlives any run it covers (a
# backup of a large instance takes minutes, not hours), and lapses if its worker dies.
ROUNDS: tuple[tuple[str, Callable[[], int], datetime.timedelta], ...] = (
    ("scheduled backup", backup_round, datetime.timedelta(hours=6)),
    ("expiry", services.expire_if_due, datetime.timedelta(hours=2)),
    # The public statistics made ahead of the page views that would otherwise wait for them.
    ("public statistics", release.refresh, datetime.timedelta(minutes=30)),
    # News articles an analyst added whose check for protected people the worker lost.
    ("news checks left", mentions.checks_left, datetime.timedelta(minutes=30)),
    # Campaigns saved before their target's index had a domain of its own.
    ("campaign targets", mentions.tokenise_targets, datetime.timedelta(minutes=30)),
)


def run_rounds(holder: str | None = None) -> dict[str, int]:
    """Each round this worker can take the lease of: how much it did (0 when another worker
    holds the round)."""
    holder = holder or lease.new_holder()
    done = {}
    for name, work, ttl in ROUNDS:
        done[name] = 0
        try:
            if not lease.take(name, holder, ttl):
                continue
            try:
                done[name] = work()
            finally:
                lease.release(name, holder)
        except Exception as error:  # the next poll tries again; the admin's page shows it
            logger.error("housekeeping: %s failed: %s", name, type(error).__name__)
    return done


class Housekeeping:
    def __init__(self, every: float = CHECK_EVERY) -> None:
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.holder = lease.new_holder()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                close_old_connections()
                run_rounds(self.holder)
                self._stop.wait(self.every)
        finally:
            connections.close_all()

    def start(self) -> None:
        # A daemon: a backup in progress does not hold the worker at exit (its partial file
        # is removed by the next one, and the run is marked failed at the next start).
        self._thread = threading.Thread(target=self._run, name="housekeeping", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
