"""Sending one delivery through apprise. The message carries no case content: a neutral
line and a signed acknowledgement link, marked as a drill where it is one.

Channels and their settings (a channel without its settings answers NOT_CONFIGURED):

- email over SMTP: AEGIS_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM and _SECURITY
  ("starttls", "ssl" or "insecure"; "insecure" is plain SMTP, meant for a relay on loopback);
- SMS through an HTTP gateway (AEGIS_SMS_GATEWAY_URL), as apprise's JSON notification with
  the number in a "to" field beside "title" and "message", and a signed "ref" the gateway
  sends back in its delivery report;
- Signal through a signal-cli REST server: AEGIS_SIGNAL_REST_URL ("https://user:pass@host:
  port"; apprise posts to its /v2/send, so only scheme, credentials, host and port count)
  and AEGIS_SIGNAL_FROM, the number registered there; the address is a phone number;
- Matrix: AEGIS_MATRIX_URL, the homeserver with an access token ("https://TOKEN@host") or
  a bot's login ("https://user:password@host"; a token spares a login per message); its
  query string goes to apprise as is (e2ee=no, msgtype=notice…); the address is a room id
  ("!id:server"), a room alias ("#room:server") or a user ("@user:server", messaged
  directly);
- ntfy: AEGIS_NTFY_URL ("https://ntfy.example.org", with "user:pass@" or "tk_token@" where
  the server asks for it); the address is a topic there, or a topic's own https address on
  another server;
- webhooks: no setting; the address is the partner's own https URL, which receives
  apprise's JSON ("version", "title", "message", "type")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urlsplit, urlunsplit

import apprise
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .email_channel import SharedContextEmail
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


def _language(delivery: Delivery) -> str:
    offered = {code for code, _name in settings.LANGUAGES}
    return delivery.language if delivery.language in offered else settings.LANGUAGE_CODE


def title(delivery: Delivery) -> str:
    with translation.override(_language(delivery)):
        text = _("Aegis alert")
    return f"[DRILL] {text}" if delivery.alert.is_drill else text


def message(delivery: Delivery) -> str:
    with translation.override(_language(delivery)):
        text = _("Aegis: someone you support needs you. Open: %(link)s")
    text %= {"link": ack_link(delivery)}
    return f"[DRILL] {text}" if delivery.alert.is_drill else text


# --- One apprise URL per channel ----------------------------------------------------------


def _service(name: str) -> SplitResult | None:
    """The http(s) address of a service from settings, or None where it is not set."""
    value = str(getattr(settings, name, "") or "").strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts


def _scheme(parts: SplitResult, plain: str) -> str:
    """apprise names the TLS form of a scheme with a trailing "s" (json → jsons)."""
    return f"{plain}s" if parts.scheme == "https" else plain


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
    scheme = _scheme(parts, "json")
    query = f"{parts.query}&" if parts.query else ""
    query += f":to={quote(number, safe='')}&:ref={quote(ref, safe='')}"
    return urlunsplit((scheme, parts.netloc, parts.path, query, ""))


def _signal_url(number: str) -> str | None:
    server = _service("AEGIS_SIGNAL_REST_URL")
    sender = str(getattr(settings, "AEGIS_SIGNAL_FROM", "") or "").strip()
    if server is None or not sender:
        return None
    path = f"/{quote(sender, safe='+')}/{quote(number, safe='+')}"
    return urlunsplit((_scheme(server, "signal"), server.netloc, path, "", ""))


def _matrix_url(target: str) -> str | None:
    server = _service("AEGIS_MATRIX_URL")
    if server is None or not (server.username or server.password):
        return None  # a homeserver without a token or login cannot post anything
    path = f"/{quote(target, safe='')}"
    return urlunsplit((_scheme(server, "matrix"), server.netloc, path, server.query, ""))


def _ntfy_url(address: str) -> str | None:
    """A topic on the server of AEGIS_NTFY_URL, or a topic's own address on another server
    ("https://ntfy.example.net/topic")."""
    own = urlsplit(address)
    server: SplitResult | None
    if own.scheme in ("http", "https") and own.hostname:
        server, topic = own, own.path.strip("/")
    else:
        server, topic = _service("AEGIS_NTFY_URL"), address
    if server is None or not topic:
        return None
    query = "&".join(filter(None, ("mode=private", server.query)))
    path = f"/{quote(topic, safe='')}"
    return urlunsplit((_scheme(server, "ntfy"), server.netloc, path, query, ""))


def _webhook_url(address: str) -> str | None:
    hook = urlsplit(address)
    if hook.scheme not in ("http", "https") or not hook.hostname:
        return None
    # apprise reads a plain query as its own options; "-name" passes one on to the partner.
    query = urlencode([(f"-{k}", v) for k, v in parse_qsl(hook.query, keep_blank_values=True)])
    return urlunsplit((_scheme(hook, "json"), hook.netloc, hook.path or "/", query, ""))


# Every channel but SMS needs only the address (SMS adds its delivery-report reference).
_BY_ADDRESS: dict[str, Callable[[str], str | None]] = {
    Channel.EMAIL: _email_url,
    Channel.SIGNAL: _signal_url,
    Channel.MATRIX: _matrix_url,
    Channel.NTFY: _ntfy_url,
    Channel.WEBHOOK: _webhook_url,
}


def apprise_url(delivery: Delivery, address: str) -> str | None:
    """The apprise URL that sends this delivery, or None where its channel is not set up."""
    if delivery.channel == Channel.SMS:
        return _sms_url(address, report_ref(delivery))
    build = _BY_ADDRESS.get(delivery.channel)
    return build(address) if build is not None else None


def send(delivery: Delivery) -> str | None:
    """Send once; None when the channel accepted it, else a DeliveryError code. Reads the
    encrypted address, so the alert's key must be unlocked (the service keychain)."""
    clear: Any = delivery.address  # str on read: the field decrypts it
    address = str(clear or "").strip()
    if not address:
        return DeliveryError.NO_ADDRESS
    url = apprise_url(delivery, address)
    if url is None and delivery.channel == Channel.WEBHOOK:
        return DeliveryError.NO_ADDRESS  # the partner's address is no web address
    if url is None:
        return DeliveryError.NOT_CONFIGURED
    notifier = apprise.Apprise()
    server = SharedContextEmail.from_url(url) if delivery.channel == Channel.EMAIL else url
    if server is None or not notifier.add(server):
        return DeliveryError.NOT_CONFIGURED
    if not notifier.notify(body=message(delivery), title=title(delivery)):
        return DeliveryError.CHANNEL_REFUSED
    return None
