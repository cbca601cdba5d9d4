"""The demo's mail catcher: an SMTP server on loopback that keeps every message it is given as
a file, and the reading of those files for the demo's "Demo mail" page.

`aegis demo` starts it in its own process and points the web server's and the worker's
AEGIS_SMTP_* settings at it, so an alert in the demo reaches its (fictional) contacts' inbox
here, acknowledgement link included, and nothing leaves the machine. Only the demo sets
AEGIS_DEMO_MAIL_DIR; without it the page does not exist (404)."""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

SUFFIX = ".eml"
SHOWN = 100  # the newest; a demo has no use for more


class _Keep:
    """aiosmtpd handler: each message accepted is written whole to a file of its own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Nanoseconds first, so names sort in the order messages came; the uuid keeps two
        # messages of the same instant apart. Written then renamed: a reader never sees half.
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex}"
        partial = self.folder / f".{name}.part"
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.folder / f"{name}{SUFFIX}")
        return "250 Message accepted for delivery"


def _free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_catcher(folder: Path) -> Controller:
    """Start the catcher on a free loopback port (controller.port); stop() ends it."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    controller = Controller(_Keep(folder), hostname="127.0.0.1", port=_free_loopback_port())
    controller.start()
    return controller


@dataclass(frozen=True)
class CaughtMail:
    name: str
    received_at: datetime
    sender: str
    to: str
    subject: str
    text: str


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        return str(body.get_content()).strip()
    except (LookupError, ValueError):  # an unknown charset or a broken encoding
        return ""


def _received_at(message: EmailMessage, path: Path) -> datetime:
    if date := message.get("Date"):
        try:
            return parsedate_to_datetime(str(date))
        except (TypeError, ValueError):
            pass
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def caught(folder: str | os.PathLike[str]) -> list[CaughtMail]:
    """The messages the catcher kept in `folder`, newest first."""
    root = Path(folder)
    if not root.is_dir():
        return []
    paths = sorted(root.glob(f"*{SUFFIX}"), reverse=True)[:SHOWN]
    mails = []
    parser = BytesParser(policy=policy.default)
    for path in paths:
        message = parser.parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)  # what policy.default makes
        mails.append(
            CaughtMail(
                name=path.stem,
                received_at=_received_at(message, path),
                sender=str(message.get("From", "")),
                to=str(message.get("To", "")),
                subject=str(message.get("Subject", "")),
                text=_text(message),
            )
        )
    return mails
