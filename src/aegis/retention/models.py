"""Retention periods per record class, legal holds on cases, and the log of the worker's
scheduled backups and expiry runs. Times come from aegis.clock (set by the services)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aegis.vault.fields import EncryptedTextField


class RecordClass(models.TextChoices):
    """The kinds of record that expire, each on its own period."""

    REPORTS = "reports", _("Reports never taken up")
    CLOSED_CASES = "closed_cases", _("Closed cases")
    EVIDENCE = "evidence", _("Evidence of closed cases")
    ALERTS = "alerts", _("Resolved alerts and their deliveries")
    AUDIT = "audit", _("Audit log entries")
    SESSIONS = "sessions", _("Ended sign-in sessions")


class RetentionPeriod(models.Model):
    """How long one class of record is kept; `days` None keeps it forever."""

    record_class = models.CharField(max_length=24, choices=RecordClass.choices, unique=True)
    days = models.PositiveIntegerField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.record_class}: {self.days or 'forever'}"


class LegalHold(models.Model):
    """A case that must not expire while the hold stands (a court order, a complaint under
    way). The reasons may name people or proceedings: encrypted under the case's key."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = EncryptedTextField()

    class Meta:
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(lifted_at=None),
                name="retention_one_standing_hold_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"hold {self.pk} on case {self.case_id}"


class BackupRun(models.Model):
    """One scheduled backup by the worker: when, where to, how large, or why it failed."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    pruned = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"backup run {self.pk} at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def succeeded(self) -> bool:
        return self.finished_at is not None and not self.error


class ExpiryRun(models.Model):
    """One pass of expiry (the worker's daily one or `aegis retention run`): counts only."""

    ran_at = models.DateTimeField(db_index=True)
    expired = models.PositiveIntegerField(default=0)
    kept = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-ran_at", "-pk"]

    def __str__(self) -> str:
        return f"expiry run {self.pk} at {self.ran_at:%Y-%m-%d %H:%M}"


class Lease(models.Model):
    """Which worker runs one housekeeping round now. Taken by a conditional UPDATE (one
    statement, atomic on both databases), so that when several workers run, each round runs
    in one of them at a time; `until` frees it if that worker dies."""

    name = models.CharField(max_length=32, unique=True)
    holder = models.CharField(max_length=64, blank=True)
    until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"lease {self.name}"
