"""Alerts and their outbox: one Delivery row per recipient, channel and level, written in
the same transaction as the alert, so a crash never loses a step. Addresses and outcomes
are ciphertext under the alert's data key, which is sealed to the compartment and to the
alert service key (the worker reads with nobody signed in)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext

from aegis.cases.vocabulary import Sector
from aegis.incidents.vocabulary import ViolationType
from aegis.risk.vocabulary import Level
from aegis.vault.fields import NAME_PADDED, EncryptedTextField

from . import channels
from .vocabulary import (
    BUILT_IN_RULE_NAMES,
    AlertKind,
    AlertStatus,
    DeliveryError,
    DeliveryState,
    RecipientKind,
    RuleTrigger,
)


def recipient_code(
    kind: str, user_id: int | None, contact_index: int | None, partner_id: int | None
) -> str:
    """A recipient's code within an alert (its idempotency keys use it): u<user id>,
    c<contact priority> or p<partner id>."""
    if kind == RecipientKind.USER:
        return f"u{user_id}"
    if kind == RecipientKind.PARTNER:
        return f"p{partner_id}"
    return f"c{contact_index}"


class PartnerOrganisation(models.Model):
    """An organisation that answers alerts beside the team (a regional protection desk, a
    lawyers' network). Its name is in clear: it names an organisation, not a defender. Its
    address is ciphertext under a key sealed to the alert service, so the worker can send."""

    name = models.CharField(max_length=80, unique=True)
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    # The name of a registered channel (alerts/channels/), checked by the services that write.
    channel = models.CharField(max_length=channels.NAME_MAX)
    address = EncryptedTextField(pad=NAME_PADDED)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def channel_label(self) -> str:
        return channels.label(self.channel)


class EscalationPolicy(models.Model):
    """Ordered steps for alerts about a person: one policy per risk level, or one for a case
    that overrides its level's policy."""

    name = models.CharField(max_length=80)
    risk_level = models.CharField(max_length=10, choices=Level.choices, blank=True)
    case = models.OneToOneField(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["risk_level", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["risk_level"],
                condition=~models.Q(risk_level=""),
                name="alerts_one_policy_per_level",
            ),
            models.CheckConstraint(
                condition=(models.Q(risk_level="") & models.Q(case__isnull=False))
                | (~models.Q(risk_level="") & models.Q(case__isnull=True)),
                name="alerts_policy_for_level_or_case",
            ),
        ]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        """The name a coordinator gave it, else its level's or its case's, in the reader's
        language (a default stored in the language of whoever saved it stayed in that one)."""
        if self.name:
            return self.name
        if self.case is not None:
            return gettext("Case %(reference)s") % {"reference": self.case.reference}
        return gettext("%(level)s risk") % {"level": Level(self.risk_level).label}


class PolicyStep(models.Model):
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField()
    deadline_minutes = models.PositiveIntegerField()
    # Comma-separated Audience values, and Channel values in the order to try them.
    audiences = models.CharField(max_length=60)
    channels = models.CharField(max_length=60, default="email,sms")
    partners = models.ManyToManyField(PartnerOrganisation, blank=True, related_name="+")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="alerts_one_step_number")
        ]

    def __str__(self) -> str:
        return f"step {self.number} of {self.policy_id}"


class AlertRule(models.Model):
    """Raise an alert by itself: when an incident of a kind is recorded against a person, in
    a region or a sector, or when a person's risk level is raised to critical. Criteria are
    codes and record ids, never names."""

    name = models.CharField(max_length=80)
    trigger = models.CharField(max_length=16, choices=RuleTrigger.choices)
    violation_type = models.CharField(max_length=24, choices=ViolationType.choices, blank=True)
    person = models.ForeignKey(
        "cases.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=8, blank=True)
    sector = models.CharField(max_length=24, choices=Sector.choices, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> str:
        """A built-in rule's name in the reader's language (it is stored in English); a name
        a coordinator wrote, as written."""
        return gettext(self.name) if self.name in BUILT_IN_RULE_NAMES else self.name


class CheckIn(models.Model):
    """A defender said they are fine. A check-in made with the duress word is stored exactly
    like any other: the alert it raised is the only trace."""

    person = models.ForeignKey("cases.Person", on_delete=models.CASCADE, related_name="+")
    checked_in_at = models.DateTimeField()

    class Meta:
        ordering = ["-checked_in_at"]
        indexes = [models.Index(fields=["person", "checked_in_at"])]

    def __str__(self) -> str:
        return f"check-in of {self.person_id}"


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
    policy = models.ForeignKey(
        EscalationPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(
        AlertRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    # Automatic triggers name what fired them ("missed:<person>:<due>", "rule:<rule>:…"), so
    # a second pass of the worker never raises the same alert twice.
    trigger_key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-triggered_at"]
        indexes = [
            models.Index(fields=["status", "triggered_at"]),
            # The console's and the history's order (aegis.paging seeks through it), with
            # what they filter on, so a deep page's start is found in the index alone.
            models.Index(
                fields=["-triggered_at", "-id"],
                name="alerts_alert_list_order",
                include=["compartment", "status"],
            ),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk}"


class EscalationLevel(models.Model):
    """The ladder as it stood when the alert was raised (later policy edits do not move it)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField()
    deadline_minutes = models.PositiveIntegerField()
    reached_at = models.DateTimeField(null=True, blank=True)
    audiences = models.CharField(max_length=60, default="")
    channels = models.CharField(max_length=60, default="email,sms")
    partner_ids = models.JSONField(default=list, blank=True)

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
    partner = models.ForeignKey(
        PartnerOrganisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The name of a registered channel (alerts/channels/), checked by the services that write.
    channel = models.CharField(max_length=channels.NAME_MAX)
    address = EncryptedTextField(pad=NAME_PADDED)
    # An emergency contact reads the message in their own language (their safety plan's
    # choice); empty: the instance's language.
    language = models.CharField(max_length=8, blank=True, default="")
    # Same alert, level, recipient and channel: never a second row, so never a second send.
    idempotency_key = models.CharField(max_length=120, unique=True)
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=24, choices=DeliveryError.choices, blank=True)
    # Set when a worker takes the row to send it, and renewed while it sends; a row left
    # "sending" by a killed worker is taken again once the lease runs out (sending.py).
    claimed_at = models.DateTimeField(null=True, blank=True)
    # How often it was taken back that way: each time, the message may have arrived twice
    # (the dead worker may have sent it before its answer was recorded).
    retaken = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    acked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["level", "pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.idempotency_key

    @property
    def channel_label(self) -> str:
        return channels.label(self.channel)

    @property
    def channel_reports_delivery(self) -> bool:
        """Whether the channel reports arrivals (else the page says it does not)."""
        channel = channels.get(self.channel)
        return channel is not None and channel.delivery_reports

    @property
    def recipient(self) -> str:
        return recipient_code(
            self.recipient_kind, self.recipient_user_id, self.contact_index, self.partner_id
        )


class Acknowledgement(models.Model):
    """Someone acted on the alert: a recipient through their message's link (delivery), or a
    responder or coordinator on the alert's page (user, when no message of theirs exists)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="acknowledgements")
    delivery = models.OneToOneField(
        Delivery, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ["acknowledged_at"]
        # An alert's first acknowledgement (the history's rows, the public reports' delays)
        # is read from the index instead of sorting the alert's acknowledgements.
        indexes = [models.Index(fields=["alert", "acknowledged_at"], name="alerts_ack_first")]

    def __str__(self) -> str:
        return f"ack of {self.delivery_id or self.user_id}"


class AlertNote(models.Model):
    """What a responder or coordinator did or learnt, under the alert's key."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notes")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = EncryptedTextField()
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["written_at", "pk"]

    def __str__(self) -> str:
        return f"note {self.pk} on alert {self.alert_id}"
