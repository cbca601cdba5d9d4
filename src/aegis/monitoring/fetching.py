"""Reading the open web for the worker: through the configured proxy, within robots.txt and a
per-host rate limit, with every failure turned into a coded status for the source.

Settings: AEGIS_MONITORING_PROXY (e.g. socks5h://127.0.0.1:9050 for Tor: socks5h lets the
proxy resolve names, so no DNS query leaves the machine; or http://proxy:3128; empty: direct;
SOCKS through PySocks, requests' socks extra), AEGIS_MONITORING_TIMEOUT (seconds, default 15),
AEGIS_MONITORING_HOST_INTERVAL (seconds between two requests to one host, default 5),
AEGIS_MONITORING_MAX_BYTES (default 5 MB). Nothing here runs on a page view."""

from __future__ import annotations

import socket
import threading
import time
import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings

from .vocabulary import SourceStatus

USER_AGENT = "AegisMonitor/1.0"
ROBOTS_TTL = 3600.0


class FetchFailed(Exception):
    """A fetch that gave no usable answer; `status` says why (vocabulary.SourceStatus)."""

    def __init__(self, status: str, detail: str = "") -> None:
        super().__init__(f"{status} {detail}".strip())
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    body: bytes
    content_type: str


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def proxy() -> str:
    return str(getattr(settings, "AEGIS_MONITORING_PROXY", "") or "")


_lock = threading.Lock()
_last_request: dict[str, float] = {}  # host → monotonic time of its last request
_robots: dict[str, tuple[float, urllib.robotparser.RobotFileParser | None]] = {}


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # only the proxy configured for monitoring, never the env's
    session.headers["User-Agent"] = USER_AGENT
    if address := proxy():
        session.proxies = {"http": address, "https": address}
    return session


def _wait_for_host(host: str) -> None:
    """At most one request per host every AEGIS_MONITORING_HOST_INTERVAL seconds."""
    interval = _setting("AEGIS_MONITORING_HOST_INTERVAL", 5.0)
    with _lock:
        now = time.monotonic()
        wait = _last_request.get(host, -1e9) + interval - now
        _last_request[host] = now + max(wait, 0.0)
    if wait > 0:
        time.sleep(wait)


def _get(session: requests.Session, url: str) -> requests.Response:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FetchFailed(SourceStatus.UNREACHABLE, "not an http(s) address")
    _wait_for_host(parts.netloc.lower())
    timeout = _setting("AEGIS_MONITORING_TIMEOUT", 15.0)
    try:
        response = session.get(url, timeout=timeout, stream=True)
    except requests.exceptions.InvalidSchema as error:  # a proxy scheme requests lacks
        raise FetchFailed(SourceStatus.PROXY, type(error).__name__) from error
    except requests.exceptions.ProxyError as error:
        raise FetchFailed(SourceStatus.PROXY, type(error).__name__) from error
    except requests.exceptions.Timeout as error:
        raise FetchFailed(SourceStatus.TIMEOUT) from error
    except requests.exceptions.RequestException as error:
        # A SOCKS proxy that does not answer looks like an unreachable site to requests.
        status = SourceStatus.PROXY if _proxy_down(timeout) else SourceStatus.UNREACHABLE
        raise FetchFailed(status, type(error).__name__) from error
    return response


def _proxy_down(timeout: float) -> bool:
    """Whether the configured proxy refuses a connection (probed after a failure only)."""
    parts = urlsplit(proxy())
    if not parts.hostname:
        return False
    port = parts.port or (1080 if parts.scheme.startswith("socks") else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=min(timeout, 5.0)):
            return False
    except OSError:
        return True


def _body(response: requests.Response) -> bytes:
    limit = int(_setting("AEGIS_MONITORING_MAX_BYTES", 5 * 1024 * 1024))
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(65536):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise FetchFailed(SourceStatus.HTTP_ERROR, "too large")
    except requests.exceptions.Timeout as error:
        raise FetchFailed(SourceStatus.TIMEOUT) from error
    except requests.exceptions.RequestException as error:
        raise FetchFailed(SourceStatus.UNREACHABLE, type(error).__name__) from error
    finally:
        response.close()
    return b"".join(chunks)


def _robots_for(session: requests.Session, url: str) -> urllib.robotparser.RobotFileParser | None:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    cached = _robots.get(origin)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    parser: urllib.robotparser.RobotFileParser | None = None
    try:
        response = _get(session, f"{origin}/robots.txt")
        if response.status_code < 400:
            parser = urllib.robotparser.RobotFileParser()
            parser.parse(_body(response).decode("utf-8", "replace").splitlines())
        elif response.status_code in {401, 403}:
            parser = urllib.robotparser.RobotFileParser()
            # As the standard says: an origin that refuses robots.txt disallows everything.
            parser.parse(["User-agent: *", "Disallow: /"])
        else:
            response.close()  # 404 and the like: nothing is disallowed
    except FetchFailed as failed:
        if failed.status == SourceStatus.PROXY:
            raise
        # No robots.txt reachable: the page itself will tell whether the host answers.
    _robots[origin] = (time.monotonic() + ROBOTS_TTL, parser)
    return parser


def fetch(url: str) -> Fetched:
    """The document at `url`, or FetchFailed with the status to show on its source."""
    session = _session()
    with session:
        robots = _robots_for(session, url)
        if robots is not None and not robots.can_fetch(USER_AGENT, url):
            raise FetchFailed(SourceStatus.ROBOTS)
        response = _get(session, url)
        if response.status_code == 404 or response.status_code == 410:
            response.close()
            raise FetchFailed(SourceStatus.NOT_FOUND, str(response.status_code))
        if response.status_code >= 400:
            response.close()
            raise FetchFailed(SourceStatus.HTTP_ERROR, str(response.status_code))
        body = _body(response)
        return Fetched(response.url, body, response.headers.get("Content-Type", ""))


def forget_hosts() -> None:
    """Drop the rate-limit clock and the robots.txt cache (tests; a changed proxy)."""
    with _lock:
        _last_request.clear()
        _robots.clear()
