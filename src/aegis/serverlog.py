"""gunicorn's logger for `aegis serve`, with no client address in any line.

gunicorn writes the client's address into its warning about a malformed request
("Invalid request from ip=…") and offers it to access log formats as %(h)s. This logger
drops addresses from every error-log line and leaves the address and user-agent atoms of
access lines empty, so no configuration can put a reporter's address in a log (DESIGN.md)."""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

# IPv4, IPv6 (with or without brackets and a zone) and gunicorn's "ip=" field.
_ADDRESS = re.compile(
    r"ip=\S*"
    r"|\b(?:\d{1,3}\.){3}\d{1,3}\b"
    r"|\[?\b(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?:%\w+)?\b\]?"
)
# Access-log atoms that name the client: its address and user agent, however they come
# (socket, proxy headers, WSGI environ).
_CLIENT_ATOMS = ("h", "a")
_CLIENT_HINTS = ("addr", "forwarded", "real-ip", "real_ip", "client-ip", "client_ip", "agent")


def without_addresses(text: str) -> str:
    return _ADDRESS.sub("[address withheld]", text)


class _NoAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = without_addresses(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            trace = logging.Formatter().formatException(record.exc_info)
            record.exc_text = without_addresses(trace)
        elif record.exc_text:
            record.exc_text = without_addresses(record.exc_text)
        return True


class AddressFreeLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if not any(isinstance(f, _NoAddresses) for f in self.error_log.filters):
            self.error_log.addFilter(_NoAddresses())

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        for name in list(atoms):
            if name in _CLIENT_ATOMS or any(hint in name.lower() for hint in _CLIENT_HINTS):
                atoms[name] = "-"
        return atoms


class RequestFaultWithoutTrace(logging.Filter):
    """For Django's `django.security` loggers: a request's own fault (a body past the limit,
    too many fields, a Host header not ours) is one line, a warning, not a traceback of
    Django's internals at every scan of the server."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
