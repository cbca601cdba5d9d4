"""Reading and verifying the audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.db.models import OuterRef, QuerySet, Subquery

from . import checkpoints
from .chain import ChainProblem, Link, head_problem
from .models import (
    CHAIN,
    AuditCheckpoint,
    AuditEntry,
    AuditHead,
    AuditRecordList,
    records_digest,
)


def entries() -> QuerySet[AuditEntry]:
    """Newest first, each with the records it covers when there are several."""
    listed = AuditRecordList.objects.filter(entry=OuterRef("pk")).values("records")[:1]
    return AuditEntry.objects.annotate(records=Subquery(listed)).order_by("-seq")


def links(after: int = 0) -> Iterator[Link]:
    for entry in AuditEntry.objects.filter(seq__gt=after).order_by("seq").iterator(chunk_size=2000):
        yield entry.link()


def head() -> tuple[int, str] | None:
    row = AuditHead.objects.filter(pk=1).values_list("seq", "entry_hash").first()
    return None if row is None else (row[0], row[1])


def verify_chain(
    progress: Callable[[int], object] | None = None,
) -> tuple[int, ChainProblem | None]:
    """Walk the chain from the first entry under the key; return (entries checked, first
    problem or None)."""
    walk = CHAIN.walk(links(), progress=progress)
    return walk.checked, head_problem(walk, head()) or record_list_problem()


def record_list_problem() -> ChainProblem | None:
    """A list of records that no longer matches the digest its entry's MAC covers."""
    lists = AuditRecordList.objects.values_list("entry__seq", "entry__object_id", "records")
    for seq, digest, records in lists.order_by("entry__seq").iterator(chunk_size=2000):
        if records_digest(records) != digest:
            return ChainProblem(seq, "its list of records was changed")
    return None


def verify_against(
    checkpoint: checkpoints.Checkpoint, progress: Callable[[int], object] | None = None
) -> tuple[int, str | None]:
    """Does the log, walked under the key, still extend this (already signature-checked)
    checkpoint? Returns (entries checked, the failure in words or None)."""
    walk, failure = checkpoints.extends(CHAIN, links(), head, checkpoint, progress)
    return walk.checked, failure


def entry_count() -> int:
    return AuditEntry.objects.count()


def recent_checkpoints(limit: int = 10) -> QuerySet[AuditCheckpoint]:
    return AuditCheckpoint.objects.filter(chain=CHAIN.name)[:limit]


def latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.filter(chain=CHAIN.name).first()


def checkpoint(checkpoint_id: int) -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.filter(pk=checkpoint_id, chain=CHAIN.name).first()
