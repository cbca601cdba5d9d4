"""Email over SMTP: AEGIS_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM and _SECURITY
("starttls", "ssl" or "insecure"; "insecure" is plain SMTP, meant for a relay on loopback),
through apprise's email plugin with the process's shared TLS context."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..email_channel import SharedContextEmail
from . import register
from .base import AddressRefused, AppriseChannel

if TYPE_CHECKING:
    from ..models import Delivery


@register
class Email(AppriseChannel):
    name = "email"
    label = gettext_lazy("Email")
    position = 10
    contact_field = "email"

    def validate_address(self, text: str) -> str:
        try:
            validate_email(text)
        except ValidationError as invalid:
            raise AddressRefused(_("Write an email address, e.g. desk@example.org.")) from invalid
        return text

    def apprise_url(self, delivery: Delivery, address: str) -> str | None:
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

    def server(self, url: str) -> Any:
        return SharedContextEmail.from_url(url)
