"""Sending one delivery through apprise. The message carries no case content: a neutral
line and a signed acknowledgement link, marked as a drill where it is one.

Email goes over SMTP as configured by AEGIS_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM and
_SECURITY ("starttls", "ssl" or "insecure"; "insecure" is plain SMTP, meant for a relay on
loopback). SMS goes to an HTTP gateway (AEGIS_SMS_GATEWAY_URL) as apprise's JSON
notification, with the number in a "to" field beside "title" and "message", and a signed
"ref" the gateway sends back in its delivery report."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import apprise
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Delivery
from .vocabulary import Channel, DeliveryError

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


def title(delivery: Delivery) -> str:
    text = _("Aegis alert")
    return f"[DRILL] {text}" if delivery.alert.is_drill else text


def message(delivery: Delivery) -> str:
    text = _("Aegis: someone you support needs you. Open: %(link)s") % {"link": ack_link(delivery)}
    return f"[DRILL] {text}" if delivery.alert.is_drill else text


def _email_url(address: str) -> str | None:
    host = getattr(settings, "AEGIS_SMTP_HOST", "")
    if not host:
        return None
    security = getattr(settings, "AEGIS_SMTP_SECURITY", "starttls")
    port = int(getattr(settings, "AEGIS_SMTP_PORT", 587))
    user = getattr(settings, "AEGIS_SMTP_USER", "")
    password = getattr(settings, "AEGIS_SMTP_PASSWORD", "")
    sender = getattr(settings, "AEGIS_SMTP_FROM", "aegis@localhost")
    scheme = "mailto" if security == "insecure" else "mailtos"
    login = f"{quote(user, safe='')}:{quote(password, safe='')}@" if user else ""
    query = (
        f"smtp={quote(host, safe='')}&from={quote(sender, safe='@')}"
        f"&to={quote(address, safe='@')}&mode={security}"
    )
    return f"{scheme}://{login}{host}:{port}?{query}"


def _sms_url(number: str, ref: str) -> str | None:
    gateway = getattr(settings, "AEGIS_SMS_GATEWAY_URL", "")
    if not gateway:
        return None
    parts = urlsplit(gateway)
    scheme = "jsons" if parts.scheme == "https" else "json"
    query = f"{parts.query}&" if parts.query else ""
    query += f":to={quote(number, safe='')}&:ref={quote(ref, safe='')}"
    return urlunsplit((scheme, parts.netloc, parts.path, query, ""))


def send(delivery: Delivery) -> str | None:
    """Send once; None when the channel accepted it, else a DeliveryError code. Reads the
    encrypted address, so the alert's key must be unlocked (the service keychain)."""
    clear: Any = delivery.address  # str on read: the field decrypts it
    address = str(clear or "").strip()
    if not address:
        return DeliveryError.NO_ADDRESS
    url = _email_url(address) if delivery.channel == Channel.EMAIL else _sms_url(address, report_ref(delivery))
    if url is None:
        return DeliveryError.NOT_CONFIGURED
    notifier = apprise.Apprise()
    if not notifier.add(url):
        return DeliveryError.NOT_CONFIGURED
    if not notifier.notify(body=message(delivery), title=title(delivery)):
        return DeliveryError.CHANNEL_REFUSED
    return None
