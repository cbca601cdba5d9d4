"""What a channel's service (the SMS gateway, or any channel with delivery_reports) reports
about a message we sent: "delivered" moves a sent delivery to
delivered; "failed" marks it failed and falls back to the recipient's next channel, as a
refused send does. A report never moves a delivery backwards (an acknowledged one stays
acknowledged) and never touches one that is not yet sent."""

from __future__ import annotations

from django.db import transaction

from aegis import clock
from aegis.vault import service_keys
from aegis.vault.keychain import unlocked

from . import services
from .delivery import delivery_id_of_report
from .models import Delivery
from .vocabulary import DeliveryError, DeliveryState

DELIVERED = "delivered"
FAILED = "failed"


def _fall_back(failed: Delivery) -> None:
    with unlocked(service_keys.service_keychain()):  # contacts' addresses are encrypted
        if services.fall_back(failed) is not None:
            services.wake_worker()


def record_signed(ref: str, status: str) -> bool:
    """A report that names its delivery by the signed reference the message carried
    (AlertChannel.report_reference); False for a reference that names no delivery."""
    delivery_id = delivery_id_of_report(ref)
    return delivery_id is not None and record(delivery_id, status)


def record(delivery_id: int, status: str) -> bool:
    """Apply one delivery report; False when no such delivery exists. Reports of other
    states (queued at the operator, sent to the network…) are accepted and change nothing."""
    status = status.strip().lower()
    with transaction.atomic():
        item = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if item is None:
            return False
        now = clock.now()
        if status == DELIVERED and item.state == DeliveryState.SENT:
            item.state, item.delivered_at = DeliveryState.DELIVERED, now
            item.save(update_fields=["state", "delivered_at"])
        elif status == DELIVERED and item.state == DeliveryState.ACKNOWLEDGED:
            if item.delivered_at is None:  # it arrived, obviously: note when we learnt it
                item.delivered_at = now
                item.save(update_fields=["delivered_at"])
        elif status == FAILED and item.state == DeliveryState.SENT:
            item.state, item.last_error = DeliveryState.FAILED, DeliveryError.CHANNEL_REFUSED
            item.save(update_fields=["state", "last_error"])
            _fall_back(item)
        return True
