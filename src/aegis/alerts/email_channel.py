"""Email through apprise's own email plugin, over a TLS context made once per process.

apprise 2.2's plugin builds a new `ssl.create_default_context()` for every message, even
for plain SMTP: it reads and parses every CA certificate on the machine, about 16 ms of CPU,
which alone held a 2-core worker near 30 emails a second, far from a burst of 5,000 alert
emails (DESIGN.md). This subclass keeps everything else of apprise's plugin (its URL, its
options, the message it builds) and only replaces the connection: smtplib, secured with a
context shared by every send of the process (an SSLContext is safe to share between
threads). Certificates are still checked, unless the URL says verify=no.

Connections stay open between messages (RelayConnections): a new one per message costs a
TCP and a TLS handshake, EHLO, a login and QUIT, about ten round trips, so over a relay
100 ms away a second a message, and on loopback most of the worker's time in a burst. A
kept connection is checked with RSET before it is used again (a reply, or a new connection:
nothing of a message is sent on a connection that may be dead, so keeping them open never
sends a message twice), closed once idle for IDLE_SECONDS, and used for at most
MESSAGES_PER_CONNECTION messages, since relays limit them."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import smtplib
import ssl
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from apprise.exception import AppriseException
from apprise.plugins.email.base import NotifyEmail
from apprise.plugins.email.common import AppriseEmailException, SecureMailMode

# What apprise's own plugin counts as a failed connection or conversation.
SMTP_ERRORS = (OSError, smtplib.SMTPException, RuntimeError)
SEND_ERRORS = (*SMTP_ERRORS, AppriseEmailException)

# An idle connection is closed after this long (relays drop idle clients after minutes).
IDLE_SECONDS = 30.0
# Then a new connection: some relays answer 421 past 20 messages on one.
MESSAGES_PER_CONNECTION = 20
# Idle connections kept per relay; the worker sends on 16 threads (AEGIS_ALERT_SEND_THREADS).
KEEP_AT_MOST = 16

_contexts: dict[bool, ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def tls_context(verify: bool = True) -> ssl.SSLContext:
    """The process's context for verified (or, where a URL asks, unverified) connections."""
    with _contexts_lock:
        context = _contexts.get(verify)
        if context is None:
            context = ssl.create_default_context()
            if not verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            _contexts[verify] = context
        return context


class SharedContextEmail(NotifyEmail):
    """apprise's email plugin (mailto:// and mailtos:// URLs), one TLS context per process."""

    @classmethod
    def from_url(cls, url: str) -> SharedContextEmail | None:
        """The plugin for a mailto(s):// URL, or None where apprise finds it unusable."""
        options = cls.parse_url(url)
        try:
            return cls(**options) if options else None
        except (AppriseException, TypeError):  # a sender or a recipient that is no address
            return None

    def _relay(self) -> Hashable:
        """What tells one relay's connections from another's (the password only digested)."""
        password = hashlib.sha256(str(self.password or "").encode()).hexdigest()
        return (
            str(self.secure_mode),
            str(self.smtp_host),
            int(self.port or 0),
            str(self.user or ""),
            password,
            bool(self.verify_certificate),
        )

    def _connect(self) -> smtplib.SMTP:
        """A new connection, secured and logged in as the URL says."""
        context = tls_context(bool(self.verify_certificate))
        host, port, timeout = str(self.smtp_host), int(self.port or 0), self.socket_connect_timeout
        smtp: smtplib.SMTP
        if self.secure_mode == SecureMailMode.SSL:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if self.secure_mode == SecureMailMode.STARTTLS:
                smtp.starttls(context=context)
            if self.user and self.password:
                smtp.login(self.user, self.password)
        except BaseException:
            _quit(smtp)
            raise
        return smtp

    def send(  # type: ignore[override]  # apprise's notify passes these by name
        self, body: str, title: str = "", body_format: Any = None, **kwargs: Any
    ) -> bool:
        """As apprise's send: every message accepted, or False (nothing here raises)."""
        if not self.targets:
            return False
        self.throttle()
        headers = {"X-Application": self.app_id, **self.headers, **self._protocol_headers(body)}
        messages = NotifyEmail.prepare_emails(
            subject=title,
            body=body,
            notify_format=self.resolve_format(body_format),
            from_addr=self.from_addr,
            to=self.targets,
            cc=self.cc,
            bcc=self.bcc,
            reply_to=self.reply_to,
            smtp_host=self.smtp_host,
            attach=kwargs.get("attach"),
            headers=headers,
            names=self.names,
            pgp=self.pgp,
            pgp_mode=self.pgp_mode,
            inline=self.inline,
            tzinfo=self.tzinfo,
        )
        sender = str(self.from_addr[1])
        relay = self._relay()
        try:
            kept = relays.take(relay) or Kept(self._connect())
        except SEND_ERRORS:
            return False
        try:
            # sendmail raises when every recipient is refused and returns those refused
            # when only some are: either way the message was not accepted for everyone.
            refused = [kept.smtp.sendmail(sender, m.to_addrs, m.body) for m in messages]
        except SEND_ERRORS:
            _quit(kept.smtp)  # its state is unknown: never used again
            return False
        kept.sent += len(refused)
        relays.give_back(relay, kept)
        return not any(refused)


def _quit(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(*SMTP_ERRORS):
        smtp.quit()
    with contextlib.suppress(*SMTP_ERRORS):
        smtp.close()


@dataclass
class Kept:
    """An open connection to a relay, with how many messages went over it."""

    smtp: smtplib.SMTP
    sent: int = 0
    idle_since: float = 0.0


class RelayConnections:
    """Open connections to relays, between messages, shared by the send threads (each
    connection is used by one thread at a time: taken out, then given back)."""

    def __init__(self) -> None:
        self._idle: dict[Hashable, list[Kept]] = {}
        self._lock = threading.Lock()

    def take(self, relay: Hashable) -> Kept | None:
        """A kept connection to `relay` that still answers, or None."""
        while True:
            with self._lock:
                idle = self._idle.get(relay)
                kept = idle.pop() if idle else None
            if kept is None:
                return None
            fresh = time.monotonic() - kept.idle_since < IDLE_SECONDS
            if fresh and _answers(kept.smtp):
                return kept
            _quit(kept.smtp)

    def give_back(self, relay: Hashable, kept: Kept) -> None:
        if kept.sent >= MESSAGES_PER_CONNECTION:
            _quit(kept.smtp)
            return
        kept.idle_since = time.monotonic()
        with self._lock:
            idle = self._idle.setdefault(relay, [])
            if len(idle) < KEEP_AT_MOST:
                idle.append(kept)
                return
        _quit(kept.smtp)

    def close_all(self) -> None:
        with self._lock:
            kept = [k for idle in self._idle.values() for k in idle]
            self._idle.clear()
        for each in kept:
            _quit(each.smtp)


def _answers(smtp: smtplib.SMTP) -> bool:
    """Whether a kept connection is still there: RSET, before any of a message is sent."""
    try:
        return smtp.rset()[0] == 250
    except SMTP_ERRORS:
        return False


relays = RelayConnections()
atexit.register(relays.close_all)
