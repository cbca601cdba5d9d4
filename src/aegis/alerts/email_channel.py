"""Email through apprise's own email plugin, over a TLS context made once per process.

apprise 2.2's plugin builds a new `ssl.create_default_context()` for every message, even
for plain SMTP: it reads and parses every CA certificate on the machine, about 16 ms of CPU,
which alone held a 2-core worker near 30 emails a second, far from a burst of 5,000 alert
emails (DESIGN.md). This subclass keeps everything else of apprise's plugin (its URL, its
options, the message it builds) and only replaces the connection: smtplib, secured with a
context shared by every send of the process (an SSLContext is safe to share between
threads). Certificates are still checked, unless the URL says verify=no."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import threading
from collections.abc import Iterator
from typing import Any

from apprise.exception import AppriseException
from apprise.plugins.email.base import NotifyEmail
from apprise.plugins.email.common import AppriseEmailException, SecureMailMode

# What apprise's own plugin counts as a failed connection or conversation.
SMTP_ERRORS = (OSError, smtplib.SMTPException, RuntimeError)
SEND_ERRORS = (*SMTP_ERRORS, AppriseEmailException)

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

    @contextlib.contextmanager
    def _connection(self) -> Iterator[smtplib.SMTP]:
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
            yield smtp
        finally:
            with contextlib.suppress(*SMTP_ERRORS):
                smtp.quit()

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
        try:
            with self._connection() as smtp:
                # sendmail raises when every recipient is refused and returns those refused
                # when only some are: either way the message was not accepted for everyone.
                refused = [smtp.sendmail(sender, m.to_addrs, m.body) for m in messages]
        except SEND_ERRORS:
            return False
        return not any(refused)
