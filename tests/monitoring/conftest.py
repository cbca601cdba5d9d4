"""A small web on loopback for the worker to read, and the people of monitoring: an analyst,
a caseworker and a coordinator of one compartment."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from aegis.monitoring import articles, fetching
from aegis.roles import Role
from tests.conftest import Person, api_client, sign_in  # noqa: F401  (used by this folder's tests)


@dataclass
class Reply:
    body: bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0


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
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def fake_extraction(title: str, text: str, published: Any) -> dict[str, Any]:
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
