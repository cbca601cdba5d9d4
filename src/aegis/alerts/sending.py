"""Sending what the outbox holds: one delivery at a time, under a row lock, so a delivery
no longer queued is never sent again; failures retry with backoff, then fall back to the
recipient's next channel."""

from __future__ import annotations

from django.db import connection, transaction

from aegis import clock
from aegis.vault import service_keys
from aegis.vault.keychain import unlocked

from . import delivery as channels
from .models import Delivery
from .services import backoff, max_attempts, queue, recipients
from .vocabulary import AlertStatus, DeliveryState


def _locked(pk: int) -> Delivery | None:
    rows = Delivery.objects.filter(pk=pk, state=DeliveryState.QUEUED)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    return rows.first()


def _fall_back(failed: Delivery) -> Delivery | None:
    """Queue the recipient's next channel on the same level, if the alert still waits."""
    alert = failed.alert
    if alert.status != AlertStatus.OPEN:
        return None
    for recipient in recipients(alert, failed.level):
        if recipient.code != failed.recipient:
            continue
        names = [channel for channel, _address in recipient.channels]
        position = names.index(failed.channel) if failed.channel in names else len(names)
        if position + 1 < len(names):
            return queue(alert, failed.level, recipient, position + 1)
    return None


def deliver_one(pk: int) -> str:
    """Send one due delivery; returns its new state. A delivery no longer queued (sent,
    cancelled, or taken by another worker) is left alone: it is never sent twice."""
    with transaction.atomic():
        item = _locked(pk)
        if item is None:
            return ""
        error = channels.send(item)
        item.attempts += 1
        now = clock.now()
        if error is None:
            item.state, item.sent_at, item.last_error = DeliveryState.SENT, now, ""
        else:
            item.last_error = error
            if item.attempts >= max_attempts():
                item.state = DeliveryState.FAILED
                _fall_back(item)
            else:
                item.next_attempt_at = now + backoff(item.attempts)
        item.save(update_fields=["state", "sent_at", "last_error", "attempts", "next_attempt_at"])
        return str(item.state)


def deliver_due(limit: int = 500) -> int:
    """Send every queued delivery that is due, including fallbacks queued on the way;
    returns how many were sent. A failed try is rescheduled later, so each pass ends."""
    sent = 0
    tried: set[int] = set()
    with unlocked(service_keys.service_keychain()):
        while True:
            due = Delivery.objects.filter(
                state=DeliveryState.QUEUED, next_attempt_at__lte=clock.now()
            ).exclude(pk__in=tried)
            ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
            if not ids:
                return sent
            for pk in ids:
                tried.add(pk)
                sent += deliver_one(pk) == DeliveryState.SENT
