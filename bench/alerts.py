"""Panic burst: latency from an alert's trigger to each message accepted by a real SMTP server.

    .venv/bin/python bench/alerts.py [--alerts 1000] [--people 100] [--db sqlite|postgres|both]
    (or: aegis bench alerts [--alerts 100])

For each database, a throwaway instance (migrated, organisation keys, one caseworker,
`--people` defenders whose safety plans each name 5 emergency contacts with an email address
only) and three
processes on loopback: an aiosmtpd server that notes when it accepts each message, the real
`aegis worker`, and a raiser that raises `--alerts` panic alerts one after another through
alerts.services.raise_alert, as fast as it can (the burst). The default ladder's first level
reaches the contacts (the compartment has no responder), so each alert is 5 emails.

Latency of a message = the SMTP server accepting it (wall clock) - its alert's triggered_at.
The baseline is a bare smtplib loop in this process against the same server, replaying the
same trigger times (one connection per message; the worker keeps its connections open): a
floor a sender could reach here. Ratios are Aegis / bare. The worker's peak resident memory
is VmHWM from /proc/<pid>/status, read before it is stopped. PostgreSQL runs in a database of
its own (aegis_bench_alerts, created and dropped) on the server of AEGIS_BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/test); it is skipped, with a message, when unreachable.
After the burst, with every alert still open and the worker stopped, what each refresh of a
responder reads is timed (--console): the dashboard's alert counts, the console's rows and
its first page rendered, beside a bare read of the same rows as tuples.
DESIGN.md's targets, 1,000 alerts x 5 contacts on 2 cores: p50 <= 250 ms, p99 <= 2 s,
worker resident memory <= 200 MB.
"""

from __future__ import annotations

import argparse
import email
import json
import os
import platform
import re
import secrets
import shutil
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import drop_pg_database, fresh_pg_database

SETTINGS_MODULE = "aegis_bench_alerts_settings"
SETTINGS = """from aegis.settings import *  # noqa: F403

AEGIS_SMTP_HOST = "127.0.0.1"
AEGIS_SMTP_PORT = {port}
AEGIS_SMTP_SECURITY = "insecure"
AEGIS_SMTP_FROM = "alerts@bench.example.org"
"""
PG_DATABASE = "aegis_bench_alerts"
CONTACTS = 5
TOKEN = re.compile(r"/ack/([^/\s\"<]+)/")
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


# --- Child roles (each runs in a process of its own) -------------------------------------


def smtp_server(port: int, log: Path) -> None:
    """Accept everything; note (wall clock, acknowledgement token) per message."""
    from aiosmtpd.controller import Controller

    out = open(log, "a", buffering=1)  # noqa: SIM115  (open until the process is stopped)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            accepted = time.time()
            message = email.message_from_bytes(envelope.content)
            text = ""
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    payload = part.get_payload(decode=True)
                    text = payload.decode() if isinstance(payload, bytes) else ""
            match = TOKEN.search(text)
            out.write(f"{accepted} {match.group(1) if match else '-'}\n")
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def setup_instance(people: int) -> None:
    import django

    django.setup()
    from aegis import bootstrap
    from aegis.accounts import services as accounts
    from aegis.cases import services as cases
    from aegis.roles import Role
    from aegis.safety import services as safety
    from aegis.safety.drafts import ContactDraft, PlanDraft
    from aegis.vault import services as vault
    from aegis.vault.keychain import Keychain, unlocked
    from aegis.vault.selectors import keypair_for_user

    password = "bench passphrase " + secrets.token_hex(8)
    bootstrap.migrate()
    recovery = bootstrap.create_organisation_keys()  # and the alert service key
    user = accounts.create_user("caseworker", password, Role.CASEWORKER).user
    keypair = keypair_for_user(user.pk)
    assert keypair is not None
    with unlocked(vault.recovery_keychain(recovery)):  # key ceremony: the search key
        vault.grant(vault.index_key_id(), keypair)  # type: ignore[arg-type]
    chain = Keychain({keypair.pk: vault.unlock_user_keypair(keypair, password)}, user.pk)
    compartment = cases.create_compartment("Protection desk", members=[user])
    with unlocked(chain):
        for n in range(people):
            person = cases.create_person(
                compartment,
                actor_id=user.pk,
                pseudonym=f"Defender {n}",
                legal_name=f"Legal Name {n}",
                country="CO",
                region="CO-ANT",
                sector="land_environment",
            )
            cases.open_case(
                compartment,
                subject_kind="person",
                person=person,
                actor_id=user.pk,
                summary="Bench",
            )
            contacts = [
                ContactDraft(name=f"Contact {i}", email=f"d{n}.c{i}@bench.example.org")
                for i in range(CONTACTS)
            ]
            safety.save_plan(person, PlanDraft(language="en", contacts=contacts), actor_id=user.pk)


def raise_alerts(count: int) -> None:
    """Raise `count` panics, one after another, round the defenders; print the seconds."""
    import django

    django.setup()
    from aegis.alerts import services
    from aegis.alerts.vocabulary import AlertKind
    from aegis.cases.models import Person

    people = list(Person.objects.order_by("pk"))
    start = time.perf_counter()
    for n in range(count):
        services.raise_alert(people[n % len(people)], AlertKind.PANIC)
    print(json.dumps({"seconds": time.perf_counter() - start}))


def analyse(log: Path) -> None:
    """Print [(triggered_at, accepted), ...] per message, oldest alert first (as epochs)."""
    import django

    django.setup()
    from aegis.alerts.delivery import delivery_id_of
    from aegis.alerts.models import Delivery

    arrivals = []
    for line in log.read_text().splitlines():
        accepted, token = line.split()
        arrivals.append((float(accepted), delivery_id_of(token)))
    ids = {d for _, d in arrivals if d is not None}
    triggered = dict(Delivery.objects.filter(pk__in=ids).values_list("pk", "alert__triggered_at"))
    alert_of = dict(Delivery.objects.filter(pk__in=ids).values_list("pk", "alert_id"))
    rows = [
        (alert_of[d], triggered[d].timestamp(), accepted)
        for accepted, d in arrivals
        if d in triggered
    ]
    print(json.dumps({"rows": sorted(rows), "unknown": len(arrivals) - len(rows)}))


def time_console() -> None:
    """Print the milliseconds (median of 5, after one untimed) of what each refresh reads
    while the burst's alerts are open: the dashboard's alert counts (selectors.attention),
    the console's rows (selectors.console), the console's first page rendered, and, as the
    baseline, a bare read of the same alerts, deliveries and steps as tuples."""
    import django

    django.setup()
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from aegis.accounts.models import User
    from aegis.alerts import selectors
    from aegis.alerts.models import Alert, Delivery, EscalationLevel
    from aegis.alerts.views import CONSOLE_PAGE

    user = User.objects.get(username="caseworker")  # sees every alert of the compartment
    request = RequestFactory().get("/alerts/")
    request.user = user

    def bare() -> None:
        alerts = Alert.objects.exclude(status="resolved")
        list(alerts.values_list("pk", "status", "level", "kind", "triggered_at"))
        list(Delivery.objects.filter(alert__in=alerts).values_list("alert_id", "state", "level"))
        list(EscalationLevel.objects.filter(alert__in=alerts).values_list("alert_id", "number"))

    def page() -> None:
        rows = selectors.console(user)
        shown = Paginator(rows, CONSOLE_PAGE).get_page(1)
        context = {"rows": shown, "page": shown, "attention": [r for r in rows if r.needs_human]}
        render_to_string("alerts/console.html", context, request=request)

    def median_ms(work: Any) -> float:
        work()
        times = []
        for _ in range(5):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    print(
        json.dumps(
            {
                "open": Alert.objects.exclude(status="resolved").count(),
                "bare": median_ms(bare),
                "attention": median_ms(lambda: selectors.attention(user)),
                "console": median_ms(lambda: selectors.console(user)),
                "page": median_ms(page),
            }
        )
    )


# --- One run against one database ---------------------------------------------------------


@dataclass
class Result:
    database: str
    latencies: list[float]  # seconds, per message of the burst
    bare: list[float]
    raise_seconds: float
    drain_seconds: float  # first trigger -> last message accepted
    bare_seconds: float
    worker_hwm_kb: int
    messages: int
    expected: int
    console: dict[str, float]  # time_console's figures, read after the burst


def _peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _lines(path: Path) -> int:
    return path.read_text().count("\n") if path.exists() else 0


def _wait(condition: Any, timeout: float, what: str, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if worker.poll() is not None:
            raise SystemExit(f"The worker stopped while waiting for {what}.")
        if time.monotonic() > deadline:
            raise SystemExit(f"Gave up after {timeout:.0f} s waiting for {what}.")
        time.sleep(0.05)


def bare_loop(port: int, schedule: list[float]) -> tuple[list[float], float]:
    """Send one message per scheduled offset with smtplib, a connection each; returns each
    message's latency (accepted - scheduled) and the loop's seconds."""
    body = (
        "From: alerts@bench.example.org\r\nTo: someone@bench.example.org\r\n"
        "Subject: Aegis alert\r\n\r\nAegis: someone you support needs you. Open: "
        "http://127.0.0.1:8000/ack/" + "x" * 60 + "/\r\n"
    )
    latencies = []
    start = time.time()
    for offset in schedule:
        due = start + offset
        if (ahead := due - time.time()) > 0:
            time.sleep(ahead)
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail("alerts@bench.example.org", ["someone@bench.example.org"], body)
        latencies.append(time.time() - due)
    return latencies, time.time() - start


def run_once(database: str, url: str | None, alerts: int, people: int) -> Result:
    home = Path(tempfile.mkdtemp(prefix="aegis-bench-alerts-"))
    port = free_port()
    (home / f"{SETTINGS_MODULE}.py").write_text(SETTINGS.format(port=port))
    env = {k: v for k, v in os.environ.items() if k != "AEGIS_DATABASE_URL"}
    env.update(
        AEGIS_HOME=str(home),
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        PYTHONPATH=os.pathsep.join(filter(None, [str(home), env.get("PYTHONPATH", "")])),
    )
    # The alert service's unlock secret reaches setup and worker as systemd would give it.
    env.setdefault("AEGIS_ALERT_SERVICE_UNLOCK", secrets.token_urlsafe(32))
    if url:
        env["AEGIS_DATABASE_URL"] = url
    me = [sys.executable, __file__]
    log = home / "smtp.log"
    smtp = worker = None
    try:
        smtp = subprocess.Popen([*me, "--smtp", str(port), str(log)], env=env)
        subprocess.run(
            [*me, "--setup", str(people)], env=env, check=True, stdout=subprocess.DEVNULL
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "aegis.cli", "worker"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Warm-up: one alert, so that the worker is up and has loaded its channels.
        subprocess.run([*me, "--raise", "1"], env=env, check=True, stdout=subprocess.DEVNULL)
        _wait(lambda: _lines(log) >= CONTACTS, 120, "the warm-up alert", worker)
        raised = subprocess.run(  # its errors, if any, go to our stderr
            [*me, "--raise", str(alerts)], env=env, check=True, stdout=subprocess.PIPE, text=True
        )
        raise_seconds = json.loads(raised.stdout)["seconds"]
        expected = (alerts + 1) * CONTACTS
        _wait(lambda: _lines(log) >= expected, 60 + alerts, "every message", worker)
        time.sleep(0.5)  # a message sent twice would arrive now
        hwm = _peak_kb(worker.pid)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        found = subprocess.run(
            [*me, "--analyse", str(log)], env=env, check=True, capture_output=True, text=True
        )
        analysis = json.loads(found.stdout)
        first_alert = min(row[0] for row in analysis["rows"])
        rows = [row for row in analysis["rows"] if row[0] != first_alert]  # not the warm-up
        latencies = [accepted - triggered for _alert, triggered, accepted in rows]
        start = min(triggered for _alert, triggered, _accepted in rows)
        schedule = sorted(triggered - start for _alert, triggered, _accepted in rows)
        bare, bare_seconds = bare_loop(port, schedule)
        drain = max(accepted for *_rest, accepted in rows) - start
        timed = subprocess.run(
            [*me, "--console"], env=env, check=True, capture_output=True, text=True
        )
        return Result(
            database,
            latencies,
            bare,
            raise_seconds,
            drain,
            bare_seconds,
            hwm,
            len(rows),
            alerts * CONTACTS,
            json.loads(timed.stdout),
        )
    finally:
        for process in (worker, smtp):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(home, ignore_errors=True)


# --- PostgreSQL: a throwaway database -----------------------------------------------------


def postgres_url() -> tuple[str | None, str]:
    """The throwaway database's URL, or None and why PostgreSQL is skipped."""
    return fresh_pg_database(PG_DATABASE)


def drop_postgres() -> None:
    drop_pg_database(PG_DATABASE)


# --- Report -------------------------------------------------------------------------------


def report(result: Result) -> None:
    ms = 1000
    ours = result.latencies
    p50, p99 = percentile(ours, 50), percentile(ours, 99)
    b50, b99 = percentile(result.bare, 50), percentile(result.bare, 99)
    rows = [
        (
            f"burst: {result.expected // CONTACTS} panics raised in {result.raise_seconds:.1f} s",
            f"{result.expected / CONTACTS / result.raise_seconds:8.1f} alerts/s",
        ),
        (
            f"messages accepted by SMTP (of {result.expected})",
            f"{result.messages:8d}  ({result.messages / result.drain_seconds:.0f} /s, "
            f"last {result.drain_seconds:.1f} s after the first trigger)",
        ),
        ("trigger -> accepted, p50 (target <= 250 ms)", f"{p50 * ms:8.0f} ms"),
        ("trigger -> accepted, p99 (target <= 2000 ms)", f"{p99 * ms:8.0f} ms"),
        ("  max", f"{max(ours) * ms:8.0f} ms"),
        (
            "bare smtplib loop, same trigger times: p50 / p99",
            f"{b50 * ms:8.1f} ms / {b99 * ms:.1f} ms  ({len(result.bare)} in "
            f"{result.bare_seconds:.1f} s)",
        ),
        ("RATIO p50 Aegis / bare", f"{p50 / b50 if b50 else float('inf'):8.1f}"),
        ("RATIO p99 Aegis / bare", f"{p99 / b99 if b99 else float('inf'):8.1f}"),
        (
            "worker peak resident memory, VmHWM (target <= 200 MB)",
            f"{result.worker_hwm_kb / 1024:8.1f} MB",
        ),
    ]
    console = result.console
    base = console["bare"]
    rows.append((f"each refresh, {console['open']:.0f} alerts open (median of 5):", ""))
    for key, label in (
        ("attention", "dashboard's alert counts (selectors.attention)"),
        ("console", "console's rows (selectors.console)"),
        ("page", "console's first page rendered"),
    ):
        rows.append((f"  {label}", f"{console[key]:8.1f} ms  x{console[key] / base:.1f} bare"))
    rows.append(("  bare read of the same alerts, deliveries, steps", f"{base:8.1f} ms"))
    print(f"\n  [{result.database}]")
    for label, value in rows:
        print(f"  {label:<58}{value}".rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000, help="panics in the burst")
    parser.add_argument("--people", type=int, default=100, help="defenders they come from")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--smtp", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--setup", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--raise", dest="raise_", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--analyse", help=argparse.SUPPRESS)
    parser.add_argument("--console", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smtp:
        smtp_server(int(args.smtp[0]), Path(args.smtp[1]))
        return 0
    if args.setup is not None:
        setup_instance(args.setup)
        return 0
    if args.raise_ is not None:
        raise_alerts(args.raise_)
        return 0
    if args.analyse:
        analyse(Path(args.analyse))
        return 0
    if args.console:
        time_console()
        return 0

    alerts, people = max(1, args.alerts), max(1, min(args.people, args.alerts))
    print(
        f"Aegis alert burst: Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"{alerts} panics x {CONTACTS} email contacts from {people} defenders; "
        "SMTP (aiosmtpd), worker and raiser on loopback"
    )
    results = []
    if args.db in ("sqlite", "both"):
        results.append(run_once("SQLite", None, alerts, people))
        report(results[-1])
    if args.db in ("postgres", "both"):
        url, why = postgres_url()
        if url is None:
            print(f"\n  [PostgreSQL] skipped: the server is unreachable ({why})")
        else:
            try:
                results.append(run_once("PostgreSQL", url, alerts, people))
            finally:
                drop_postgres()
            report(results[-1])
    missing = [r for r in results if r.messages < r.expected]
    if missing:
        print("Some messages never arrived.", file=sys.stderr)
        return 1
    if results:
        medians = ", ".join(
            f"{r.database} {statistics.median(r.latencies) * 1000:.0f} ms" for r in results
        )
        print(f"\n  median latency: {medians}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
