"""Reading the open web for the worker: through the configured proxy, within robots.txt and a
per-host rate limit, with every failure turned into a coded status for the source.

Settings: AEGIS_MONITORING_PROXY (e.g. socks5h://127.0.0.1:9050 for Tor: socks5h lets the
proxy resolve names, so no DNS query leaves the machine; or http://proxy:3128; empty: direct;
SOCKS through PySocks, requests' socks extra), AEGIS_MONITORING_TIMEOUT (seconds, default 15),
AEGIS_MONITORING_HOST_INTERVAL (seconds between two requests to one host, default 5),
AEGIS_MONITORING_MAX_BYTES (default 5 MB), AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES (default
off: loopback, private and link-local addresses are refused; on only for tests on loopback).
Nothing here runs on a page view."""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from .vocabulary import SourceStatus

USER_AGENT = "AegisMonitor/1.0"
ROBOTS_TTL = 3600.0  # seconds a robots.txt answer is kept
ROBOTS_RETRY_TTL = 300.0  # and a robots.txt that did not answer (5xx, no connection)
MAX_CRAWL_DELAY = 60.0  # the most a robots.txt's Crawl-delay spaces requests: one site
# must not hold the worker, which reads one source at a time
MAX_REDIRECTS = 5
# The whole of one fetch (its robots.txt reads, every redirect, headers and bodies), in
# multiples of AEGIS_MONITORING_TIMEOUT (which bounds each read only: a server sending a byte
# every few seconds never trips it). The waits for a host's turn are not counted.
REQUEST_BUDGET = 8
KNOWN_HOSTS = 1000  # hosts whose robots.txt and last request are remembered before pruning


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


def timeout() -> float:
    """Seconds any one read of an answer may wait (AEGIS_MONITORING_TIMEOUT)."""
    return _setting("AEGIS_MONITORING_TIMEOUT", 15.0)


def proxy() -> str:
    return str(getattr(settings, "AEGIS_MONITORING_PROXY", "") or "")


_lock = threading.Lock()
_last_request: dict[str, float] = {}  # host → monotonic time of its last request
_robots: dict[str, _Rules] = {}  # origin → its robots.txt, as last read


class _Deadline:
    """One fetch's whole time, `budget` seconds spent across its requests (`arm` starts or
    resumes the clock, `pause` stops it while the fetch waits for a host's turn): when it
    is spent, the connections the fetch opened are shut, so that a server trickling its
    headers or body, or a chain of slow redirects, cannot hold the worker; `passed` then
    says the answer is not to be used."""

    def __init__(self, budget: float) -> None:
        self.connections: list[object] = []
        self.passed = False
        self.left = budget
        self._timer: threading.Timer | None = None
        self._since = 0.0

    def arm(self) -> None:
        self.pause()
        if self.left <= 0:
            self._expire()
            raise FetchFailed(SourceStatus.TIMEOUT, "too slow")
        self._since = time.monotonic()
        self._timer = threading.Timer(self.left, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def pause(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
            self.left -= time.monotonic() - self._since

    disarm = pause

    def _expire(self) -> None:
        self.passed = True
        for opened in list(self.connections):  # connections, and the sockets they opened
            sock = opened if isinstance(opened, socket.socket) else getattr(opened, "sock", None)
            with contextlib.suppress(OSError):
                if sock is not None:
                    sock.shutdown(socket.SHUT_RDWR)


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter, its connection pools (direct, HTTP proxy or SOCKS) recording each
    connection they open for the deadline to shut."""

    def __init__(self, deadline: _Deadline) -> None:
        self._deadline = deadline
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self._watch(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        self._watch(manager)
        return manager

    def _watch(self, manager: Any) -> None:
        if getattr(manager, "_aegis_watched", False):
            return
        manager._aegis_watched = True
        opened = self._deadline.connections

        def recording(pool: type) -> type:
            class Recording(pool):
                def _new_conn(self) -> Any:
                    connection = super()._new_conn()
                    opened.append(connection)
                    connect = connection.connect

                    def connecting() -> None:
                        # The socket itself, as opened: an answer that closes its connection
                        # (Connection: close, HTTP/1.0) takes the socket from `connection`.
                        connect()
                        opened.append(connection.sock)

                    connection.connect = connecting
                    return connection

            return Recording

        manager.pool_classes_by_scheme = {
            scheme: recording(pool) for scheme, pool in manager.pool_classes_by_scheme.items()
        }


def _deadline_of(session: requests.Session, url: str) -> _Deadline | None:
    """The deadline of the fetch `session` serves (none for a session not made by _session)."""
    adapter = session.get_adapter(url)
    return adapter._deadline if isinstance(adapter, _WatchedAdapter) else None


def _session(deadline: _Deadline) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # only the proxy configured for monitoring, never the env's
    session.headers["User-Agent"] = USER_AGENT
    if address := proxy():
        session.proxies = {"http": address, "https": address}
    adapter = _WatchedAdapter(deadline)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _prune(known: dict[str, Any], lapsed: Callable[[Any], bool]) -> None:
    """Past KNOWN_HOSTS entries, drop the lapsed ones: a long-running worker reads many
    sites."""
    if len(known) >= KNOWN_HOSTS:
        for stale in [key for key, value in known.items() if lapsed(value)]:
            del known[stale]


def _wait_for_host(host: str, minimum: float = 0.0) -> None:
    """At most one request per host every AEGIS_MONITORING_HOST_INTERVAL seconds, or every
    `minimum` seconds (the host's Crawl-delay) when that is longer."""
    interval = max(_setting("AEGIS_MONITORING_HOST_INTERVAL", 5.0), minimum)
    with _lock:
        now = time.monotonic()
        _prune(_last_request, lambda at: at < now - 3600)  # hosts not asked within the hour
        wait = _last_request.get(host, -1e9) + interval - now
        _last_request[host] = now + max(wait, 0.0)
    if wait > 0:
        time.sleep(wait)


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


# Names that can only be of a local network: one label ("intranet"), localhost (RFC 6761),
# mDNS's .local, and the suffixes home and company networks use.
_LOCAL_NAME = re.compile(
    r"^[^.]+$|(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|corp|home)$", re.IGNORECASE
)


def _refuse_private(host: str, port: int) -> None:
    """FetchFailed when `host` is or resolves to a loopback, private, link-local or reserved
    address: a source must not make the worker read its own machine or network (the cloud
    metadata address 169.254.169.254, an admin page on 127.0.0.1).
    AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES (default off) lifts this, for tests on loopback."""
    if getattr(settings, "AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES", False):
        return
    try:
        addresses = [_written_address(host)]
    except ValueError:
        if proxy():
            # The proxy resolves the name (socks5h): a look-up here would leak it. A name
            # that is local by its form is refused all the same: an HTTP proxy (not Tor)
            # would reach its own network with it.
            if _LOCAL_NAME.search(host.rstrip(".")):
                raise FetchFailed(SourceStatus.UNREACHABLE, "not a public address") from None
            return
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            return  # no such name: requests reports the site as unreachable
        # requests looks the name up again: a name whose answer changes in between (DNS
        # rebinding) gets through; a proxy that refuses private addresses (Tor) closes that.
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    if not all(_public(address) for address in addresses):
        raise FetchFailed(SourceStatus.UNREACHABLE, "not a public address")


def written_as_local(url: str) -> bool:
    """Whether the address writes out, with no look-up, a host the worker never reads: a
    loopback, private or reserved address in any form, or a name local by its form. Said
    when the source is added or changed, rather than found "unreachable" at its poll."""
    if getattr(settings, "AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES", False):
        return False
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return False
    try:
        return not _public(_written_address(host))
    except ValueError:
        return bool(_LOCAL_NAME.search(host))


def _written_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address `host` writes out, in any form a resolver takes ("127.1", "2130706433",
    "0x7f000001" are 127.0.0.1 to an HTTP proxy); ValueError when it is a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        if not host or not host[0].isdigit():
            raise
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError as error:
            raise ValueError(host) from error


def _get(session: requests.Session, url: str, crawl_delay: float = 0.0) -> requests.Response:
    """One request, redirects not followed (each hop is checked by the caller)."""
    try:
        parts = urlsplit(url)
    except ValueError as error:  # an unclosed "[" of an IPv6 address, say
        raise FetchFailed(SourceStatus.UNREACHABLE, "not an http(s) address") from error
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FetchFailed(SourceStatus.UNREACHABLE, "not an http(s) address")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise FetchFailed(SourceStatus.UNREACHABLE, "not an http(s) address") from error
    _refuse_private(parts.hostname, port)
    seconds = timeout()
    deadline = _deadline_of(session, url)
    if deadline is not None:  # the wait for the host's turn is not the fetch's time
        deadline.pause()
    _wait_for_host(parts.netloc.lower(), crawl_delay)
    if deadline is not None:
        deadline.arm()
    try:
        response = session.get(url, timeout=seconds, stream=True, allow_redirects=False)
    except requests.exceptions.InvalidSchema as error:  # a proxy scheme requests lacks
        raise FetchFailed(SourceStatus.PROXY, type(error).__name__) from error
    except requests.exceptions.ProxyError as error:
        raise FetchFailed(SourceStatus.PROXY, type(error).__name__) from error
    except requests.exceptions.Timeout as error:
        raise FetchFailed(SourceStatus.TIMEOUT) from error
    except requests.exceptions.RequestException as error:
        # A SOCKS proxy that does not answer looks like an unreachable site to requests.
        status = SourceStatus.PROXY if _proxy_down(seconds) else SourceStatus.UNREACHABLE
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


@dataclass(frozen=True)
class _Rules:
    """What one origin's robots.txt allows, until `expires` (time.monotonic)."""

    expires: float
    parser: urllib.robotparser.RobotFileParser | None = None  # None: everything allowed
    refusal: FetchFailed | None = None  # everything refused, and why

    def check(self, url: str) -> float:
        """The host's Crawl-delay in seconds (capped), or FetchFailed when `url` is refused."""
        if self.refusal is not None:
            raise FetchFailed(self.refusal.status, self.refusal.detail)
        if self.parser is None:
            return 0.0
        if not self.parser.can_fetch(USER_AGENT, url):
            raise FetchFailed(SourceStatus.ROBOTS)
        delay = self.parser.crawl_delay(USER_AGENT)
        return min(float(delay or 0), MAX_CRAWL_DELAY)


def _redirect(response: requests.Response) -> str:
    """The Location a redirect points to, "" when `response` is not a redirect."""
    if response.status_code in {301, 302, 303, 307, 308}:
        return str(response.headers.get("Location", "")).strip()
    return ""


def _robots_for(session: requests.Session, url: str) -> _Rules:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    cached = _robots.get(origin)
    if cached is not None and cached.expires > time.monotonic():
        return cached
    rules = _read_robots(session, f"{origin}/robots.txt")
    if (deadline := _deadline_of(session, url)) is not None and deadline.passed:
        # The fetch ran out of time (slow hops before), not the site: nothing to remember.
        raise FetchFailed(SourceStatus.TIMEOUT, "too slow")
    _prune(_robots, lambda kept: kept.expires <= time.monotonic())
    _robots[origin] = rules
    return rules


def _follow(
    session: requests.Session, url: str, obey_robots: bool = True
) -> tuple[requests.Response, str] | None:
    """The answer at the end of `url`'s redirects, and its address; None when they go on past
    MAX_REDIRECTS. Each hop is a request of its own (_get's checks), and with `obey_robots`
    its origin's robots.txt decides first."""
    for _hop in range(MAX_REDIRECTS + 1):
        crawl_delay = _robots_for(session, url).check(url) if obey_robots else 0.0
        response = _get(session, url, crawl_delay)
        location = _redirect(response)
        if not location:
            return response, url
        response.close()
        try:
            url = urljoin(url, location)
        except ValueError as error:  # "http://[::1/x": no address at all
            raise FetchFailed(SourceStatus.UNREACHABLE, "not an http(s) address") from error
    return None


def _read_robots(session: requests.Session, url: str) -> _Rules:
    """robots.txt as RFC 9309 reads it: an answer is parsed; 4xx (none there) allows
    everything; 5xx or no answer refuses everything, for a shorter while than an answer is
    kept, so that the source recovers soon after its site does."""
    good, retry = time.monotonic() + ROBOTS_TTL, time.monotonic() + ROBOTS_RETRY_TTL
    try:
        followed = _follow(session, url, obey_robots=False)
        if followed is None:
            return _Rules(good)  # redirected without end: as if there were none (RFC 9309)
        response, url = followed
        status = response.status_code
        if status < 300:
            parser = urllib.robotparser.RobotFileParser()
            parser.parse(_body(response).decode("utf-8", "replace").splitlines())
            return _Rules(good, parser)
        response.close()
        if status in {401, 403}:
            # Stricter than RFC 9309 (which allows all on any 4xx): a site that locks its
            # robots.txt away is not read.
            return _Rules(good, refusal=FetchFailed(SourceStatus.ROBOTS, f"robots.txt {status}"))
        if status >= 500 or status == 429:
            return _Rules(retry, refusal=FetchFailed(SourceStatus.ROBOTS, f"robots.txt {status}"))
        return _Rules(good)  # 404 and the like (and an odd 3xx): nothing is disallowed
    except FetchFailed as failed:
        if failed.status == SourceStatus.PROXY:
            raise  # the proxy's fault, not the site's: nothing to remember about the site
        # No answer: refuse everything for now, with the reason the site gave (timeout…);
        # an answer too large to read is said of robots.txt, not of the page.
        if failed.status == SourceStatus.HTTP_ERROR:
            failed = FetchFailed(failed.status, f"robots.txt {failed.detail}")
        return _Rules(retry, refusal=failed)


def fetch(url: str) -> Fetched:
    """The document at `url`, or FetchFailed with the status to show on its source.
    Redirects are followed by hand so that each hop meets its own host's robots.txt, rate
    limit and address check."""
    deadline = _Deadline(REQUEST_BUDGET * timeout())
    try:
        with _session(deadline) as session:
            fetched = _fetch(session, url)
    except FetchFailed as failed:
        if deadline.passed:  # what failed is the connection the deadline shut
            raise FetchFailed(SourceStatus.TIMEOUT, "too slow") from failed
        raise
    except ValueError as error:  # an address no URL parser reads
        raise FetchFailed(SourceStatus.UNREACHABLE, "not an http(s) address") from error
    finally:
        deadline.disarm()
    if deadline.passed:  # a body cut short when the deadline shut its connection
        raise FetchFailed(SourceStatus.TIMEOUT, "too slow")
    return fetched


def _fetch(session: requests.Session, url: str) -> Fetched:
    followed = _follow(session, url)
    if followed is None:
        raise FetchFailed(SourceStatus.HTTP_ERROR, "too many redirects")
    response, url = followed
    if response.status_code == 404 or response.status_code == 410:
        response.close()
        raise FetchFailed(SourceStatus.NOT_FOUND, str(response.status_code))
    if response.status_code >= 400:
        response.close()
        raise FetchFailed(SourceStatus.HTTP_ERROR, str(response.status_code))
    body = _body(response)
    return Fetched(url, body, response.headers.get("Content-Type", ""))


def forget_hosts() -> None:
    """Drop the rate-limit clock and the robots.txt cache (tests; a changed proxy)."""
    with _lock:
        _last_request.clear()
        _robots.clear()
