"""Tamper evidence for the chain of custody: each item's events are a keyed chain of their own.

An event's MAC (the audit log's `KeyedChain`, under the name "custody") covers its number in
the item's log, the item, the data key, the action, who acted, when (exactly, as text), the
digest of its reason's ciphertext, the number of the audit entry that records it, and the
MAC of the event before it. Whoever can write to the database but lacks the audit key cannot
change, re-attribute, re-date, move or remove an event without a MAC failing, except the last
events of a log: those are caught by their audit entries, which stay in the audit log (itself
chained and checkpointed) after a later number than the last event kept.

One chain per item, not one for all: retention removes an item's log with the item
(shred_evidence), which would break a chain that ran through other items' events. An item
removed without expiring is caught the same way as a removed tail: its audit entries stay,
with no `evidence.expire` entry for it.

The reason is covered by its ciphertext, so a check needs no case key (`aegis audit verify`
runs without one); the vault never re-encrypts a stored value, so the digest holds for good."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from aegis.audit import selectors as audit
from aegis.audit.chain import KeyedChain, Link

from .models import CustodyEvent, EvidenceItem

CHAIN = KeyedChain("custody")

# The audit entries that record custody events (an integrity failure is logged as the
# access that was attempted, under its own object type).
AUDIT_PREFIX = "custody."
AUDIT_TYPES = ("evidence", "evidence.integrity-failure")
EXPIRED = "evidence.expire"

COLUMNS = (
    "item_id",
    "seq",
    "data_key_id",
    "action",
    "actor_id",
    "at",
    "reason",
    "audit_seq",
    "prev_mac",
    "mac",
)


def reason_digest(ciphertext: bytes | memoryview | None) -> str | None:
    return None if ciphertext is None else hashlib.blake2b(bytes(ciphertext)).hexdigest()


def mac_fields(
    item_id: Any,
    data_key_id: Any,
    action: str,
    actor_id: int | None,
    at: Any,
    reason: bytes | memoryview | None,
    audit_seq: int | None,
) -> tuple[object, ...]:
    """What an event's MAC covers besides its number and the previous MAC, in order."""
    return (
        str(item_id),
        str(data_key_id),
        action,
        actor_id,
        at.isoformat(),
        reason_digest(reason),
        audit_seq,
    )


def seal(event: CustodyEvent) -> None:
    """Set the MAC of an event about to be saved; its reason must be ciphertext already."""
    reason = event.__dict__.get("reason")
    if isinstance(reason, str):
        raise TypeError("Encrypt the reason before sealing the event: the MAC covers it.")
    fields = mac_fields(
        event.item_id,
        event.data_key_id,
        event.action,
        event.actor_id,
        event.at,
        reason,
        event.audit_seq,
    )
    event.mac = CHAIN.mac(event.seq, fields, event.prev_mac)


def _links(rows: Iterable[tuple[Any, ...]]) -> Iterator[Link]:
    for item_id, seq, data_key_id, action, actor_id, at, reason, audit_seq, prev, mac in rows:
        fields = mac_fields(item_id, data_key_id, action, actor_id, at, reason, audit_seq)
        yield Link(seq, fields, prev, mac)


def _item_problem(
    item_id: str,
    rows: list[tuple[Any, ...]],
    recorded: int | None,
    progress: Callable[[int], object] | None,
) -> str | None:
    walk = CHAIN.walk(_links(rows), progress=progress)
    if walk.problem is not None:
        return f"custody event {walk.problem.seq} of item {item_id} {walk.problem.reason}"
    linked = rows[-1][COLUMNS.index("audit_seq")]
    if recorded is not None and (linked is None or recorded > linked):
        return (
            f"the last custody events of item {item_id} were removed (audit entry {recorded} "
            f"records one after the last event kept, {walk.last_seq})"
        )
    return None


def event_count() -> int:
    return CustodyEvent.objects.count()


def verify(
    items: QuerySet[EvidenceItem] | None = None,
    progress: Callable[[int], object] | None = None,
) -> tuple[int, str | None]:
    """Walk the custody log of every item (or of `items`) under the key and compare its end
    with the audit log: (events checked, the first problem in words, or None)."""
    chosen = EvidenceItem.objects.all() if items is None else items
    item_ids = [str(pk) for pk in chosen.order_by("pk").values_list("pk", flat=True)]
    recorded = audit.last_entries(AUDIT_PREFIX, AUDIT_TYPES, None if items is None else item_ids)
    events = CustodyEvent.objects.all()
    if items is not None:
        events = events.filter(item__in=chosen.values("pk"))
    rows = events.order_by("item_id", "seq").values_list(*COLUMNS).iterator(chunk_size=2000)
    checked, logged = 0, set()
    for item_id, group in itertools.groupby(rows, key=lambda row: str(row[0])):
        logged.add(item_id)
        listed = list(group)
        problem = _item_problem(item_id, listed, recorded.get(item_id), progress)
        if problem is not None:
            return checked, problem
        checked += len(listed)
    for item_id in item_ids:
        if item_id in logged:
            continue
        if item_id in recorded:
            return checked, (
                f"the last custody events of item {item_id} were removed, all of them (audit "
                f"entry {recorded[item_id]} records one)"
            )
        return checked, f"the custody events of item {item_id} were removed (it has none)"
    if items is None:
        gone = set(recorded) - set(item_ids) - audit.objects_named(EXPIRED, "evidence")
        if gone:
            item_id = min(gone, key=lambda found: recorded[found])
            return checked, (
                f"item {item_id} was removed with its custody log without expiring (audit "
                f"entry {recorded[item_id]} records custody of it)"
            )
    return checked, None
