"""A real SMTP server (aiosmtpd) and a stand-in SMS gateway (http.server), both on
loopback, and a small team: a responder and a coordinator of one compartment, a caseworker,
a responder of another compartment (the outsider), and a defender with a safety plan whose
contacts are one email-and-phone contact and one phone-only contact."""

from __future__ import annotations

import email
import json
import re
import socket
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from aegis.accounts import channels
from aegis.roles import Role
from aegis.safety import services as safety
from aegis.safety.drafts import ContactDraft, PlanDraft
from aegis.vault.keychain import unlocked
from tests.conftest import Person

CONTACT_EMAIL = "achieng.contact@example.org"
CONTACT_PHONE = "+254722555031"
SECOND_PHONE = "+254700111222"
ACK_LINK = re.compile(r"https?://[^\s\"<]+/ack/([^/\s\"<]+)/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mail:
    to: list[str]
    message: Message

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        for part in self.message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode()
        raise AssertionError("no text part")


@dataclass
class MailBox:
    port: int
    received: list[Mail] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Mail(list(envelope.rcpt_tos), email.message_from_bytes(envelope.content))
        )
        return "250 OK"

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.received if address in m.to]


@pytest.fixture
def smtp(settings):
    port = free_port()
    box = MailBox(port)
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.AEGIS_SMTP_HOST = "127.0.0.1"
    settings.AEGIS_SMTP_PORT = port
    settings.AEGIS_SMTP_SECURITY = "insecure"
    settings.AEGIS_SMTP_FROM = "alerts@aegis.example.org"
    yield box
    controller.stop()


@dataclass
class Gateway:
    received: list[dict[str, Any]] = field(default_factory=list)

    def to(self, number: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m.get("to") == number]


@pytest.fixture
def sms(settings):
    gateway = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            gateway.received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.AEGIS_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_address[1]}/sms"
    yield gateway
    server.shutdown()
    server.server_close()


@dataclass
class Team:
    thandi: Person  # responder, member
    karim: Person  # coordinator, member
    lucia: Person  # caseworker, member
    ola: Person  # responder in another compartment
    rosa: Person  # defender, linked to `person`
    compartment: Any
    person: Any


def _with_email(person: Person, address: str) -> Person:
    """Give the staff member a sealed email channel, as they would on "My contact channels"."""
    channels.set_channels(person.user, {"email": address}, actor_id=person.user.pk)
    return person


@pytest.fixture
def team(make_person, make_compartment, make_case) -> Team:
    thandi = _with_email(make_person(Role.RESPONDER), "thandi@example.org")
    karim = _with_email(make_person(Role.COORDINATOR), "karim@example.org")
    lucia = _with_email(make_person(Role.CASEWORKER), "lucia@example.org")
    ola = _with_email(make_person(Role.RESPONDER), "ola@example.org")
    rosa = make_person(Role.DEFENDER)
    compartment = make_compartment(thandi, karim, lucia)
    make_compartment(ola)
    person = make_case(compartment, lucia).person
    person.account = rosa.user
    person.save(update_fields=["account"])
    draft = PlanDraft(
        language="en",
        contacts=[
            ContactDraft(name="Achieng Otieno", email=CONTACT_EMAIL, phone=CONTACT_PHONE),
            ContactDraft(name="Peter Mwangi", phone=SECOND_PHONE),
        ],
    )
    with unlocked(lucia.keychain()):
        safety.save_plan(person, draft, actor_id=lucia.user.pk)
    return Team(thandi, karim, lucia, ola, rosa, compartment, person)
