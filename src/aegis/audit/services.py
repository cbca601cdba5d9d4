"""Appending to the audit log, and signing checkpoints of its head."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from aegis import clock

from . import checkpoints, integrity, selectors, tasks
from .chain import ChainProblem
from .models import (
    CHAIN,
    STALLED,
    UNFINISHED,
    AuditAnchor,
    AuditCheck,
    AuditCheckpoint,
    AuditEntry,
    AuditHead,
    AuditRecordList,
    records_digest,
)

logger = logging.getLogger(__name__)

ACTIONS = {
    "login",
    "login.failed",
    "logout",
    "record.open",
    "export",
    "key.grant",
    "key.revoke",
    "key.shred",
    "key.recover",
    "key.replace",
    "vault.wipe",
    "password.change",
    "user.create",
    "user.deactivate",
    "user.reactivate",
    "user.role_change",
    "user.2fa_reset",
    "user.2fa_enrol",
    "user.unlock",
    "user.password_change_required",
    "user.contact_change",
    "token.create",
    "token.revoke",
    "record.create",
    "record.update",
    "record.delete",
    "consent.give",
    "consent.withdraw",
    "account.link",
    "account.unlink",
    "custody.upload",
    "custody.view",
    "custody.download",
    "custody.copy",
    "custody.export",
    "custody.integrity-failure",
    "intake.submit",
    "intake.reply",
    "intake.triage",
    "flood.notice",
    "verification.change",
    "alert.acknowledge",
    "audit.rekey",
    "backup.create",
    "backup.restore",
    "retention.period",
    "retention.expire",
    "evidence.expire",
    "audit.prune",
    "legal_hold.place",
    "legal_hold.lift",
    "provider.vet",
    "referral.move",
    "grant.request",
    "grant.diligence",
    "grant.approve",
    "grant.reject",
    "grant.withdraw",
    "grant.disburse",
    "grant.return",
    "grant.receipt",
    "grant.report",
    "grant.close",
    "exchange.partner",
    "exchange.export",
    "exchange.import",
    "exchange.refuse",
    "exchange.review",
    "report.annual",
    "monitoring.source",
    "monitoring.article",
    "monitoring.decision",
    "monitoring.campaign",
}


def record(
    action: str,
    *,
    actor_id: int | None,
    object_type: str = "",
    object_id: object = "",
    records: Iterable[str] = (),
) -> AuditEntry:
    """Append one entry, chained to the previous one. Runs in the caller's transaction.
    `records` names every record an entry covers when it is more than one; the entry's
    object id is then their digest, so the chain covers the list."""
    listed = " ".join(records)
    if listed:
        object_id = records_digest(listed)
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}")
    # No savepoint of its own (two statements an entry): an entry that fails fails the
    # caller's transaction, which must not commit the change it was recording without it.
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:64],
            prev_hash=head.entry_hash,
        )
        entry.entry_hash = CHAIN.mac(entry.seq, entry.mac_fields(), entry.prev_hash)
        entry.save()
        if listed:
            AuditRecordList.objects.create(entry=entry, records=listed)
        AuditHead.objects.filter(pk=1).update(seq=entry.seq, entry_hash=entry.entry_hash)
    return entry


def instance_key() -> tuple[str, str]:
    """The instance's signing key as others check it: its minisign key id and public key file
    (the audit checkpoints' key; the audit page and `aegis audit public-key` give it too)."""
    return checkpoints.key_id(), checkpoints.public_key_file()


def sign_as_instance(data: bytes, comment: str) -> str:
    """A minisign signature of `data` with the instance's key; `comment` (one line) is
    signed with it."""
    return checkpoints.sign_document(data, comment)


def instance_signature_problem(data: bytes, signature: str) -> str | None:
    """Why `signature` is not the instance's (`sign_as_instance`) over `data`; None if it is."""
    return checkpoints.document_problem(data, signature)


def hold_chain() -> None:
    """Lock the head of the chain until the caller's transaction ends, as `record` does.
    A service that takes a lock of its own and then records (reference counters) calls this
    first, so every transaction takes the two in the same order and none waits in a circle."""
    _locked_head()


def _locked_head() -> AuditHead:
    """The head of the chain, locked until the caller's transaction ends: one query once the
    first entry has made it."""
    try:
        return AuditHead.objects.select_for_update().get(pk=1)
    except AuditHead.DoesNotExist:
        AuditHead.objects.get_or_create(pk=1)  # race-safe on the very first entry
        return AuditHead.objects.select_for_update().get(pk=1)


class CheckpointRefused(Exception):
    """The head cannot be vouched for: the chain is empty or does not verify."""


def _trusted_start(kept: checkpoints.Kept) -> tuple[tuple[int, str], tuple[int, str]]:
    """Where the last checkpoint left the chain, if its signature still holds, or where
    retention pruned it, whichever is later; else the start. And where it was pruned."""
    try:
        pruned = kept.start()
    except selectors.AnchorInvalid as invalid:
        raise CheckpointRefused(
            f"The {kept.name} does not verify ({invalid.problem}); no checkpoint was signed. "
            f"Run '{kept.command}'."
        ) from invalid
    latest = selectors.latest_checkpoint(kept.chain.name)
    if latest is not None and latest.seq > pruned[0]:
        try:
            mark = checkpoints.read(latest.signature, latest.statement)
        except checkpoints.CheckpointInvalid:
            logger.warning(
                "%s: the latest stored checkpoint's signature does not hold", kept.chain.name
            )
        else:
            return (mark.entry, mark.mac), pruned
    return pruned, pruned


def take_checkpoint(kept: checkpoints.Kept = selectors.AUDIT) -> AuditCheckpoint:
    """Sign the head of a chain (the audit log's unless told), once the entries since the
    last checkpoint verify under the key and extend it: a checkpoint never vouches for a log
    that was rewritten after the one before. Reads the head first; entries appended
    meanwhile wait for the next checkpoint."""
    head = kept.head()
    if head is None or head[0] == 0:
        raise CheckpointRefused(f"The {kept.name} is empty: there is nothing to checkpoint yet.")
    start, pruned = _trusted_start(kept)
    walk = kept.chain.walk(kept.links(start[0], head[0]), start=start)
    problem = walk.problem
    if start[0] and start != pruned and kept.mac_at(start[0]) != start[1]:
        problem = ChainProblem(start[0], "no longer matches the last checkpoint")
    elif problem is None and (walk.last_seq, walk.last_mac) != head:
        problem = ChainProblem(
            min(head[0], walk.last_seq + 1), "does not lead to the recorded end of the log"
        )
    if problem is not None:
        raise CheckpointRefused(
            f"The {kept.name} does not verify ({problem}); no checkpoint was signed. "
            f"Run '{kept.command}'."
        )
    signed = checkpoints.sign(kept.chain.name, head[0], head[1], clock.now())
    return AuditCheckpoint.objects.create(
        chain=kept.chain.name,
        seq=head[0],
        mac=head[1],
        at=signed.checkpoint.at,
        statement=signed.statement,
        signature=signed.signature,
    )


# Each chain's head last refused, so the log says it once.
_refused_at: dict[str, tuple[int, str]] = {}


def checkpoint_if_due(kept: checkpoints.Kept = selectors.AUDIT) -> int:
    """The worker's round: a checkpoint of a chain (the audit log's unless told) when its
    head moved and the last one is older than AEGIS_AUDIT_CHECKPOINT_INTERVAL. Returns how
    many were signed (0 or 1)."""
    head = kept.head()
    latest = selectors.latest_checkpoint(kept.chain.name)
    if head is None or head[0] == 0 or head == _refused_at.get(kept.chain.name):
        return 0
    interval = datetime.timedelta(seconds=settings.AEGIS_AUDIT_CHECKPOINT_INTERVAL)
    if latest is not None and (latest.seq == head[0] or clock.now() - latest.at < interval):
        return 0
    try:
        take_checkpoint(kept)
    except CheckpointRefused as refused:
        logger.error("%s: %s", kept.chain.name, refused)
        _refused_at[kept.chain.name] = head
        return 0
    return 1


# --- Retention: removing the oldest entries -----------------------------------------------

# The shortest time an entry is kept, whatever the retention setting: the log is how the
# organisation answers for who opened what, and complaints come late.
MIN_KEEP_DAYS = 3 * 365


class PruneRefused(Exception):
    """The entries cannot be removed: the log does not verify up to the checkpoint."""


def prune(
    before: datetime.datetime,
    *,
    keep: Iterable[tuple[str, str]] = (),
    keep_from: int | None = None,
    actor_id: int | None = None,
    batch: int = 5000,
) -> int:
    """Remove the entries written before `before`, up to the latest signed checkpoint and
    short of the first entry naming an object in `keep` and of entry `keep_from`, after
    checking that the entries
    from where the log starts up to that checkpoint verify. What is left starts at an anchor
    (the last removed entry's number and MAC, signed like a checkpoint), so `aegis audit
    verify` walks from it and still catches a changed, removed or reordered entry; the
    pruning is itself an entry. Returns how many entries went."""
    if before > clock.now() - datetime.timedelta(days=MIN_KEEP_DAYS):
        raise ValueError(f"Audit entries are kept at least {MIN_KEEP_DAYS} days.")
    cut = selectors.prune_cut(before, keep, keep_from)
    if not cut:
        return 0
    begin = selectors.start()
    latest = selectors.latest_checkpoint()
    try:
        mark = checkpoints.read(latest.signature, latest.statement) if latest else None
    except checkpoints.CheckpointInvalid:
        mark = None
    if mark is None:
        raise PruneRefused("The latest checkpoint's signature does not hold; nothing was removed.")
    walk = CHAIN.walk(
        selectors.links(after=begin[0], upto=mark.entry),
        start=begin,
        remember=frozenset({cut, mark.entry}),
    )
    problem = walk.problem
    if problem is None and walk.macs.get(mark.entry) != mark.mac:
        problem = ChainProblem(mark.entry, "does not match the latest checkpoint")
    if problem is not None or cut not in walk.macs:
        problem = problem or ChainProblem(cut, "is missing")
        raise PruneRefused(f"The audit log does not verify ({problem}); nothing was removed.")
    with transaction.atomic():
        hold_chain()
        signed = checkpoints.sign(CHAIN.name, cut, walk.macs[cut], clock.now())
        removed = AuditEntry.objects.filter(seq__gt=begin[0], seq__lte=cut).count()
        AuditAnchor.objects.create(
            chain=CHAIN.name,
            seq=cut,
            mac=walk.macs[cut],
            at=signed.checkpoint.at,
            removed=removed,
            statement=signed.statement,
            signature=signed.signature,
        )
        AuditRecordList.objects.filter(entry__seq__lte=cut).delete()
        for low in range(begin[0], cut, batch):
            AuditEntry.objects.filter(seq__gt=low, seq__lte=min(low + batch, cut)).delete()
        record("audit.prune", actor_id=actor_id, object_type="audit", object_id=cut)
    return removed


CHECKS_KEPT = 100  # integrity checks asked for on the page, newest first


def request_check(actor_id: int | None) -> AuditCheck:
    """A check of the log's integrity, asked for on the auditor's page: the one already under
    way, or a new one, walked at once when the log is short (AEGIS_AUDIT_CHECK_IN_PAGE
    entries; about half a second) and by the worker otherwise, so that no page waits
    minutes. The chain's lock makes two requests at once one check."""
    now = timezone.now()
    with transaction.atomic():
        hold_chain()
        if (under_way := selectors.check_under_way(now)) is not None:
            return under_way
        # A check that stalled is given up, so that a worker back later does not walk it too.
        AuditCheck.objects.filter(state__in=UNFINISHED, updated_at__lt=now - STALLED).update(
            state=AuditCheck.State.FAILED, finished_at=now
        )
        check = AuditCheck.objects.create(requested_by=actor_id, requested_at=now, updated_at=now)
        # The page shows the latest; a few earlier ones are kept for who looks at the table.
        kept = AuditCheck.objects.values_list("pk", flat=True)[:CHECKS_KEPT]
        AuditCheck.objects.exclude(pk__in=list(kept)).delete()
        in_page = selectors.entries_to_check() <= settings.AEGIS_AUDIT_CHECK_IN_PAGE
        if not in_page:
            transaction.on_commit(lambda: tasks.check_integrity.enqueue(check.pk))
    if in_page:
        integrity.run_check(check.pk)
        check.refresh_from_db()
    return check
