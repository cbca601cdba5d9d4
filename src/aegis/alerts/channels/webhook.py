"""Webhooks: no setting; the address is the partner's own https URL, which receives
apprise's JSON ("version", "title", "message", "type")."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..vocabulary import DeliveryError
from . import register
from .base import AddressRefused, AppriseChannel, tls_scheme

if TYPE_CHECKING:
    from ..models import Delivery


@register
class Webhook(AppriseChannel):
    name = "webhook"
    label = gettext_lazy("Webhook")
    position = 60
    unusable = DeliveryError.NO_ADDRESS  # the partner's address is no web address

    def validate_address(self, text: str) -> str:
        try:
            URLValidator(schemes=["https"])(text)
        except ValidationError as invalid:
            problem = _("Write the webhook's address, starting with https://.")
            raise AddressRefused(problem) from invalid
        return text

    def apprise_url(self, delivery: Delivery, address: str) -> str | None:
        hook = urlsplit(address)
        if hook.scheme not in ("http", "https") or not hook.hostname:
            return None
        # apprise reads a plain query as its own options; "-name" passes one on to the partner.
        pairs = parse_qsl(hook.query, keep_blank_values=True)
        query = urlencode([(f"-{k}", v) for k, v in pairs])
        return urlunsplit((tls_scheme(hook, "json"), hook.netloc, hook.path or "/", query, ""))
