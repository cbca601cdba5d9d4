"""Signal through a signal-cli REST server: AEGIS_SIGNAL_REST_URL ("https://user:pass@host:
port"; apprise posts to its /v2/send, so only scheme, credentials, host and port count) and
AEGIS_SIGNAL_FROM, the number registered there; the address is a phone number."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote, urlunsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import register
from ._phone import is_phone_number
from .base import AddressRefused, AppriseChannel, setting_service, tls_scheme

if TYPE_CHECKING:
    from ..models import Delivery


@register
class Signal(AppriseChannel):
    name = "signal"
    label = gettext_lazy("Signal")
    position = 30
    contact_field = "signal"

    def validate_address(self, text: str) -> str:
        if not is_phone_number(text):
            raise AddressRefused(_("Write the Signal number with digits, e.g. +57 310 555 0142."))
        return text

    def apprise_url(self, delivery: Delivery, address: str) -> str | None:
        server = setting_service("AEGIS_SIGNAL_REST_URL")
        sender = str(getattr(settings, "AEGIS_SIGNAL_FROM", "") or "").strip()
        if server is None or not sender:
            return None
        path = f"/{quote(sender, safe='+')}/{quote(address, safe='+')}"
        return urlunsplit((tls_scheme(server, "signal"), server.netloc, path, "", ""))
