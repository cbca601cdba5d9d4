"""The housekeeping thread of `aegis worker`: a scheduled backup when one is due, expiry
once a day. A thread of its own, so that a backup of a large instance never delays the
alert loop's escalations and check-ins. Logs say what failed by type, never a record."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections, connections

from aegis.reports import release

from . import schedule, services

logger = logging.getLogger(__name__)

CHECK_EVERY = 60.0  # seconds; what is due is decided by aegis.clock, this only polls
ROUNDS: tuple[tuple[str, Callable[[], int]], ...] = (
    ("scheduled backup", schedule.backup_if_due),
    ("expiry", services.expire_if_due),
    # The public statistics made ahead of the page views that would otherwise wait for them.
    ("public statistics", release.refresh),
)


def run_rounds() -> dict[str, int]:
    done = {}
    for name, work in ROUNDS:
        try:
            done[name] = work()
        except Exception as error:  # the next poll tries again; the admin's page shows it
            logger.error("housekeeping: %s failed: %s", name, type(error).__name__)
            done[name] = 0
    return done


class Housekeeping:
    def __init__(self, every: float = CHECK_EVERY) -> None:
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        try:
            schedule.interrupted_runs_failed()
            while not self._stop.is_set():
                close_old_connections()
                run_rounds()
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
