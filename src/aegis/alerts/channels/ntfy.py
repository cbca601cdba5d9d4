"""ntfy: AEGIS_NTFY_URL ("https://ntfy.example.org", with "user:pass@" or "tk_token@" where
the server asks for it); the address is a topic there, or a topic's own https address on
another server ("https://ntfy.example.net/topic")."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import register
from .base import AddressRefused, AppriseChannel, setting_service, tls_scheme

if TYPE_CHECKING:
    from ..models import Delivery

_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@register
class Ntfy(AppriseChannel):
    name = "ntfy"
    label = gettext_lazy("ntfy")
    position = 50

    def validate_address(self, text: str) -> str:
        problem = _("Write an ntfy topic (letters, digits, - and _) or its https address.")
        if not text.startswith("https://"):
            if not _TOPIC.match(text):
                raise AddressRefused(problem)
            return text
        try:
            URLValidator(schemes=["https"])(text)
        except ValidationError as invalid:
            raise AddressRefused(problem) from invalid
        return text

    def apprise_url(self, delivery: Delivery, address: str) -> str | None:
        own = urlsplit(address)
        server: SplitResult | None
        if own.scheme in ("http", "https") and own.hostname:
            server, topic = own, own.path.strip("/")
        else:
            server, topic = setting_service("AEGIS_NTFY_URL"), address
        if server is None or not topic:
            return None
        query = "&".join(filter(None, ("mode=private", server.query)))
        path = f"/{quote(topic, safe='')}"
        return urlunsplit((tls_scheme(server, "ntfy"), server.netloc, path, query, ""))
