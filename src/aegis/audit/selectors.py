"""Reading and verifying the audit log."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from . import checkpoints
from .chain import GENESIS, ChainProblem, Link, head_problem
from .models import (
    CHAIN,
    LINKED,
    AuditAnchor,
    AuditCheck,
    AuditCheckpoint,
    AuditEntry,
    AuditHead,
    AuditRecordList,
    mac_fields,
    records_digest,
)


def entries(
    *,
    actor_ids: Iterable[int] | None = None,
    action: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEntry]:
    """Newest first, each with the records it covers when there are several; only those of
    these accounts, of an action starting so, from and to these days (in the instance's time
    zone) where given."""
    listed = AuditRecordList.objects.filter(entry=OuterRef("pk")).values("records")[:1]
    found = AuditEntry.objects.annotate(records=Subquery(listed)).order_by("-seq")
    if actor_ids is not None:
        found = found.filter(actor_id__in=list(actor_ids))
    if action:
        found = found.filter(action__startswith=action)
    if since is not None:
        found = found.filter(at__gte=_day_start(since))
    if until is not None:
        found = found.filter(at__lt=_day_start(until + datetime.timedelta(days=1)))
    return found


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


PAGE = 2000  # entries read by one query of a walk


def links(after: int = 0, upto: int | None = None) -> Iterator[Link]:
    """The entries after `after` (up to `upto`), in order, as the chain sees them: plain rows,
    not model instances (a third of the time of a walk), read a page at a time, each page a
    query of its own. No read stays open across pages: on SQLite an open read would keep its
    connection from writing (a check records its progress as it goes), and on PostgreSQL a
    cursor outside a transaction copies its whole result first."""
    columns = ("seq", *LINKED, "prev_hash", "entry_hash")
    while True:
        rows = AuditEntry.objects.filter(seq__gt=after)
        if upto is not None:
            rows = rows.filter(seq__lte=upto)
        page = list(rows.order_by("seq").values_list(*columns)[:PAGE])
        for seq, *fields, prev, mac in page:
            yield Link(seq, mac_fields(*fields), prev, mac)
        if len(page) < PAGE:
            return
        after = page[-1][0]


def head() -> tuple[int, str] | None:
    row = AuditHead.objects.filter(pk=1).values_list("seq", "entry_hash").first()
    return None if row is None else (row[0], row[1])


def latest_anchor() -> AuditAnchor | None:
    return AuditAnchor.objects.filter(chain=CHAIN.name).first()


def start() -> tuple[int, str]:
    """Where the chain starts: after the entries removed at the end of their retention
    period (the latest anchor, its signature checked), else at the first entry.
    AnchorInvalid when the anchor's signature does not hold: someone moved it."""
    anchor = latest_anchor()
    if anchor is None:
        return 0, GENESIS
    try:
        mark = checkpoints.read(anchor.signature, anchor.statement)
    except checkpoints.CheckpointInvalid as error:
        raise AnchorInvalid(anchor.seq) from error
    if (mark.chain, mark.entry, mark.mac) != (CHAIN.name, anchor.seq, anchor.mac):
        raise AnchorInvalid(anchor.seq)
    return mark.entry, mark.mac


class AnchorInvalid(Exception):
    """The record of where pruning left the log is not signed by this instance's key."""

    def __init__(self, seq: int) -> None:
        super().__init__(seq)
        self.problem = ChainProblem(
            seq, "is where the log was pruned, but that record's signature does not hold"
        )


def verify_chain(
    progress: Callable[[int], object] | None = None,
) -> tuple[int, ChainProblem | None]:
    """Walk the chain under the key, from the first entry or from where retention pruned it,
    to the end recorded when the walk began; return (entries checked, first problem or
    None)."""
    for again in (False, True):
        try:
            begin = start()
        except AnchorInvalid as invalid:
            return 0, invalid.problem
        end = head()
        walk = CHAIN.walk(_up_to(AUDIT, begin, end), start=begin, progress=progress)
        problem = head_problem(walk, end)
        if problem is None or again or not pruned_since(begin[0]):
            break
    return walk.checked, problem or unwalked_problem()


def unwalked_problem() -> ChainProblem | None:
    """What a walk of the chain cannot see: an entry past its recorded end, a record list
    changed or removed, a log cut back below the checkpoint kept here. Both checks of the
    whole log ask it (`verify_chain`, the auditor page's `integrity`)."""
    return AUDIT.unwalked() or stored_checkpoint_problem()


def _up_to(
    kept: checkpoints.Kept, begin: tuple[int, str], end: tuple[int, str] | None
) -> Iterable[Link]:
    """The entries from where the chain starts to the end recorded when a check began. An
    entry and the end move in one transaction, so those entries are all there; the ones
    written while a long check runs (the log of a working instance grows all the time) are
    left to the next check, not taken for a tail someone removed."""
    return kept.links(begin[0], None if end is None else end[0])


def pruned_since(begin_seq: int) -> bool:
    """Whether retention removed entries since a walk from entry `begin_seq` started: what
    looked missing to it may only have been pruned under a signed anchor, and the walk is
    done again from the new anchor."""
    anchor = latest_anchor()
    return anchor is not None and anchor.seq > begin_seq


def past_the_end_problem() -> ChainProblem | None:
    """An entry numbered past the recorded end of the log, which the application never
    writes. One query reads both, so an entry appended meanwhile (its end moved in the same
    transaction) is never one."""
    end = AuditHead.objects.filter(pk=1).values("seq")[:1]
    past = (
        AuditEntry.objects.filter(seq__gt=Subquery(end))
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    return None if past is None else ChainProblem(past, "is past the recorded end of the log")


def prunable(
    before: datetime.datetime,
    keep: Iterable[tuple[str, str]] = (),
    keep_from: int | None = None,
) -> int:
    cut = prune_cut(before, keep, keep_from)
    return AuditEntry.objects.filter(seq__gt=start()[0], seq__lte=cut).count() if cut else 0


def prune_cut(
    before: datetime.datetime,
    keep: Iterable[tuple[str, str]] = (),
    keep_from: int | None = None,
) -> int:
    """The last entry retention may remove: written before `before`, vouched for by the
    latest signed checkpoint, before the first entry naming an object in `keep` (an object
    under a legal hold) and before entry `keep_from` (one a chain kept beside the log still
    needs: companions.py). 0 when none may go."""
    latest = latest_checkpoint()
    if latest is None:
        return 0
    begin = start()[0]
    old = AuditEntry.objects.filter(seq__gt=begin, seq__lte=latest.seq, at__lt=before)
    if keep_from is not None:
        old = old.filter(seq__lt=keep_from)
    cut = old.order_by("-seq").values_list("seq", flat=True).first() or 0
    kept = Q()
    for object_type, object_id in keep:
        kept |= Q(object_type=object_type, object_id=object_id)
    if cut and kept:
        first = (
            AuditEntry.objects.filter(kept, seq__gt=begin, seq__lte=cut)
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
        )
        if first is not None:
            cut = first - 1
    return cut if cut > begin else 0


# An entry covering several records keeps their digest as its object id (records_digest: 64
# hexadecimal digits, a form no other object id takes).
LISTED = r"^[0-9a-f]{64}$"


def record_list_problem() -> ChainProblem | None:
    """A list of records that no longer matches the digest its entry's MAC covers, or that
    was removed: the entry's MAC still holds without it, and an auditor could no longer see
    which records it opened."""
    lists = AuditRecordList.objects.values_list("entry__seq", "entry__object_id", "records")
    for seq, digest, records in lists.order_by("entry__seq").iterator(chunk_size=2000):
        if records_digest(records) != digest:
            return ChainProblem(seq, "its list of records was changed")
    listed = AuditRecordList.objects.values("entry_id")
    missing = (
        AuditEntry.objects.filter(object_id__regex=LISTED)
        .exclude(pk__in=listed)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    if missing is not None:
        return ChainProblem(missing, "its list of records was removed")
    return None


def mac_at(seq: int) -> str | None:
    return AuditEntry.objects.filter(seq=seq).values_list("entry_hash", flat=True).first()


# The audit log as checkpoints see it; the grant ledger has one of its own (support.ledger).
AUDIT = checkpoints.Kept(
    chain=CHAIN,
    name="audit log",
    command="aegis audit verify",
    links=links,
    head=head,
    mac_at=mac_at,
    start=start,
    unwalked=lambda: past_the_end_problem() or record_list_problem(),
)


def stored_checkpoint_problem(kept: checkpoints.Kept = AUDIT) -> ChainProblem | None:
    """The chain against the newest checkpoint of it kept here whose signature holds: a log
    cut back below it, with its end moved back too, had verified as intact while the
    auditor's page listed the checkpoint (copies kept off the server prove it as well; this
    one is at hand)."""
    latest = latest_checkpoint(kept.chain.name)
    if latest is None:
        return None
    try:
        mark = checkpoints.read(latest.signature, latest.statement)
    except checkpoints.CheckpointInvalid:
        return None  # signed under an earlier key, or not ours: the copies off the server say
    if mark.chain != kept.chain.name:  # the statement is signed; the row's chain column is not
        return ChainProblem(
            mark.entry,
            f"the checkpoint kept here is of the {mark.chain} chain (its row was altered)",
        )
    end = kept.head()
    if end is None or end[0] < mark.entry:
        last = end[0] if end else 0
        return ChainProblem(
            last + 1,
            f"is missing: the {kept.name} ends at entry {last}, but the checkpoint kept here "
            f"vouches "
            f"for entry {mark.entry}",
        )
    entry = kept.mac_at(mark.entry)
    if entry is not None and entry != mark.mac:  # None: pruned under a signed anchor
        return ChainProblem(mark.entry, "does not match the checkpoint kept here (rewritten)")
    return None


def verify_against(
    checkpoint: checkpoints.Checkpoint,
    progress: Callable[[int], object] | None = None,
    kept: checkpoints.Kept = AUDIT,
) -> tuple[int, str | None]:
    """Does the chain, walked under the key, still extend this (already signature-checked)
    checkpoint? Returns (entries checked, the failure in words or None)."""
    try:
        begin = kept.start()
    except AnchorInvalid as invalid:
        return 0, f"The log was tampered with: {invalid.problem}."
    end = kept.head()
    walk, failure = checkpoints.extends(
        kept.chain,
        _up_to(kept, begin, end),
        lambda: end,
        checkpoint,
        progress,
        start=begin,
    )
    # What the walk cannot see, as a check without a checkpoint asks it: a log cut back with
    # its end moved back too had verified as "intact" against an older checkpoint.
    if failure is None and (problem := kept.unwalked() or stored_checkpoint_problem(kept)):
        failure = f"The log was tampered with: {problem}."
    return walk.checked, failure


def intact_before(problem: ChainProblem, checked: int) -> str:
    """How many entries before a problem verified, in words ("" where none did)."""
    intact = min(checked, problem.seq - 1)
    return f" The {intact} entries before it are intact." if intact > 0 else ""


def entries_to_check() -> int:
    """How many entries a check walks now: from where the chain starts to its recorded end."""
    try:
        begin = start()[0]
    except AnchorInvalid:
        return 0
    end = head()
    return max(end[0] - begin, 0) if end else 0


def latest_check() -> AuditCheck | None:
    return AuditCheck.objects.first()


def check_under_way(now: datetime.datetime) -> AuditCheck | None:
    """The check waiting for the worker or running, unless it stalled."""
    latest = latest_check()
    return latest if latest is not None and latest.under_way(now) else None


def last_entries(
    action_prefix: str, object_types: Iterable[str], object_ids: Iterable[str] | None = None
) -> dict[str, int]:
    """For each object id (of one of `object_types`, and among `object_ids` when given) that
    an entry kept in the log names with an action starting with `action_prefix`, the number
    of the last such entry. Another app's log that records each of its rows here (the chain
    of custody) compares its own last row with it: a tail removed there still shows here."""
    rows = AuditEntry.objects.filter(
        action__startswith=action_prefix, object_type__in=list(object_types)
    )
    if object_ids is not None:
        rows = rows.filter(object_id__in=list(object_ids))
    grouped = rows.order_by().values("object_id").annotate(last=Max("seq"))
    return {row["object_id"]: row["last"] for row in grouped}


def objects_named(action: str, object_type: str) -> set[str]:
    """The object ids that entries kept in the log with this action name."""
    rows = AuditEntry.objects.filter(action=action, object_type=object_type).order_by()
    return set(rows.values_list("object_id", flat=True).distinct())


def entry_count() -> int:
    return AuditEntry.objects.count()


def recent_checkpoints(limit: int = 10, chain: str = CHAIN.name) -> QuerySet[AuditCheckpoint]:
    return AuditCheckpoint.objects.filter(chain=chain)[:limit]


def latest_checkpoint(chain: str = CHAIN.name) -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.filter(chain=chain).first()


def checkpoint(checkpoint_id: int) -> AuditCheckpoint | None:
    """A stored checkpoint of any chain (the audit log's, the grant ledger's)."""
    return AuditCheckpoint.objects.filter(pk=checkpoint_id).first()
