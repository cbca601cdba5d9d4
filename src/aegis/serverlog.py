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


# gunicorn's lines that quote the request: a malformed one ("Invalid request from ip=…:
# Invalid HTTP request line: 'GET /ack/<token>/ …'", a header's name or value, a PROXY line)
# and an application error ("Error handling request GET /path?query"). Only the kind of
# fault is kept: the leading words of gunicorn's error, before any quoted text or number.
_INVALID_REQUEST = re.compile(r"Invalid request from ip=\S*: ?(?P<error>.*)", re.S)
_FAULT_KIND = re.compile(r"[A-Za-z][A-Za-z ]*")
_ERROR_HANDLING = re.compile(r"Error handling request (?!\(no URI read\)).*", re.S)


def without_addresses(text: str) -> str:
    return _ADDRESS.sub("[address withheld]", text)


def without_request_text(text: str) -> str:
    """gunicorn's line with no text the client sent (request line, path, header)."""
    if invalid := _INVALID_REQUEST.fullmatch(text):
        kind = _FAULT_KIND.match(invalid["error"])
        words = kind[0].strip() if kind else ""
        return f"Refused a malformed request ({words or 'unreadable'}; its text is not logged)"
    if _ERROR_HANDLING.fullmatch(text):
        return "Error handling a request (its path is not logged)"
    return text


class _NoAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = without_addresses(without_request_text(record.getMessage()))
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


# What Django's `django.security.<fault>` loggers say, without what the request carried:
# their own messages quote the Host header ("Invalid HTTP_HOST header: '…'"), the path, or
# the Origin and Referer headers (CSRF), all of them text any client chooses.
_REFUSED = {
    "DisallowedHost": (
        "Refused a request for a host name not in AEGIS_ALLOWED_HOSTS (nor AEGIS_BASE_URL's)."
    ),
    "csrf": "Refused a form sent without a valid CSRF token.",
    "RequestDataTooBig": "Refused a request whose body is over the size limit.",
    "TooManyFieldsSent": "Refused a request with too many fields.",
    "TooManyFilesSent": "Refused a request with too many files.",
}


class RequestFaultWithoutTrace(logging.Filter):
    """For Django's `django.security` loggers: a request's own fault (a body past the limit,
    too many fields, a Host header not ours) is one line, a warning, not a traceback of
    Django's internals at every scan of the server, and says nothing the client sent."""

    def filter(self, record: logging.LogRecord) -> bool:
        fault = record.name.rsplit(".", 1)[-1]
        record.msg = _REFUSED.get(fault, f"Refused a request ({fault}).")
        record.args = None
        record.exc_info = None
        record.exc_text = None
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class RequestWithoutPath(logging.Filter):
    """For `django.request` (server errors): Django's line names the request's path
    ("Internal Server Error: /ack/<token>/"), which can carry a token; the status is kept,
    and the traceback, which names the code that failed."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None:
            record.msg = f"Server error {status} (the request's path is not logged)"
            record.args = None
        return True
