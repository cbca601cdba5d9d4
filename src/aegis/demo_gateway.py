"""The demo's stand-in for the text-message services: one HTTP server on loopback that takes
what the SMS channel posts to an SMS gateway (apprise's JSON: "to", "title", "message") and
what the Signal channel posts to a signal-cli REST server (/v2/send: "number",
"recipients", "message"), and keeps each message as a file, read for the "Demo mail" page.

`aegis demo` starts it beside the mail catcher (demo_mail.py) and points AEGIS_SMS_GATEWAY_URL,
AEGIS_SIGNAL_REST_URL and AEGIS_SIGNAL_FROM at it, so an alert reaches its contacts' phones
here, acknowledgement link included, and nothing leaves the machine. Only the demo sets
AEGIS_DEMO_TEXT_DIR."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SUFFIX = ".json"
SHOWN = 100  # the newest; a demo has no use for more
BODY_MAX = 1_000_000  # far above any alert; a bigger body is refused, not read
SMS, SIGNAL = "sms", "signal"
# The demo's own Signal number, as registered on a signal-cli REST server (fictional).
SIGNAL_FROM = "+15555550100"


def _message(body: dict[str, Any]) -> dict[str, str] | None:
    """What one request asks to send, by the service it speaks to; None if neither."""
    if isinstance(body.get("recipients"), list):  # signal-cli REST /v2/send
        return {
            "channel": SIGNAL,
            "to": ", ".join(str(r) for r in body["recipients"]),
            "sender": str(body.get("number", "")),
            "subject": "",
            "text": str(body.get("message", "")),
        }
    if "to" in body:  # the SMS gateway: apprise's JSON notification with a "to" field
        return {
            "channel": SMS,
            "to": str(body["to"]),
            "sender": "",
            "subject": str(body.get("title", "")),
            "text": str(body.get("message", "")),
        }
    return None


class _Handler(BaseHTTPRequestHandler):
    server: _Gateway

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 < length <= BODY_MAX:
            self._answer(400)
            return
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            self._answer(400)
            return
        message = _message(body) if isinstance(body, dict) else None
        if message is None:
            self._answer(400)
            return
        self.server.keep(message)
        self._answer(201 if message["channel"] == SIGNAL else 200)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass  # the numbers are fictional, but a log of them is still a log of numbers


class _Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.folder = folder

    def keep(self, message: dict[str, str]) -> None:
        # Named and written as the mail catcher does: in order, never half-read.
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex}"
        partial = self.folder / f".{name}.part"
        record = {**message, "received_at": datetime.now(tz=UTC).isoformat()}
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(record, file, ensure_ascii=False)
        partial.rename(self.folder / f"{name}{SUFFIX}")


class StandIn:
    """The running stand-in: `port` to point the channels at, `stop()` to end it."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._server = _Gateway(folder)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="demo-gateway", daemon=True
        )
        self._thread.start()

    @property
    def sms_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    @property
    def signal_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_gateway(folder: Path) -> StandIn:
    """Start the stand-in on a free loopback port."""
    return StandIn(folder)


@dataclass(frozen=True)
class CaughtText:
    name: str
    channel: str
    received_at: datetime
    sender: str
    to: str
    subject: str
    text: str


def caught_texts(folder: str | os.PathLike[str]) -> list[CaughtText]:
    """The messages the stand-in kept in `folder`, newest first."""
    root = Path(folder)
    if not root.is_dir():
        return []
    texts = []
    for path in sorted(root.glob(f"*{SUFFIX}"), reverse=True)[:SHOWN]:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            received_at = datetime.fromisoformat(record["received_at"])
        except (ValueError, KeyError, TypeError):
            continue
        texts.append(
            CaughtText(
                name=path.stem,
                channel=str(record.get("channel", "")),
                received_at=received_at,
                sender=str(record.get("sender", "")),
                to=str(record.get("to", "")),
                subject=str(record.get("subject", "")),
                text=str(record.get("text", "")),
            )
        )
    return texts
