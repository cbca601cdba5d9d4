"""SMS through an HTTP gateway (AEGIS_SMS_GATEWAY_URL), as apprise's JSON notification with
the number in a "to" field beside "title" and "message", and a signed "ref" the gateway
sends back in its delivery report (gateway.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import register
from ._phone import is_phone_number
from .base import AddressRefused, AppriseChannel, tls_scheme

if TYPE_CHECKING:
    from ..models import Delivery


@register
class Sms(AppriseChannel):
    name = "sms"
    label = gettext_lazy("SMS")
    delivery_reports = True
    position = 20
    contact_field = "phone"

    def validate_address(self, text: str) -> str:
        if not is_phone_number(text):
            raise AddressRefused(_("Write the phone number with digits, e.g. +57 310 555 0142."))
        return text

    def apprise_url(self, delivery: Delivery, address: str) -> str | None:
        gateway = getattr(settings, "AEGIS_SMS_GATEWAY_URL", "")
        if not gateway:
            return None
        parts = urlsplit(gateway)
        query = f"{parts.query}&" if parts.query else ""
        ref = self.report_reference(delivery)
        query += f":to={quote(address, safe='')}&:ref={quote(ref, safe='')}"
        return urlunsplit((tls_scheme(parts, "json"), parts.netloc, parts.path, query, ""))
