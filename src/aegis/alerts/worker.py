"""The alert loop of `aegis worker`: send what is due every fraction of a second
(AEGIS_ALERT_SEND_INTERVAL, default 0.2 s) and run the slower rounds, such as escalation,
every few seconds (AEGIS_ALERT_ROUNDS_INTERVAL, default 5 s). For a while after a pass that
sent something (BURST_SECONDS) it looks every AEGIS_ALERT_BURST_INTERVAL (default 0.03 s)
instead: alerts come in bursts (a raid, a panic passed round), and each alert of a burst
would otherwise wait half the send interval on average before its first message.
`aegis worker` runs the two in threads of their own beside django_tasks' db_worker; a task
queued by an alert only wakes the sending thread. A missed send interval costs nothing: each
pass sends all that is due, and a row claimed by a worker that died is sent again after its
lease (sending.py).

Logs name counts, rounds and error types, never an address."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import close_old_connections, connection, connections

from aegis.audit import services as audit
from aegis.support import services as support
from aegis.vault.service_keys import ServiceKeyMissing

from . import checkins, sending, services

logger = logging.getLogger(__name__)

# The slower rounds, in order: (name, function returning how many things it did).
ROUNDS: tuple[tuple[str, Callable[[], int]], ...] = (
    ("escalated", services.escalate_due),
    ("missed check-ins", checkins.raise_missed_checkins),
    # Not alerts, but the worker is the one process always running: the heads of the audit
    # log and of the grant ledger are signed here at AEGIS_AUDIT_CHECKPOINT_INTERVAL, for
    # the auditor's pages.
    ("audit checkpoints", audit.checkpoint_if_due),
    ("ledger checkpoints", support.checkpoint_ledger_if_due),
)

_active: AlertLoop | None = None  # the loop running in this process, if any


def send_interval() -> float:
    return float(getattr(settings, "AEGIS_ALERT_SEND_INTERVAL", 0.2))


def burst_interval() -> float:
    return float(getattr(settings, "AEGIS_ALERT_BURST_INTERVAL", 0.03))


# How long the loop keeps looking at the burst interval after a pass that sent something:
# idle reads of the outbox (one query each) for these seconds, then back to the send interval.
BURST_SECONDS = 10.0


def rounds_interval() -> float:
    return float(getattr(settings, "AEGIS_ALERT_ROUNDS_INTERVAL", 5.0))


def _fresh_connections() -> None:
    # As db_worker does between tasks: drop a connection that broke or aged out (never one
    # inside a transaction: a test's, or a caller's).
    if not connection.in_atomic_block:
        close_old_connections()


def warm_up() -> int:
    """Load the URL map (acknowledgement links) and apprise's channel plugins before the
    first alert, not while it waits: together about a second."""
    import apprise
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (the property imports every URL module)
    apprise.Apprise().add("json://localhost/")
    return 0


def wake() -> bool:
    """Ask this process's loop to send now; False when no loop runs here."""
    loop = _active
    if loop is None or loop.stopping:
        return False
    loop.wake()
    return True


class AlertLoop:
    def __init__(
        self,
        *,
        send_every: float | None = None,
        rounds_every: float | None = None,
        rounds: Sequence[tuple[str, Callable[[], int]]] = ROUNDS,
    ) -> None:
        self.send_every = send_interval() if send_every is None else send_every
        self.burst_every = min(self.send_every, burst_interval())
        self._burst_until = 0.0  # monotonic time: until then, look every burst_every
        self.rounds_every = rounds_interval() if rounds_every is None else rounds_every
        self.rounds = tuple(rounds)
        self.stopping = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._next_rounds = 0.0  # monotonic time; the first tick runs them
        # The rounds that said the service key is missing, each once until it works again: a
        # round that needs no key, succeeding between, had made it say so every few seconds.
        self._complained: set[str] = set()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Finish the sends in flight, record them, and leave run()."""
        self.stopping = True
        self._stop.set()
        self._wake.set()

    def _guarded(self, name: str, work: Callable[[], int]) -> int:
        try:
            done = work()
        except ServiceKeyMissing:
            if name not in self._complained:  # once, not five times a second
                logger.error("alert worker: the alert service key is missing; nothing is sent")
                self._complained.add(name)
            return 0
        except Exception as error:
            logger.error("alert worker: %s round failed: %s", name, type(error).__name__)
            _fresh_connections()
            return 0
        self._complained.discard(name)
        return done

    def send(self) -> int:
        """Send everything due; a pass stops claiming after a few seconds (or at stop())
        so that a long burst never holds the loop."""
        budget = time.monotonic() + max(self.rounds_every, 1.0)
        sent = self._guarded(
            "send",
            lambda: sending.deliver_due(
                keep_going=lambda: not self.stopping and time.monotonic() < budget
            ),
        )
        if sent:
            self._burst_until = time.monotonic() + BURST_SECONDS
        return sent

    def next_pause(self) -> float:
        """Seconds until the next look at the outbox: short while a burst may go on."""
        return self.burst_every if time.monotonic() < self._burst_until else self.send_every

    def run_rounds(self) -> dict[str, int]:
        return {name: self._guarded(name, work) for name, work in self.rounds}

    def _report(self, counts: dict[str, int]) -> None:
        if any(counts.values()):
            logger.info("alert worker: %s", ", ".join(f"{n} {name}" for name, n in counts.items()))

    def tick(self) -> dict[str, int]:
        """One pass in this thread: the slower rounds when they are due, then the sends."""
        _fresh_connections()
        counts: dict[str, int] = {}
        now = time.monotonic()
        if now >= self._next_rounds:
            self._next_rounds = now + self.rounds_every
            counts.update(self.run_rounds())
        counts["sent"] = self.send()
        self._report(counts)
        return counts

    def run(self, iterations: int | None = None) -> None:
        """Tick in this thread until stop() (or `iterations` ticks), send_every apart."""
        done = 0
        while not self.stopping and (iterations is None or done < iterations):
            self.tick()
            done += 1
            if iterations is None or done < iterations:
                self._pause(self.next_pause())

    def _pause(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    # --- In `aegis worker`: sends and rounds in two threads -------------------------------

    def _sending(self) -> None:
        self._guarded("warm-up", warm_up)
        while not self.stopping:
            _fresh_connections()
            self._report({"sent": self.send()})
            self._pause(self.next_pause())

    def _rounding(self) -> None:
        while not self.stopping:
            _fresh_connections()
            self._report(self.run_rounds())
            self._stop.wait(self.rounds_every)

    def _thread(self, target: Callable[[], None], name: str) -> threading.Thread:
        def run() -> None:
            try:
                target()
            finally:
                connections.close_all()  # this thread's own connections

        # Daemons: a channel stuck past join()'s timeout cannot hold the process at exit.
        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        return thread

    def start(self) -> None:
        """Send in one thread and run the slower rounds in another (a long escalation
        round never delays a send); wake() reaches the sending thread."""
        global _active
        _active = self
        logger.info(
            "alert worker: sending every %.1f s, other rounds (%s) every %.0f s",
            self.send_every,
            ", ".join(name for name, _work in self.rounds),
            self.rounds_every,
        )
        self._threads = [
            self._thread(self._sending, "alert-send"),
            self._thread(self._rounding, "alert-rounds"),
        ]

    def join(self, timeout: float) -> None:
        """After stop(): wait for the sends in flight to be recorded, at most `timeout`."""
        global _active
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if _active is self:
            _active = None
