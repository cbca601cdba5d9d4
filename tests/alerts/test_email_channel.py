"""Email over apprise's plugin with the process's shared TLS context (email_channel.py),
against aiosmtpd on loopback speaking STARTTLS, implicit TLS, with a login: the message
arrives over TLS, an untrusted certificate is refused, a refused recipient is a failure,
and every send of the process reuses one context."""

from __future__ import annotations

import email
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
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
