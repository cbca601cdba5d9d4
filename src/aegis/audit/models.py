"""Append-only, hash-chained audit log. Holds who, what, when and an object id: never an IP
address and never content."""

from __future__ import annotations

import hashlib

from django.db import models

GENESIS = "0" * 64


class AppendOnlyError(Exception):
    pass


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def compute_hash(self) -> str:
        parts = [
            str(self.seq),
            self.at.isoformat(),
            "" if self.actor_id is None else str(self.actor_id),
            self.action,
            self.object_type,
            self.object_id,
            self.prev_hash,
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class AuditHead(models.Model):
    """The chain's last sequence number and hash: appends lock this row, and verification
    compares it with the last entry so that a removed tail is noticed."""

    seq = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"audit head at {self.seq}"
