"""The grant ledger: every money movement as an append-only entry on a keyed chain.

No second chain is written here: the audit log's `KeyedChain` (the same MAC under a key kept
off the database, the same walk that names the first changed, removed or reordered entry,
the same check of the stored head) runs under its own name, "ledger", over this table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet

from aegis import clock
from aegis.audit.chain import GENESIS, ChainProblem, KeyedChain, Link, head_problem

from .models import LedgerEntry, LedgerHead

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


def links() -> Iterator[Link]:
    for entry in LedgerEntry.objects.order_by("seq").iterator(chunk_size=2000):
        yield entry.link()


def head() -> tuple[int, str] | None:
    row = LedgerHead.objects.filter(pk=1).values_list("seq", "mac").first()
    return None if row is None else (row[0], row[1])


def verify(progress: Callable[[int], object] | None = None) -> tuple[int, ChainProblem | None]:
    """(entries checked, the first problem or None), exactly as the audit log is verified."""
    walk = CHAIN.walk(links(), progress=progress)
    return walk.checked, head_problem(walk, head())
