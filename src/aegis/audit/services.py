"""Appending to the audit log."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import AuditEntry, AuditHead

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
    "vault.wipe",
    "password.change",
    "user.create",
    "token.create",
    "token.revoke",
    "record.create",
    "record.update",
    "record.delete",
    "consent.give",
    "consent.withdraw",
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
}


def record(
    action: str, *, actor_id: int | None, object_type: str = "", object_id: object = ""
) -> AuditEntry:
    """Append one entry, chained to the previous one. Runs in the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}")
    with transaction.atomic():
        AuditHead.objects.get_or_create(pk=1)  # race-safe on the very first entry
        head = AuditHead.objects.select_for_update().get(pk=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:64],
            prev_hash=head.entry_hash,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
        AuditHead.objects.filter(pk=1).update(seq=entry.seq, entry_hash=entry.entry_hash)
    return entry


def hold_chain() -> None:
    """Lock the head of the chain until the caller's transaction ends, as `record` does.
    A service that takes a lock of its own and then records (reference counters) calls this
    first, so every transaction takes the two in the same order and none waits in a circle."""
    AuditHead.objects.get_or_create(pk=1)
    AuditHead.objects.select_for_update().get(pk=1)
