"""Sending what the outbox holds, safe against crashes and against several workers.

A worker first claims due rows: a short transaction moves them from queued to sending and
stamps claimed_at, and commits before anything is sent. Sends then run outside any
transaction, several at once on a small thread pool (a burst does not queue behind one SMTP
conversation), and each outcome is recorded, in the transaction of the next claim, by an
update that only applies while the row is still the worker's claim. A delivery no longer
queued is never taken again, except a row whose lease ran out: the worker renews the lease
of what it is sending every third of it (AEGIS_ALERT_SEND_LEASE_SECONDS, default 10 s), so
only a worker that died or hangs lets it run out, and its sends resume within seconds. Such
a row is sent again and counted (Delivery.retaken): a message can arrive twice only where
the dead worker's send went out before its answer was recorded. Failures retry with
backoff, then fall back to the recipient's next channel. AEGIS_ALERT_SEND_THREADS (default
16) sends at once: a send mostly waits for the relay's answers, so a burst's messages go
out as fast as threads wait side by side (on 2 cores, 8 threads sent about 150 emails a
second to a relay on loopback, 16 about 230)."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, Q, QuerySet

from aegis import clock
from aegis.vault import service_keys
from aegis.vault.keychain import unlocked

from . import delivery as channels
from . import services
from .models import Alert, Delivery
from .services import backoff, climbing, max_attempts
from .vocabulary import DeliveryError, DeliveryState

FINAL_ERRORS = frozenset({DeliveryError.NOT_CONFIGURED, DeliveryError.NO_ADDRESS})

logger = logging.getLogger(__name__)

# Rows this process is sending right now: never reclaimed by this process, even when a
# channel takes longer than the lease.
_in_flight: set[int] = set()
_in_flight_lock = threading.Lock()


def lease() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "AEGIS_ALERT_SEND_LEASE_SECONDS", 10)))


def renew_every() -> float:
    """Seconds between renewals of the leases in flight: a third of the lease, so one late
    renewal (a busy database) does not lose it."""
    return max(0.05, lease().total_seconds() / 3)


def send_threads() -> int:
    return max(1, int(getattr(settings, "AEGIS_ALERT_SEND_THREADS", 16)))


def max_in_flight() -> int:
    """How many claimed rows one worker holds at most: what a kill can leave unanswered."""
    return 2 * send_threads()


def _lease_expired(now: datetime) -> Q:
    """Claimed by a worker that has not answered within the lease (it may have died)."""
    return Q(state=DeliveryState.SENDING, claimed_at__lt=now - lease())


def _takeable(now: datetime) -> Q:
    return Q(state=DeliveryState.QUEUED) | _lease_expired(now)


def _due(now: datetime) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        Q(state=DeliveryState.QUEUED, next_attempt_at__lte=now) | _lease_expired(now)
    )


def _claim(rows: QuerySet[Delivery], limit: int) -> list[Delivery]:
    """Inside the caller's transaction: move up to `limit` of `rows` to sending. The
    transaction holds the rows (PostgreSQL: FOR UPDATE SKIP LOCKED, so two workers take
    different rows) or the write lock (SQLite: IMMEDIATE), and the update re-checks the
    state, so a row is never taken by two workers at once."""
    with _in_flight_lock:
        mine = set(_in_flight)
    candidates = rows.exclude(pk__in=mine) if mine else rows
    candidates = candidates.order_by("next_attempt_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True)
    ids = list(candidates.values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    now = clock.now()
    retaken = Delivery.objects.filter(_lease_expired(now), pk__in=ids).update(
        claimed_at=now, retaken=F("retaken") + 1
    )
    if retaken:
        logger.warning(
            "alert worker: took back %d deliveries from a worker that stopped answering; "
            "each may arrive twice (counted on its alert)",
            retaken,
        )
    Delivery.objects.filter(state=DeliveryState.QUEUED, pk__in=ids).update(
        state=DeliveryState.SENDING, claimed_at=now
    )
    return list(
        Delivery.objects.select_related("alert")
        .filter(pk__in=ids, state=DeliveryState.SENDING, claimed_at=now)
        .order_by("next_attempt_at", "pk")
    )


def _renew(items: Iterable[Delivery]) -> None:
    """Push the lease of the rows this worker is sending forward, so no other worker takes
    them while a slow channel answers. A row another worker took meanwhile keeps its newer
    claim (and this worker's answer for it will not be recorded)."""
    by_claim: dict[datetime | None, list[Delivery]] = {}
    for item in items:
        by_claim.setdefault(item.claimed_at, []).append(item)
    if not by_claim:
        return
    now = clock.now()
    with transaction.atomic():
        for claimed_at, group in by_claim.items():
            mine = Delivery.objects.filter(
                pk__in=[item.pk for item in group],
                state=DeliveryState.SENDING,
                claimed_at=claimed_at,
            )
            held = set(mine.select_for_update().values_list("pk", flat=True))
            mine.filter(pk__in=held).update(claimed_at=now)
            for item in group:
                if item.pk in held:
                    item.claimed_at = now


def _release(items: Iterable[Delivery]) -> None:
    with _in_flight_lock:
        _in_flight.difference_update(item.pk for item in items)


def _send(item: Delivery) -> str | None:
    """One send: None when the channel took it, else an error code."""
    try:
        return channels.send(item)
    except Exception as error:  # a channel's bug must not stop the others
        logger.error("alert channel %s raised %s", item.channel, type(error).__name__)
        return DeliveryError.CHANNEL_REFUSED


def _send_on_pool(item: Delivery) -> str | None:
    try:
        return _send(item)
    finally:
        connections.close_all()  # this pool thread's own connections, if the send opened any


def _prepare(item: Delivery) -> bool:
    """Decrypt the address here, under the service keychain, so pool threads need no key
    and no database. False when the alert's key cannot be opened."""
    try:
        clear: Any = item.address
    except Exception as error:
        logger.error("alert delivery %s unreadable: %s", item.pk, type(error).__name__)
        return False
    item.address = clear  # plain str on the instance; only ever read, never saved
    return True


def _record_failure(item: Delivery, error: str, now: datetime) -> None:
    """Retry later, or give up and fall back; a retry that acknowledging or resolving the
    alert would have cancelled (services._stop_ladder) is cancelled. The row is locked
    before the alert, the order acknowledge() takes them in."""
    mine = Delivery.objects.filter(
        pk=item.pk, state=DeliveryState.SENDING, claimed_at=item.claimed_at
    )
    if not list(mine.select_for_update().values_list("pk", flat=True)):
        return  # taken again after the lease: the newer claim records
    alert = Alert.objects.select_for_update().get(pk=item.alert_id)
    attempts = item.attempts + 1
    # A channel not configured or an address missing will not mend in a minute: fall back now.
    if attempts >= max_attempts() or error in FINAL_ERRORS:
        mine.update(state=DeliveryState.FAILED, attempts=attempts, last_error=error)
        item.state, item.attempts, item.last_error = DeliveryState.FAILED, attempts, error
        services.fall_back(item, alert)
    elif climbing(alert):
        mine.update(
            state=DeliveryState.QUEUED,
            attempts=attempts,
            last_error=error,
            next_attempt_at=now + backoff(attempts),
        )
    else:
        mine.update(state=DeliveryState.CANCELLED, attempts=attempts, last_error=error)


def _record(results: list[tuple[Delivery, str | None]]) -> int:
    """Inside the caller's transaction: write what the channels answered; returns how many
    rows became sent."""
    now = clock.now()
    sent = 0
    by_claim: dict[datetime | None, list[int]] = {}
    for item, error in results:
        if error is None:
            by_claim.setdefault(item.claimed_at, []).append(item.pk)
    for claimed_at, ids in by_claim.items():
        sent += Delivery.objects.filter(
            pk__in=ids, state=DeliveryState.SENDING, claimed_at=claimed_at
        ).update(
            state=DeliveryState.SENT,
            sent_at=now,
            last_error="",
            attempts=F("attempts") + 1,
        )
    for item, error in results:
        if error is not None:
            _record_failure(item, error, now)
    return sent


@dataclass
class _Cycle:
    sent: int
    ready: list[Delivery]  # claimed, address decrypted: to send now
    unreadable: list[Delivery]  # claimed, key not openable: record as failed
    claimed: int


def _cycle(
    finished: list[tuple[Delivery, str | None]], rows: QuerySet[Delivery], room: int
) -> _Cycle:
    """One transaction: record the answers in `finished`, claim up to `room` due rows and
    decrypt them (opening an alert's key writes an audit entry). On SQLite every write
    waits for the one write lock, which alerts being raised take too: one wait per cycle,
    not one per step. The claim commits before anything it took is sent."""
    if not finished and (room <= 0 or not rows.exists()):  # idle polls stay reads
        return _Cycle(0, [], [], 0)
    ready: list[Delivery] = []
    unreadable: list[Delivery] = []
    with transaction.atomic():
        sent = _record(finished) if finished else 0
        taken = _claim(rows, room) if room > 0 else []
        for item in taken:
            (ready if _prepare(item) else unreadable).append(item)
    with _in_flight_lock:  # only now that the claim and the answers are committed
        _in_flight.difference_update(item.pk for item, _error in finished)
        _in_flight.update(item.pk for item in taken)
    return _Cycle(sent, ready, unreadable, len(taken))


def _run(
    rows: Callable[[], QuerySet[Delivery]],
    limit: int,
    keep_going: Callable[[], bool],
) -> int:
    """Claim, send and record until nothing is due (or keep_going says stop); at most
    max_in_flight() rows are claimed and unanswered at any moment."""
    threads, window = send_threads(), max_in_flight()
    sent = 0
    running: dict[Future[str | None], Delivery] = {}
    finished: list[tuple[Delivery, str | None]] = []
    more = True  # the last claim was full, or a failure may have queued a fallback
    renewed = time.monotonic()
    pool = ThreadPoolExecutor(threads, thread_name_prefix="alert-send") if threads > 1 else None
    try:
        while True:
            claiming = keep_going() and (more or not running)
            room = min(limit, window - len(running)) if claiming else 0
            cycle = _cycle(finished, rows(), room)
            sent += cycle.sent
            more = cycle.claimed == room > 0 or any(e is not None for _i, e in finished)
            finished = [(item, DeliveryError.NOT_CONFIGURED) for item in cycle.unreadable]
            for item in cycle.ready:
                if pool is None:
                    finished.append((item, _send(item)))
                else:
                    context = contextvars.copy_context()
                    running[pool.submit(context.run, _send_on_pool, item)] = item
            if running:
                done, _pending = wait(running, timeout=renew_every(), return_when=FIRST_COMPLETED)
                finished += [(running.pop(future), future.result()) for future in done]
                if running and time.monotonic() - renewed >= renew_every():
                    _renew(running.values())
                    renewed = time.monotonic()
            elif not finished and not cycle.claimed:
                return sent
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
        # Unrecorded after an error: this process may take them again; others after the lease.
        _release([*running.values(), *(item for item, _error in finished)])


def deliver_one(pk: int) -> str:
    """Send one queued delivery now; returns its new state. A delivery no longer queued
    (sent, cancelled, or being sent by a worker) is left alone: it is never sent twice."""
    with unlocked(service_keys.service_keychain()):
        cycle = _cycle([], Delivery.objects.filter(_takeable(clock.now()), pk=pk), 1)
        if not cycle.claimed:
            return ""
        answers = [(item, _send(item)) for item in cycle.ready]
        answers += [(item, DeliveryError.NOT_CONFIGURED) for item in cycle.unreadable]
        _cycle(answers, Delivery.objects.none(), 0)
    return str(Delivery.objects.filter(pk=pk).values_list("state", flat=True).first() or "")


def deliver_due(limit: int = 500, *, keep_going: Callable[[], bool] | None = None) -> int:
    """Send every delivery that is due, including fallbacks queued on the way; returns how
    many were sent. A failed try is rescheduled later, so each pass ends. `keep_going`,
    asked before each claim, lets the worker bound a pass or stop it."""
    with unlocked(service_keys.service_keychain()):
        return _run(lambda: _due(clock.now()), limit, keep_going or (lambda: True))
