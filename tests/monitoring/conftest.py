"""A small web on loopback for the worker to read, and the people of monitoring: an analyst,
a caseworker and a coordinator of one compartment."""

from __future__ import annotations

import json
import select
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from aegis.monitoring import articles, fetching, polling
from aegis.monitoring.extraction.data import dataset_dir
from aegis.roles import Role
from tests.conftest import Person, api_client, sign_in  # noqa: F401  (used by this folder's tests)


@dataclass
class Reply:
    body: bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Web:
    base: str
    pages: dict[str, Reply] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def add(self, path: str, body: str | bytes, **kw: Any) -> str:
        self.pages[path] = Reply(body.encode() if isinstance(body, str) else body, **kw)
        return self.base + path


def _handler(web: Web) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            web.requests.append(self.path)
            reply = web.pages.get(self.path)
            if reply is None:
                reply = Reply(b"not here", status=404, content_type="text/plain")
            if reply.delay:
                time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def fake_extraction(title: str, text: str, published: Any, language: str = "") -> dict[str, Any]:
    """A stand-in for the trained extractor, so that these tests are about the app: an
    arrest is an attack, anything else is not."""
    attack = "arrest" in f"{title} {text}".lower()
    return {
        "is_attack": attack,
        "confidence": 0.8 if attack else 0.1,
        "violation_types": [{"value": "arbitrary detention", "confidence": 0.8}] if attack else [],
        "victims": [],
    }


@pytest.fixture(autouse=True)
def stand_in_extractor(monkeypatch) -> None:
    monkeypatch.setattr(articles, "run_extractor", fake_extraction)


@pytest.fixture
def web(settings) -> Iterator[Web]:
    settings.AEGIS_MONITORING_HOST_INTERVAL = 0
    settings.AEGIS_MONITORING_TIMEOUT = 1
    settings.AEGIS_MONITORING_PROXY = ""
    fetching.forget_hosts()
    polling.forget_unreadable()
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    site = Web(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(site)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()
    fetching.forget_hosts()


@dataclass
class Socks:
    """A SOCKS5 proxy on loopback (no authentication, CONNECT only): `address` for the
    setting, `targets` the (host, port) it was asked for, `names` what it resolves itself."""

    address: str
    targets: list[tuple[str, int]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def _socks_handler(socks: Socks) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def read(self, n: int) -> bytes:
            data = b""
            while len(data) < n:
                chunk = self.request.recv(n - len(data))
                if not chunk:
                    raise ConnectionError
                data += chunk
            return data

        def handle(self) -> None:
            try:
                _version, methods = self.read(2)
                self.read(methods)
                self.request.sendall(b"\x05\x00")  # no authentication
                _version, _command, _reserved, kind = self.read(4)
                if kind == 1:
                    host = socket.inet_ntoa(self.read(4))
                elif kind == 3:
                    host = self.read(self.read(1)[0]).decode()
                else:
                    host = socket.inet_ntop(socket.AF_INET6, self.read(16))
                (port,) = struct.unpack("!H", self.read(2))
                socks.targets.append((host, port))
                upstream = socket.create_connection((socks.names.get(host, host), port), 2)
            except OSError:
                self.request.sendall(b"\x05\x05\x00\x01" + bytes(6))  # refused
                return
            self.request.sendall(b"\x05\x00\x00\x01" + bytes(6))
            with upstream:
                ends = [self.request, upstream]
                while True:
                    ready, _, _ = select.select(ends, [], [], 5)
                    if not ready:
                        return
                    for end in ready:
                        data = end.recv(65536)
                        if not data:
                            return
                        (upstream if end is self.request else self.request).sendall(data)

    return Handler


@pytest.fixture
def socks_proxy(settings) -> Iterator[Socks]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler)
    server.daemon_threads = True
    proxy = Socks(f"socks5h://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _socks_handler(proxy)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.AEGIS_MONITORING_PROXY = proxy.address
    yield proxy
    server.shutdown()
    server.server_close()


STORY = (
    "Police in Bogota arrested the human rights defender Maria Lopez on Monday after she led "
    "a protest against a mining project. Her lawyer said she was detained without a warrant "
    "and held for two days. The organisation she works with said it was the third time this "
    "year that the police had arrested one of its members. The mayor did not answer questions."
)


def article_page(title: str, text: str = STORY, lang: str = "en") -> str:
    lang_attr = f' lang="{lang}"' if lang else ""
    paragraphs = "".join(f"<p>{s.strip()}.</p>" for s in text.split(".") if s.strip())
    return (
        f"<!doctype html><html{lang_attr}><head><title>{title}</title>"
        '<meta name="date" content="2026-11-20"></head>'
        f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )


def rss(items: list[tuple[str, str, str]], language: str = "en") -> str:
    """items: (title, link, summary)."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>{s}</description>"
        "<pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item>"
        for t, link, s in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        f"<link>http://example.org/</link><language>{language}</language>{body}</channel></rss>"
    )


@dataclass
class Team:
    analyst: Person
    caseworker: Person
    coordinator: Person
    compartment: Any


@pytest.fixture
def team(make_person, make_compartment) -> Team:
    analyst = make_person(Role.ANALYST)
    caseworker = make_person(Role.CASEWORKER)
    coordinator = make_person(Role.COORDINATOR)
    compartment = make_compartment(caseworker, coordinator)
    return Team(analyst, caseworker, coordinator, compartment)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A small HRDsAttack folder (the first 24 train and 12 dev records) to train on."""
    data = dataset_dir()
    if data is None:
        pytest.skip("HRDsAttack data not found (set AEGIS_HRDSATTACK_DIR)")
    folder = tmp_path / "data"
    folder.mkdir()
    for split, n in (("train", 24), ("dev", 12)):
        records = json.loads((data / f"{split}.json").read_text())[:n]
        (folder / f"{split}.json").write_text(json.dumps(records))
    return folder
