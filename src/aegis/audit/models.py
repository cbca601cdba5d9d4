"""Append-only audit log, chained by a keyed MAC (chain.py). Holds who, what, when and an
object id: never an IP address and never content."""

from __future__ import annotations

import datetime

from django.db import models
from nacl.encoding import HexEncoder
from nacl.hash import blake2b

from .chain import GENESIS, KeyedChain, Link

CHAIN = KeyedChain("audit")


class AppendOnlyError(Exception):
    pass


class AppendOnly(models.Model):
    """A row of the log: written once, never changed or deleted through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditEntry(AppendOnly):
    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # The chain's MACs (keyed BLAKE2b, hex); the names are from when they were plain hashes.
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def mac_fields(self) -> tuple[object, ...]:
        return mac_fields(*(getattr(self, name) for name in LINKED))

    def link(self) -> Link:
        return Link(self.seq, self.mac_fields(), self.prev_hash, self.entry_hash)


# An entry's columns that its MAC covers besides the number and the previous MAC, in order.
LINKED = ("at", "actor_id", "action", "object_type", "object_id")


def mac_fields(
    at: datetime.datetime, actor_id: int | None, action: str, object_type: str, object_id: str
) -> tuple[object, ...]:
    """The LINKED columns as the MAC covers them."""
    return (at.isoformat(), actor_id, action, object_type, object_id)


def records_digest(records: str) -> str:
    """What an entry covering several records keeps as its object id: the digest of their
    list, so that the chain's MAC covers the list as well."""
    return blake2b(
        records.encode(), digest_size=32, person=b"aegis-records", encoder=HexEncoder
    ).decode()


class AuditRecordList(AppendOnly):
    """The records one entry covers when there are several (the rows a page opened):
    "purpose:key-id" each, space-separated. The entry's object id is their digest."""

    entry = models.OneToOneField(
        AuditEntry, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    records = models.TextField()

    def __str__(self) -> str:
        return f"records of #{self.entry_id}"


class AuditHead(models.Model):
    """The chain's last sequence number and MAC: appends lock this row, and verification
    compares it with the last entry so that a removed tail is noticed."""

    seq = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"audit head at {self.seq}"


class AuditCheckpoint(models.Model):
    """A signed checkpoint of a chain's head, kept so the auditor's page can list recent ones.
    Its worth is in the copies kept off the server: whoever can write here could delete rows,
    but cannot sign new ones."""

    chain = models.CharField(max_length=32, default="audit")
    seq = models.PositiveBigIntegerField()
    mac = models.CharField(max_length=64)
    at = models.DateTimeField()
    statement = models.TextField()
    signature = models.TextField()

    class Meta:
        ordering = ["-at", "-seq"]
        indexes = [models.Index(fields=["chain", "-at"])]

    def __str__(self) -> str:
        return f"{self.chain} checkpoint at {self.seq}"


class AuditAnchor(AppendOnly):
    """Where a chain starts after its oldest entries were removed at the end of their
    retention period: the last removed entry's number and MAC, signed like a checkpoint (so
    nobody without the audit key can move it). Verification walks from the latest anchor."""

    chain = models.CharField(max_length=32, default="audit")
    seq = models.PositiveBigIntegerField()
    mac = models.CharField(max_length=64)
    at = models.DateTimeField()
    removed = models.PositiveBigIntegerField()
    statement = models.TextField()
    signature = models.TextField()

    class Meta:
        ordering = ["-seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_one_anchor_per_entry")
        ]

    def __str__(self) -> str:
        return f"{self.chain} anchor at {self.seq}"


class AuditCheck(models.Model):
    """One check of the log's integrity asked for on the auditor's page: walked in the
    request for a short log, by the worker for a long one, its progress recorded as it goes
    (integrity.py). Counts and the first problem's entry number only."""

    class State(models.TextChoices):
        WAITING = "waiting"
        CHECKING = "checking"
        INTACT = "intact"
        TAMPERED = "tampered"
        FAILED = "failed"  # an error, or given up after no sign of life for STALLED

    state = models.CharField(max_length=16, choices=State.choices, default=State.WAITING)
    requested_by = models.BigIntegerField(null=True, blank=True)  # a user id, as actor_id
    requested_at = models.DateTimeField()
    updated_at = models.DateTimeField()  # the last sign of life: asked, started, progress
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveBigIntegerField(default=0)
    checked = models.PositiveBigIntegerField(default=0)
    problem = models.CharField(max_length=200, blank=True)
    # The walk, resumed slice by slice: where the chain started (the anchor then), the last
    # entry verified and its MAC, and the end recorded when the check began (none: no end
    # was recorded, every entry is walked).
    begin_seq = models.PositiveBigIntegerField(default=0)
    position = models.PositiveBigIntegerField(default=0)
    position_mac = models.CharField(max_length=64, default=GENESIS)
    end_seq = models.PositiveBigIntegerField(null=True, blank=True)
    end_mac = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"audit check {self.pk}: {self.state}"

    def stalled(self, now: datetime.datetime) -> bool:
        """Waiting or checking with no sign of life for STALLED: the worker is not running,
        or stopped during the check."""
        return self.state in UNFINISHED and now - self.updated_at > STALLED

    def under_way(self, now: datetime.datetime) -> bool:
        """Waiting for the worker or running, and not stalled."""
        return self.state in UNFINISHED and not self.stalled(now)


UNFINISHED = (AuditCheck.State.WAITING, AuditCheck.State.CHECKING)


# A running check records its progress every second or so; a waiting one is taken up by the
# worker within seconds. Past this, the page says the check did not finish and may be asked
# for again.
STALLED = datetime.timedelta(minutes=5)
