"""Sending one delivery through its channel (alerts/channels/, one module per channel, each
saying which settings it needs; a channel without its settings answers NOT_CONFIGURED). The
message carries no case content: a neutral line and a signed acknowledgement link, marked
as a drill where it is one."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import channels
from .models import Delivery
from .vocabulary import DeliveryError

ACK_SALT = "aegis.ack"
# A gateway's delivery report names the delivery by this reference; it cannot acknowledge.
REPORT_SALT = "aegis.delivery-report"


def ack_token(delivery: Delivery) -> str:
    return signing.dumps({"d": delivery.pk}, salt=ACK_SALT)


def report_ref(delivery: Delivery) -> str:
    return signing.dumps({"d": delivery.pk}, salt=REPORT_SALT)


def _signed_id(token: str, salt: str) -> int | None:
    try:
        value = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("d"), int):
        return None
    return int(value["d"])


def delivery_id_of(token: str) -> int | None:
    """The delivery an acknowledgement token names, or None for a tampered or malformed one."""
    return _signed_id(token, ACK_SALT)


def delivery_id_of_report(ref: str) -> int | None:
    """The delivery a gateway's delivery report names, or None."""
    return _signed_id(ref, REPORT_SALT)


def ack_link(delivery: Delivery) -> str:
    base = str(getattr(settings, "AEGIS_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
    return base + reverse("alerts:ack", kwargs={"token": ack_token(delivery)})


def _language(delivery: Delivery) -> str:
    offered = {code for code, _name in settings.LANGUAGES}
    return delivery.language if delivery.language in offered else settings.LANGUAGE_CODE


def _marked(delivery: Delivery, text: str) -> str:
    """A drill's text begins with "[DRILL]" in the language the text is in (so it is called
    inside the recipient's override): an English marking had stood before Spanish text."""
    if not delivery.alert.is_drill:
        return text
    mark = _("[%(drill)s]") % {"drill": _("DRILL")}
    return f"{mark} {text}"


def title(delivery: Delivery) -> str:
    with translation.override(_language(delivery)):
        return _marked(delivery, _("Aegis alert"))


def message(delivery: Delivery) -> str:
    link = ack_link(delivery)
    with translation.override(_language(delivery)):
        text = _("Aegis: someone you support needs you. Open: %(link)s") % {"link": link}
        return _marked(delivery, text)


def send(delivery: Delivery) -> str | None:
    """Send once through the delivery's channel; None when the channel accepted it, else a
    DeliveryError code. Reads the encrypted address, so the alert's key must be unlocked
    (the service keychain)."""
    clear: Any = delivery.address  # str on read: the field decrypts it
    address = str(clear or "").strip()
    if not address:
        return DeliveryError.NO_ADDRESS
    channel = channels.get(delivery.channel)
    if channel is None:  # a channel since removed from this instance
        return DeliveryError.NOT_CONFIGURED
    delivery.address = address  # the channel reads the clear, stripped address
    return channel.send(delivery, title(delivery), message(delivery))
