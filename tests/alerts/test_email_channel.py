"""Email over apprise's plugin with the process's shared TLS context (email_channel.py),
against aiosmtpd on loopback speaking STARTTLS, implicit TLS, with a login: the message
arrives over TLS, an untrusted certificate is refused, a refused recipient is a failure,
and every send of the process reuses one context. Connections stay open between messages:
a burst goes over a few, a connection the relay dropped is replaced before a message is
sent on it (each message arrives once), and relays' limits are kept."""

from __future__ import annotations

import asyncio
import email
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import apprise
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from aegis.alerts import email_channel
from aegis.alerts.email_channel import SharedContextEmail

from .conftest import free_port

pytestmark = pytest.mark.engine_independent

USER, PASSWORD = "relay-user", "relay pass"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: trusted by nobody."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@dataclass
class Relay:
    port: int
    refuse: str = ""  # an address the relay refuses at RCPT
    received: list[tuple[list[str], Any, bool, str]] = field(default_factory=list)
    greetings: int = 0  # EHLOs: one per plain connection
    servers: list[Any] = field(default_factory=list)  # the connection of each message

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:
        self.greetings += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if address == self.refuse:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        login = session.auth_data.login.decode() if session.authenticated else ""
        message = email.message_from_bytes(envelope.content)
        over_tls = server.transport.get_extra_info("ssl_object") is not None
        self.received.append((list(envelope.rcpt_tos), message, over_tls, login))
        self.servers.append(server)
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def starttls_relay(certificate) -> Iterator[Relay]:
    relay = Relay(free_port())
    controller = Controller(
        relay,
        hostname="127.0.0.1",
        port=relay.port,
        tls_context=_server_context(certificate),
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
    )
    controller.start()
    yield relay
    controller.stop()


@pytest.fixture
def ssl_relay(certificate) -> Iterator[Relay]:
    relay = Relay(free_port())
    controller = Controller(
        relay, hostname="127.0.0.1", port=relay.port, ssl_context=_server_context(certificate)
    )
    controller.start()
    yield relay
    controller.stop()


def _send(url: str) -> bool:
    server = SharedContextEmail.from_url(url)
    assert server is not None
    notifier = apprise.Apprise()
    assert notifier.add(server)
    return bool(notifier.notify(body="Open: http://127.0.0.1/ack/x/", title="Aegis alert"))


def _url(relay: Relay, mode: str, *, to: str = "ana@example.org", verify: bool = False) -> str:
    login = f"{USER}:{PASSWORD.replace(' ', '%20')}@" if mode == "starttls" else ""
    query = f"smtp=127.0.0.1&from=alerts@example.org&to={to}&mode={mode}"
    return f"mailtos://{login}127.0.0.1:{relay.port}?{query}&verify={'yes' if verify else 'no'}"


def test_starttls_with_a_login_delivers_over_tls(starttls_relay):
    assert _send(_url(starttls_relay, "starttls"))
    [(to, message, over_tls, login)] = starttls_relay.received
    assert to == ["ana@example.org"]
    assert over_tls and login == USER
    assert message["Subject"] == "Aegis alert"
    texts = [p.get_payload(decode=True).decode() for p in message.walk() if not p.is_multipart()]
    assert any("http://127.0.0.1/ack/x/" in text for text in texts)


def test_implicit_tls_delivers(ssl_relay):
    assert _send(_url(ssl_relay, "ssl"))
    assert [(to, over_tls) for to, _m, over_tls, _l in ssl_relay.received] == [
        (["ana@example.org"], True)
    ]


def test_a_certificate_nobody_trusts_is_refused_when_verifying(starttls_relay, ssl_relay):
    assert not _send(_url(starttls_relay, "starttls", verify=True))
    assert not _send(_url(ssl_relay, "ssl", verify=True))
    assert starttls_relay.received == [] and ssl_relay.received == []


def test_a_refused_recipient_is_a_failed_send(ssl_relay):
    ssl_relay.refuse = "gone@example.org"
    assert not _send(_url(ssl_relay, "ssl", to="gone@example.org"))
    assert ssl_relay.received == []
    assert _send(_url(ssl_relay, "ssl")), "the next message goes on a new connection"
    assert len(ssl_relay.received) == 1


def _plain_relay() -> tuple[Relay, Controller]:
    relay = Relay(free_port())
    controller = Controller(relay, hostname="127.0.0.1", port=relay.port)
    controller.start()
    return relay, controller


def _plain_url(relay: Relay, to: str = "ana@example.org") -> str:
    return f"mailto://127.0.0.1:{relay.port}?smtp=127.0.0.1&from=alerts@example.org&to={to}"


def test_a_burst_goes_over_one_connection_until_the_relays_limit():
    relay, controller = _plain_relay()
    try:
        sent = email_channel.MESSAGES_PER_CONNECTION + 5
        for n in range(sent):
            assert _send(_plain_url(relay, f"contact{n}@example.org"))
        assert len(relay.received) == sent
        assert relay.greetings == 2, "a new connection only past the limit"
        assert [to for to, *_rest in relay.received] == [
            [f"contact{n}@example.org"] for n in range(sent)
        ]
    finally:
        email_channel.relays.close_all()
        controller.stop()


def test_a_connection_the_relay_dropped_is_replaced_and_each_message_arrives_once():
    relay, controller = _plain_relay()
    try:
        assert _send(_plain_url(relay))
        [server] = relay.servers
        controller.loop.call_soon_threadsafe(server.transport.close)  # the relay hangs up
        for _ in range(200):
            if server.transport is None:  # its connection_lost ran
                break
            time.sleep(0.05)
        assert server.transport is None
        assert _send(_plain_url(relay, "second@example.org"))
        assert [to for to, *_rest in relay.received] == [
            ["ana@example.org"],
            ["second@example.org"],
        ]
        assert relay.greetings == 2
    finally:
        email_channel.relays.close_all()
        controller.stop()


def test_a_connection_idle_too_long_is_not_used_again(monkeypatch):
    relay, controller = _plain_relay()
    monkeypatch.setattr(email_channel, "IDLE_SECONDS", 0.0)
    try:
        for _ in range(3):
            assert _send(_plain_url(relay))
        assert len(relay.received) == 3 and relay.greetings == 3
    finally:
        email_channel.relays.close_all()
        controller.stop()


class HeldRelay(Relay):
    """Answers no DATA until `waiting` messages are being sent at once (or 5 s pass)."""

    def __init__(self, port: int, waiting: int) -> None:
        super().__init__(port)
        self.waiting, self.at_once, self.most_at_once = waiting, 0, 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.at_once += 1
        self.most_at_once = max(self.most_at_once, self.at_once)
        for _ in range(100):
            if self.most_at_once >= self.waiting:
                break
            await asyncio.sleep(0.05)
        self.at_once -= 1
        return await super().handle_DATA(server, session, envelope)


def test_the_email_channel_sends_as_many_at_once_as_the_worker_asks(settings):
    """Through apprise.Apprise each send waited for a thread of apprise's own pool, cores + 4
    of them: 6 on 2 cores, below the worker's 16 send threads."""
    from aegis.alerts.channels import email as email_channel_module

    at_once = 12
    relay = HeldRelay(free_port(), at_once)
    controller = Controller(relay, hostname="127.0.0.1", port=relay.port)
    controller.start()
    settings.AEGIS_SMTP_HOST, settings.AEGIS_SMTP_PORT = "127.0.0.1", relay.port
    settings.AEGIS_SMTP_SECURITY = "insecure"
    channel = email_channel_module.Email()
    answers: list[Any] = []
    try:
        threads = [
            threading.Thread(
                target=lambda n=n: answers.append(
                    channel.send(SimpleNamespace(address=f"c{n}@example.org"), "Alert", f"text {n}")  # type: ignore[arg-type]
                )
            )
            for n in range(at_once)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        email_channel.relays.close_all()
        controller.stop()
    assert answers == [None] * at_once
    assert relay.most_at_once == at_once


def test_a_relay_that_is_not_there_is_a_failed_send():
    url = f"mailto://127.0.0.1:{free_port()}?smtp=127.0.0.1&from=a@example.org&to=b@example.org"
    assert not _send(url)


def test_a_sender_that_is_no_address_is_no_channel():
    assert SharedContextEmail.from_url("mailto://127.0.0.1:25?from=nobody&to=b@example.org") is None


def test_every_send_of_the_process_shares_one_context(ssl_relay, monkeypatch):
    made: list[ssl.SSLContext] = []
    create = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(create(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(email_channel, "_contexts", {})
    monkeypatch.setattr(email_channel.ssl, "create_default_context", counted)
    for _ in range(3):
        assert _send(_url(ssl_relay, "ssl"))
    assert len(ssl_relay.received) == 3
    assert len(made) == 1
