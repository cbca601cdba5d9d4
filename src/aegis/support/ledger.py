"""The grant ledger: every money movement as an append-only entry on a keyed chain.

No second chain is written here: the audit log's `KeyedChain` (the same MAC under a key kept
off the database, the same walk that names the first changed, removed or reordered entry,
the same check of the stored head) runs under its own name, "ledger", over this table. Its
head is signed in checkpoints as the audit log's is (the worker's round, `aegis ledger
checkpoint`, the ledger page), kept in the same table; the check compares the ledger with
the newest one kept, and `aegis ledger verify --checkpoint FILE` with one kept elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet

from aegis import clock
from aegis.audit import selectors as audit_selectors
from aegis.audit import services as audit
from aegis.audit.chain import GENESIS, ChainProblem, KeyedChain, Link, head_problem
from aegis.audit.checkpoints import Checkpoint, Kept

from .models import LedgerEntry, LedgerHead

if TYPE_CHECKING:
    from aegis.audit.models import AuditCheckpoint

CHAIN = KeyedChain("ledger")
CENTS = Decimal("0.01")
RATE_PLACES = Decimal("0.00000001")


def append(
    *,
    kind: str,
    grant_ref: str,
    grant_type: str,
    amount: Decimal,
    currency: str,
    rate: Decimal,
    grant_amount: Decimal,
    grant_currency: str,
    tranche: int | None = None,
    method: str = "",
) -> LedgerEntry:
    """Append one entry chained to the last; runs in the caller's transaction. Amounts are
    quantised as the database stores them, so the MAC covers what is read back."""
    with transaction.atomic():
        LedgerHead.objects.get_or_create(pk=1, defaults={"mac": GENESIS})
        head = LedgerHead.objects.select_for_update().get(pk=1)
        entry = LedgerEntry(
            seq=head.seq + 1,
            at=clock.now().replace(microsecond=0),
            kind=kind,
            grant_ref=grant_ref,
            grant_type=grant_type,
            tranche=tranche,
            method=method,
            amount=amount.quantize(CENTS),
            currency=currency,
            rate=rate.quantize(RATE_PLACES),
            grant_amount=grant_amount.quantize(CENTS),
            grant_currency=grant_currency,
            prev_mac=head.mac,
        )
        entry.mac = CHAIN.mac(entry.seq, entry.mac_fields(), entry.prev_mac)
        entry.save()
        LedgerHead.objects.filter(pk=1).update(seq=entry.seq, mac=entry.mac)
    return entry


def entries_of(grant_ref: str, kind: str) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(grant_ref=grant_ref, kind=kind)


def links(after: int = 0, upto: int | None = None) -> Iterator[Link]:
    entries = LedgerEntry.objects.filter(seq__gt=after)
    if upto is not None:
        entries = entries.filter(seq__lte=upto)
    for entry in entries.order_by("seq").iterator(chunk_size=2000):
        yield entry.link()


def head() -> tuple[int, str] | None:
    row = LedgerHead.objects.filter(pk=1).values_list("seq", "mac").first()
    return None if row is None else (row[0], row[1])


def mac_at(seq: int) -> str | None:
    return LedgerEntry.objects.filter(seq=seq).values_list("mac", flat=True).first()


# The ledger as the audit log's checkpoints see it.
KEPT = Kept(
    chain=CHAIN,
    name="grant ledger",
    command="aegis ledger verify",
    links=links,
    head=head,
    mac_at=mac_at,
)


def verify(progress: Callable[[int], object] | None = None) -> tuple[int, ChainProblem | None]:
    """(entries checked, the first problem or None), exactly as the audit log is verified:
    the walk under the key, its end against the recorded one, and that end against the
    newest checkpoint kept here (a tail removed with the recorded end moved back)."""
    walk = CHAIN.walk(links(), progress=progress)
    return walk.checked, (
        head_problem(walk, head()) or audit_selectors.stored_checkpoint_problem(KEPT)
    )


def verify_against(checkpoint: Checkpoint) -> tuple[int, str | None]:
    """Does the ledger, walked under the key, still extend this (signature-checked)
    checkpoint? (entries checked, the failure in words or None)."""
    return audit_selectors.verify_against(checkpoint, kept=KEPT)


def take_checkpoint() -> AuditCheckpoint:
    """Sign the ledger's head now; CheckpointRefused when it is empty or does not verify."""
    return audit.take_checkpoint(KEPT)


def checkpoint_if_due() -> int:
    """The worker's round for the ledger, at the audit log's interval."""
    return audit.checkpoint_if_due(KEPT)


def recent_checkpoints() -> QuerySet[AuditCheckpoint]:
    return audit_selectors.recent_checkpoints(chain=CHAIN.name)
