"""Loopback HTTP servers standing in for a channel's service (signal-cli REST, a Matrix
homeserver, ntfy, a partner's webhook), and partner organisations reached through a case's
own escalation policy."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aegis import clock
from aegis.alerts.models import EscalationPolicy, PartnerOrganisation, PolicyStep
from aegis.cases.models import Case
from aegis.vault import service_keys
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


Answer = Callable[[Request], tuple[int, Any]]


@dataclass
class StandIn:
    """Records every request and answers it with `answer` (status, JSON body)."""

    answer: Answer
    received: list[Request] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def posted(self, path: str) -> list[Any]:
        return [r.json() for r in self.received if r.method in ("POST", "PUT") and r.path == path]


def _serve(stand_in: StandIn) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            request = Request(
                self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
            )
            stand_in.received.append(request)
            status, body = stand_in.answer(request)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.port = int(server.server_address[1])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class StandIns:
    """Starts stand-ins on demand (`start(answer)`) and stops them all on leaving."""

    def __init__(self) -> None:
        self.servers: list[ThreadingHTTPServer] = []

    def start(self, answer: Answer) -> StandIn:
        found = StandIn(answer)
        self.servers.append(_serve(found))
        return found

    def __enter__(self) -> Callable[[Answer], StandIn]:
        return self.start

    def __exit__(self, *exc: object) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def partner(name: str, channel: str, address: str) -> PartnerOrganisation:
    """A partner organisation whose address is sealed to the alert service, as in use."""
    keypair = service_keys.service_keypair()
    assert keypair is not None
    with unlocked(service_keys.service_keychain()):
        data_key = vault.create_data_key("alert-partner", [keypair])
        return PartnerOrganisation.objects.create(
            name=name, data_key=data_key, channel=channel, address=address, created_at=clock.now()
        )


@dataclass(frozen=True)
class Step:
    minutes: int
    audiences: str
    channels: str = "email,sms"
    partners: tuple[PartnerOrganisation, ...] = ()


def case_policy(person: Any, *steps: Step) -> EscalationPolicy:
    """The person's case's own ladder, which overrides the ladder of their risk level."""
    case = Case.objects.get(person=person)
    policy = EscalationPolicy.objects.create(name="case ladder", case=case, updated_at=clock.now())
    for number, step in enumerate(steps, start=1):
        row = PolicyStep.objects.create(
            policy=policy,
            number=number,
            deadline_minutes=step.minutes,
            audiences=step.audiences,
            channels=step.channels,
        )
        row.partners.set(step.partners)
    return policy
