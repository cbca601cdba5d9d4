"""Reading and verifying the audit log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

from .models import GENESIS, AuditEntry, AuditHead


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.reason}"


def entries() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.order_by("-seq")


def verify_chain(
    progress: Callable[[int], object] | None = None,
) -> tuple[int, ChainProblem | None]:
    """Walk the chain from the first entry; return (entries checked, first problem or None)."""
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return checked, ChainProblem(expected_seq, "is missing (removed from the log)")
        if entry.compute_hash() != entry.entry_hash:
            return checked, ChainProblem(
                entry.seq, "was changed or moved (its hash does not match)"
            )
        if entry.prev_hash != prev_hash:
            return checked, ChainProblem(
                entry.seq, "is out of order (it does not follow the entry before it)"
            )
        prev_hash, expected_seq, checked = entry.entry_hash, expected_seq + 1, checked + 1
        if progress:
            progress(1)
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.entry_hash) != (expected_seq - 1, prev_hash):
        if head.seq >= expected_seq:
            return checked, ChainProblem(
                expected_seq, "is missing (the end of the log was removed)"
            )
        return checked, ChainProblem(head.seq, "does not match the recorded end of the log")
    return checked, None


def entry_count() -> int:
    return AuditEntry.objects.count()
