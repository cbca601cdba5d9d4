"""Coded values of alerts (kept in clear: they identify nobody)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class AlertKind(models.TextChoices):
    PANIC = "panic", _("Panic")
    MANUAL = "manual", _("Manual")
    DURESS = "duress", _("Duress")
    MISSED_CHECKIN = "missed_checkin", _("Missed check-in")
    RULE = "rule", _("Rule")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class RecipientKind(models.TextChoices):
    USER = "user", _("Staff member")
    CONTACT = "contact", _("Emergency contact")
    PARTNER = "partner", _("Partner organisation")


class Audience(models.TextChoices):
    """Who a step of an escalation policy reaches."""

    RESPONDERS = "responders", _("Responders of the compartment")
    COORDINATORS = "coordinators", _("Coordinators of the compartment")
    CONTACTS = "contacts", _("The defender's emergency contacts")
    PARTNERS = "partners", _("Partner organisations")


class RuleTrigger(models.TextChoices):
    INCIDENT = "incident", _("An incident of a chosen kind is recorded")
    RISK_CRITICAL = "risk_critical", _("A risk level is raised to critical")
    NEWS_MENTION = "news_mention", _("A monitored news source names a protected person")


class Channel(models.TextChoices):
    """The names of the channels Aegis comes with (alerts/channels/); the channel columns
    hold any registered channel's name, these included."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    SIGNAL = "signal", _("Signal")
    MATRIX = "matrix", _("Matrix")
    NTFY = "ntfy", _("ntfy")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class DeliveryError(models.TextChoices):
    """Why a send failed, as a code: an error text could carry an address."""

    CHANNEL_REFUSED = "channel_refused", _("The channel refused or could not be reached")
    NOT_CONFIGURED = "not_configured", _("The channel is not configured")
    NO_ADDRESS = "no_address", _("No address for this channel")


# The rule the migration adds (and first use adds again, should it be missing): stored in
# English, shown in the reader's language while a coordinator has not renamed it.
NEWS_RULE_NAME = gettext_noop("A protected person is named in the news")
BUILT_IN_RULE_NAMES = frozenset({NEWS_RULE_NAME})
