"""The worker's memory and time while it reads news: extraction in a short-lived child
process (the default) against extraction in the worker itself (the baseline).

    .venv/bin/python bench/worker_extraction.py [--articles 50]
    (or: aegis bench worker_extraction [--articles 50])

For each way, a throwaway SQLite instance (`aegis init`) and the real `aegis worker`; a feed
server on loopback in this process serves --articles dev articles of HRDsAttack (their title
and text as pages, linked from feeds of polling.MAX_NEW items each, so that each poll reads
one full batch). The sources are added once the worker is idle; the worker reads them. The
worker's resident memory is read from /proc/<pid>/status (VmRSS idle before, VmHWM, its
peak, and VmRSS after), of the worker process only: a child's memory is given back when it
ends. Time per article: from the sources' creation to the last of them read, over the
articles. Ratios are child / in the worker. DESIGN.md's target: worker resident memory <=
200 MB.

The data comes from AEGIS_HRDSATTACK_DIR or shared/data/hrdsattack beside the checkout; the
benchmark says so and stops when it is absent.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import platform
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MAX_NEW = 10  # monitoring/polling.py's: new entries read per poll (imported, it needs Django)


def dev_articles(count: int) -> list[tuple[str, str]]:
    from aegis.monitoring.extraction.data import dataset_dir
    from aegis.monitoring.extraction.schema import text_field
    from aegis.monitoring.extraction.text import html_to_text

    data = dataset_dir()
    if data is None:
        raise SystemExit("HRDsAttack data not found (set AEGIS_HRDSATTACK_DIR): nothing to read.")
    records = json.loads((data / "dev.json").read_text())
    found = []
    for record in records:
        sample = record["sample"]
        body = text_field(sample, "Input.article_interface")
        text = html_to_text(body) if "<" in body else body
        if text.strip():
            found.append((text_field(sample, "Input.title") or "News", text))
    return (found * (1 + count // max(len(found), 1)))[:count]


def serve(articles: list[tuple[str, str]], per_feed: int) -> tuple[ThreadingHTTPServer, int]:
    """Feeds /feed0.xml, /feed1.xml, ... of `per_feed` items, each linking to its page."""
    pages: dict[str, tuple[str, bytes]] = {}
    feeds = math.ceil(len(articles) / per_feed)
    for f in range(feeds):
        items = []
        for i in range(f * per_feed, min(len(articles), (f + 1) * per_feed)):
            title, text = articles[i]
            paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
            # The same dev article twice is told apart by a line of its own (not a duplicate).
            pages[f"/a{i}"] = (
                "text/html; charset=utf-8",
                (
                    f'<!doctype html><html lang="en"><head><title>{html.escape(title)}</title>'
                    f"</head><body><article><h1>{html.escape(title)}</h1>{paragraphs}"
                    f"<p>Report number {i} of the bench, {secrets.token_hex(8)}.</p>"
                    "</article></body></html>"
                ).encode(),
            )
            items.append(
                f"<item><title>{html.escape(title)}</title><link>{{base}}/a{i}</link>"
                "<description>Summary.</description>"
                "<pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item>"
            )
        pages[f"/feed{f}.xml"] = (
            "application/rss+xml",
            (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
                "<link>http://example.org/</link><language>en</language>"
                + "".join(items)
                + "</channel></rss>"
            ).encode(),
        )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            kind, body = pages.get(self.path, ("text/plain", b""))
            body = body.replace(b"{base}", f"http://127.0.0.1:{server.server_address[1]}".encode())
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, feeds


def status_kb(pid: int) -> dict[str, int]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def read_count(database: Path, feeds: int) -> tuple[int, int, int]:
    """(sources read, proposals, proposals with a confidence) in the instance's database."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
        read = db.execute(
            "SELECT count(*) FROM monitoring_source WHERE last_polled_at IS NOT NULL"
        ).fetchone()[0]
        proposals, scored = db.execute(
            "SELECT count(*), coalesce(sum(confidence > 0), 0) FROM monitoring_proposal"
        ).fetchone()
    return read, proposals, scored


@dataclass
class Result:
    way: str
    idle_kb: int
    peak_kb: int
    after_kb: int
    seconds: float
    proposals: int
    scored: int


def run_once(way: str, in_child: bool, port: int, feeds: int, articles: int) -> Result:
    home = Path(tempfile.mkdtemp(prefix="aegis-bench-worker-"))
    env = {k: v for k, v in os.environ.items() if k != "AEGIS_DATABASE_URL"}
    env.update(
        AEGIS_HOME=str(home),
        DJANGO_SETTINGS_MODULE="aegis.settings",
        AEGIS_ALERT_SERVICE_UNLOCK=secrets.token_urlsafe(32),
        AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES="1",
        AEGIS_MONITORING_HOST_INTERVAL="0",
        AEGIS_MONITORING_EXTRACT_IN_CHILD="1" if in_child else "0",
    )
    me = [sys.executable, __file__]
    worker = None
    try:
        subprocess.run([*me, "--setup"], env=env, check=True, stdout=subprocess.DEVNULL)
        worker = subprocess.Popen(
            [sys.executable, "-m", "aegis.cli", "worker", "--interval", "0.1"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Idle: its resident memory steady for a second (the imports done).
        last, steady, deadline = 0, 0, time.monotonic() + 60
        while steady < 10 and time.monotonic() < deadline:
            time.sleep(0.1)
            if worker.poll() is not None:
                raise SystemExit("The worker stopped before it was idle.")
            now = status_kb(worker.pid)["VmRSS"]
            steady = steady + 1 if abs(now - last) < 256 else 0
            last = now
        idle = status_kb(worker.pid)["VmRSS"]
        start = time.monotonic()
        subprocess.run([*me, "--add", str(port), str(feeds)], env=env, check=True)
        database = home / "aegis.sqlite3"
        deadline = time.monotonic() + 120 + 10 * articles
        while read_count(database, feeds)[0] < feeds:
            if worker.poll() is not None:
                raise SystemExit("The worker stopped while reading the sources.")
            if time.monotonic() > deadline:
                raise SystemExit("Gave up waiting for the worker to read the sources.")
            time.sleep(0.05)
        seconds = time.monotonic() - start
        memory = status_kb(worker.pid)
        _read, proposals, scored = read_count(database, feeds)
        return Result(way, idle, memory["VmHWM"], memory["VmRSS"], seconds, proposals, scored)
    finally:
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        shutil.rmtree(home, ignore_errors=True)


def setup() -> None:
    """`aegis init` on the instance of AEGIS_HOME."""
    import django

    django.setup()
    from aegis import bootstrap

    bootstrap.init_instance(
        admin_username="admin", admin_password=secrets.token_urlsafe(16), interactive=False
    )


def add_sources(port: int, feeds: int) -> None:
    import django

    django.setup()
    from aegis.monitoring import sources

    for f in range(feeds):
        sources.create_source(
            actor_id=None,
            name=f"Bench {f}",
            kind="feed",
            url=f"http://127.0.0.1:{port}/feed{f}.xml",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--add", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        return setup()
    if args.add:
        return add_sources(*args.add)
    articles = dev_articles(args.articles)
    server, feeds = serve(articles, MAX_NEW)
    port = server.server_address[1]
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
        f"{len(articles)} dev articles in {feeds} feeds of {MAX_NEW} (one batch a poll)"
    )
    results = [
        run_once("in the worker (baseline)", False, port, feeds, len(articles)),
        run_once("in a child process", True, port, feeds, len(articles)),
    ]
    server.shutdown()
    base = results[0]
    mb = 1024
    print(
        f"  {'extraction':26s} {'idle MB':>8s} {'peak MB':>8s} {'after MB':>9s} {'s/article':>10s}"
    )
    for r in results:
        print(
            f"  {r.way:26s} {r.idle_kb / mb:8.1f} {r.peak_kb / mb:8.1f} {r.after_kb / mb:9.1f} "
            f"{r.seconds / len(articles):10.3f}   ({r.proposals} proposals, {r.scored} with a "
            "confidence)"
        )
    child = results[1]
    print(
        f"  child / baseline: peak x{child.peak_kb / base.peak_kb:.2f}, "
        f"time per article x{child.seconds / base.seconds:.2f}"
    )
    verdict = "meets" if child.peak_kb / mb <= 200 else "misses"
    print(f"  worker peak {child.peak_kb / mb:.0f} MB: {verdict} DESIGN.md's 200 MB")


if __name__ == "__main__":
    main()
