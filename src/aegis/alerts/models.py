"""Alerts and their outbox: one Delivery row per recipient, channel and level, written in
the same transaction as the alert, so a crash never loses a step. Addresses and outcomes
are ciphertext under the alert's data key, which is sealed to the compartment and to the
alert service key (the worker reads with nobody signed in)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models

from aegis.vault.fields import EncryptedTextField

from .vocabulary import (
    AlertKind,
    AlertStatus,
    Channel,
    DeliveryError,
    DeliveryState,
    RecipientKind,
)


class Alert(models.Model):
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")
    compartment = models.ForeignKey("cases.Compartment", on_delete=models.PROTECT, related_name="+")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    is_drill = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    level = models.PositiveSmallIntegerField(default=1)
    triggered_at = models.DateTimeField()
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = EncryptedTextField()

    class Meta:
        ordering = ["-triggered_at"]
        indexes = [models.Index(fields=["status", "triggered_at"])]

    def __str__(self) -> str:
        return f"alert {self.pk}"


class EscalationLevel(models.Model):
    """The ladder as it stood when the alert was raised (later policy edits do not move it)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField()
    deadline_minutes = models.PositiveIntegerField()
    reached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "number"], name="alerts_one_level_number")
        ]

    def __str__(self) -> str:
        return f"level {self.number} of {self.alert_id}"

    @property
    def deadline_at(self) -> datetime | None:
        if self.reached_at is None:
            return None
        return self.reached_at + timedelta(minutes=self.deadline_minutes)


class Delivery(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    recipient_kind = models.CharField(max_length=8, choices=RecipientKind.choices)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact_index = models.PositiveSmallIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = EncryptedTextField()
    # Same alert, level, recipient and channel: never a second row, so never a second send.
    idempotency_key = models.CharField(max_length=120, unique=True)
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=24, choices=DeliveryError.choices, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["level", "pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.idempotency_key

    @property
    def recipient(self) -> str:
        """The recipient's code within the alert: u<user id> or c<contact priority>."""
        if self.recipient_kind == RecipientKind.USER:
            return f"u{self.recipient_user_id}"
        return f"c{self.contact_index}"


class Acknowledgement(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="acknowledgements")
    delivery = models.OneToOneField(Delivery, on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ["acknowledged_at"]

    def __str__(self) -> str:
        return f"ack of {self.delivery_id}"
