"""What every alert channel is: a name (stored in the channel columns), a label, a check of
the addresses typed for it, and a send. Most channels send through apprise (DESIGN.md), so
AppriseChannel needs only the apprise URL of one message."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import SplitResult, urlsplit

import apprise
from apprise.plugins.base import NotifyBase
from django.conf import settings

from aegis.rules import RuleError

from ..vocabulary import DeliveryError

if TYPE_CHECKING:
    from ..models import Delivery

# None: the channel took the message; else a DeliveryError code (never an error text, which
# could carry an address).
SendResult = str | None


class AddressRefused(RuleError):
    """An address this channel cannot send to; the message is for the person who typed it.
    Its own kind: the callers put it on whichever input held the address."""


class AlertChannel(ABC):
    """One way of reaching a recipient. Subclasses set `name` (letters, digits, - and _, at
    most 32 characters) and `label`, and implement validate_address and send."""

    name: ClassVar[str]
    label: ClassVar[Any]  # a lazy translation
    # Whether the service reports back that a message arrived (reports.record marks the
    # delivery delivered or failed); the alert's page says "not reported" for the others.
    delivery_reports: ClassVar[bool] = False
    # The field of a safety plan's emergency contact that holds this channel's address
    # ("email", "phone" or "signal"); empty: emergency contacts are not reached this way.
    contact_field: ClassVar[str] = ""
    # Where the channel stands in lists (lower first; equal ones in registration order).
    position: ClassVar[int] = 100

    @abstractmethod
    def validate_address(self, text: str) -> str:
        """The address to store, cleaned; raises AddressRefused with a clear message."""

    @abstractmethod
    def send(self, delivery: Delivery, subject: str, body: str) -> SendResult:
        """Send one message to `delivery.address` (already decrypted, never empty)."""

    def report_reference(self, delivery: Delivery) -> str:
        """The signed reference a message carries where its service reports arrivals: the
        report hands it back to reports.record_signed. It names the delivery and cannot
        acknowledge the alert."""
        # Imported here: the models import this package, and delivery imports the models.
        from ..delivery import report_ref

        return report_ref(delivery)


def setting_service(name: str) -> SplitResult | None:
    """The http(s) address of a service from settings, or None where it is not set."""
    value = str(getattr(settings, name, "") or "").strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts


def tls_scheme(parts: SplitResult, plain: str) -> str:
    """apprise names the TLS form of a scheme with a trailing "s" (json → jsons)."""
    return f"{plain}s" if parts.scheme == "https" else plain


class AppriseChannel(AlertChannel):
    """A channel apprise sends through: a subclass builds the URL of one message."""

    # What a missing URL means: the channel's settings are absent (or, for a webhook, the
    # address itself is no web address).
    unusable: ClassVar[str] = DeliveryError.NOT_CONFIGURED

    @abstractmethod
    def apprise_url(self, delivery: Delivery, address: str) -> str | None:
        """The apprise URL of one message; None where the channel cannot be used."""

    def server(self, url: str) -> Any:
        """What apprise.Apprise.add takes: the URL itself, or a plugin built from it."""
        return url

    def send(self, delivery: Delivery, subject: str, body: str) -> SendResult:
        url = self.apprise_url(delivery, str(delivery.address))
        if url is None:
            return self.unusable
        server = self.server(url)
        if isinstance(server, NotifyBase):
            # A plugin built here is sent on directly: through apprise.Apprise each send
            # would wait for a thread of apprise's own pool (cores + 4 threads), behind the
            # worker's pool, which it caps (6 of 16 sends at once on 2 cores).
            sent = bool(server.notify(body=body, title=subject))
        else:
            notifier = apprise.Apprise()
            if server is None or not notifier.add(server):
                return DeliveryError.NOT_CONFIGURED
            sent = bool(notifier.notify(body=body, title=subject))
        return None if sent else DeliveryError.CHANNEL_REFUSED
