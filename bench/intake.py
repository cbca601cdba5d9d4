"""Anonymous intake over HTTP against the bound set by the Argon2id cost.

    .venv/bin/python bench/intake.py [--rounds 3] [--seconds 6] [--workers W] [--threads T]
    (or: aegis bench intake)

A real server (`aegis serve`: gunicorn, W worker processes of T threads) runs on a free
loopback port with a throwaway AEGIS_HOME initialised like a real instance (`aegis init`, an
intake team of three caseworkers). Client threads loop over what a browser does: GET /report/
(CSRF cookie and form token), then POST a report and read the receipt code. The form's
minimum fill time is set to 0 and the flood threshold out of reach through a settings module,
so neither is measured.

Each report costs exactly one Argon2id derivation (the key that wraps the report's key under
its receipt code), and a worker process runs at most one at a time
(AEGIS_INTAKE_KDF_PER_PROCESS, default 1: bounded memory under a flood). So the server cannot
exceed W / t reports per second, t being the median time of aegis.vault.crypto.derive_key at
the configured cost (AEGIS_KDF_PROFILE, default "interactive") while W processes derive at
once on this machine: that is the bound. The ratio reports/s ÷ bound shows how little the rest
of the path (HTTP, Django, database, audit, sealing) holds Argon2id back; DESIGN.md's target
is ≥ 0.9. The machine's own ceiling (all CPUs deriving, C / t) is printed beside it.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

SETTINGS_MODULE = "aegis_bench_intake_settings"
SETTINGS = """from aegis.settings import *  # noqa: F403

AEGIS_INTAKE_MIN_SECONDS = 0  # the benchmark does not wait like a person
AEGIS_INTAKE_FLOOD_THRESHOLD = 10**9  # nor trigger the flood notice

# Each process logs when its Argon2id derivations start and end (wall clock), so that the
# benchmark can tell how much of the workers' time went to Argon2id.
import os as _os
import time as _time

from aegis.vault import crypto as _crypto

_derive = _crypto.derive_key
_log = open(AEGIS_HOME / f"derive-{_os.getpid()}.log", "a", buffering=1)  # noqa: F405


def _logged_derive(*args, **kwargs):
    start = _time.time()
    try:
        return _derive(*args, **kwargs)
    finally:
        _log.write(f"{start} {_time.time()}\\n")


_crypto.derive_key = _logged_derive
"""
TOKEN = re.compile(rb'name="form_token" value="([^"]+)"')
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
NARRATIVE = (
    "Two men on a motorbike followed me from the community meeting to my house and "
    "photographed the people who came in. The next day a message said we should stop. "
) * 4
KDF_RUNS_PER_PROCESS = 7


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- The instance -----------------------------------------------------------------------


def setup_instance() -> None:
    """Runs in a child process with the bench settings: `aegis init` and an intake team."""
    import django

    django.setup()
    from aegis import bootstrap
    from aegis.accounts import services as accounts
    from aegis.cases import services as cases
    from aegis.roles import Role

    password = "bench passphrase " + secrets.token_hex(8)
    bootstrap.init_instance(admin_username="admin", admin_password=password, interactive=False)
    team = [accounts.create_user(f"intake{i}", password, Role.CASEWORKER).user for i in range(3)]
    cases.create_compartment("Intake team", "Reads reports", members=team)


class Server:
    def __init__(self, process: subprocess.Popen, port: int) -> None:
        self.process = process
        self.port = port

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_instance(home: Path, workers: int, threads: int) -> Server:
    (home / f"{SETTINGS_MODULE}.py").write_text(SETTINGS)
    env = dict(os.environ)
    env.update(
        AEGIS_HOME=str(home),
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        PYTHONPATH=os.pathsep.join(filter(None, [str(home), env.get("PYTHONPATH", "")])),
    )
    # The alert service's unlock secret, as systemd would give it to every process.
    env.setdefault("AEGIS_ALERT_SERVICE_UNLOCK", secrets.token_urlsafe(32))
    subprocess.run(
        [sys.executable, __file__, "--setup"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    port = free_port()
    command = [sys.executable, "-m", "aegis.cli", "serve", "--addr", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--threads", str(threads)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return Server(process, port)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("The server did not start within 30 s.")


# --- The client -------------------------------------------------------------------------


def request(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        cookies = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key] = rest.split(";", 1)[0]
        return response.status, cookies, response.read()
    finally:
        connection.close()


def submit_one(port: int) -> None:
    status, cookies, page = request(port, "GET", "/report/", headers={"Accept-Language": "es"})
    token, csrf = TOKEN.search(page), CSRF.search(page)
    if status != 200 or not token or not csrf:
        raise RuntimeError(f"GET /report/ answered {status}")
    form = {
        "csrfmiddlewaretoken": csrf.group(1).decode(),
        "form_token": token.group(1).decode(),
        "anonymous": "yes",
        "narrative": NARRATIVE,
        "when_year": "2025",
        "when_month": "3",
        "country": "CO",
        "region": "CO-ANT",
        "place_details": "Vereda El Roble",
        "target_kind": "me",
        "perpetrator_type": "paramilitary",
        "send": "1",
    }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "Origin": f"http://127.0.0.1:{port}",
        "Referer": f"http://127.0.0.1:{port}/report/",
        "Accept-Language": "es",
    }
    body = urllib.parse.urlencode(form).encode()
    status, _, page = request(port, "POST", "/report/", body, headers)
    if status != 200 or b'id="receipt-code"' not in page:
        raise RuntimeError(f"POST /report/ answered {status} without a receipt code")


@dataclass
class Run:
    reports: int
    seconds: float
    client_cpu: float  # CPU seconds the benchmark's own client threads used
    errors: list[str]
    started: float  # wall clock (time.time), to match the server's derivation logs
    ended: float


def run_clients(port: int, clients: int, seconds: float) -> Run:
    """Reports completed by `clients` threads in `seconds` (after which each finishes the one
    it is on)."""
    stop = time.monotonic() + seconds
    done = [0] * clients
    errors: list[str] = []

    def loop(i: int) -> None:
        while time.monotonic() < stop:
            try:
                submit_one(port)
                done[i] += 1
            except Exception as exc:
                errors.append(str(exc))
                return

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    cpu = time.process_time()
    started = time.time()
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    return Run(sum(done), seconds, time.process_time() - cpu, errors, started, time.time())


def derivations(home: Path, runs: list[Run]) -> list[tuple[float, float]]:
    """The server's Argon2id derivations (start, end) that lie inside the measured rounds."""
    found = []
    for log in home.glob("derive-*.log"):
        for line in log.read_text().splitlines():
            start, end = (float(x) for x in line.split())
            if any(run.started <= start and end <= run.ended for run in runs):
                found.append((start, end))
    return found


# --- The bound --------------------------------------------------------------------------


def _derive_times(profile: str) -> list[float]:
    from aegis.vault import crypto

    cost = crypto.KDF_PROFILES[profile]
    salt = crypto.new_salt()
    times = []
    for _ in range(KDF_RUNS_PER_PROCESS):
        start = time.perf_counter()
        crypto.derive_key("ABCDEFGHJKMNPQRSTVWX", salt, cost)
        times.append(time.perf_counter() - start)
    return times


def kdf_median(profile: str, processes: int) -> float:
    """Median derive_key time while `processes` processes derive at once."""
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        runs = pool.map(_derive_times, [profile] * processes)
    return statistics.median(t for run in runs for t in run)


# --- Report -----------------------------------------------------------------------------


def default_workers() -> int:
    """Leave about a quarter of the CPUs (at least one) to the Python side of the requests
    and to the benchmark's own clients, which run while the workers derive keys."""
    cpus = os.cpu_count() or 1
    return max(1, cpus - max(1, cpus // 4))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds")
    parser.add_argument("--seconds", type=float, default=6.0, help="duration of each round")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup_instance()
        return 0
    profile = os.environ.get("AEGIS_KDF_PROFILE") or "interactive"
    from aegis.vault import crypto

    if profile not in crypto.KDF_PROFILES:
        print(f"Unknown AEGIS_KDF_PROFILE {profile!r}", file=sys.stderr)
        return 2
    cost = crypto.KDF_PROFILES[profile]
    cpus = os.cpu_count() or 1
    workers, threads = max(1, args.workers), max(1, args.threads)
    clients = workers * 3  # enough requests in flight to keep every worker deriving
    print(
        f"Aegis intake benchmark: Python {platform.python_version()}, {cpus} CPUs; server "
        f"{workers} worker process(es) x {threads} threads; {clients} client threads; "
        f"Argon2id '{profile}' (opslimit {cost.opslimit}, memlimit {cost.memlimit // 2**20} MiB)"
    )
    # Rounds alternate Argon2id measurements with HTTP runs, and each round's bound is the
    # mean of the measurements taken just before and just after it, so that load changing
    # on the machine (other programs) hits both sides of its ratio alike.
    home = Path(tempfile.mkdtemp(prefix="aegis-bench-intake-"))
    server = None
    runs: list[Run] = []
    kdf = [kdf_median(profile, workers)]
    try:
        server = start_instance(home, workers, threads)
        warm = run_clients(server.port, clients, 2.0)
        for _ in range(max(1, args.rounds)):
            if warm.errors or (runs and runs[-1].errors):
                break
            runs.append(run_clients(server.port, clients, args.seconds))
            kdf.append(kdf_median(profile, workers))
        server.stop()
        server = None
        inside = derivations(home, runs)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(home, ignore_errors=True)
    errors = warm.errors + [e for run in runs for e in run.errors]
    if errors:
        print(f"{len(errors)} report(s) failed: {errors[0]}", file=sys.stderr)
        return 1
    single = kdf_median(profile, 1)
    everyone = kdf_median(profile, cpus)
    rates = [run.reports / run.seconds for run in runs]
    bounds = [workers * 2 / (kdf[i] + kdf[i + 1]) for i in range(len(runs))]
    ratios = sorted(rate / bound for rate, bound in zip(rates, bounds, strict=True))
    reports = sum(run.reports for run in runs)
    seconds = sum(run.seconds for run in runs)
    rate = reports / seconds
    t = statistics.mean(kdf)
    client_ms = sum(run.client_cpu for run in runs) / max(1, reports) * 1000
    share = sum(end - start for start, end in inside) / (workers * seconds)
    in_server = statistics.median(end - start for start, end in inside) if inside else 0.0
    rows = [
        ("reports over HTTP (GET form + POST, receipt read)", f"{rate:8.2f} /s"),
        (f"  {reports} reports in {len(runs)} rounds of {args.seconds:.0f} s", ""),
        ("  CPU of the benchmark's own clients per report", f"{client_ms:8.1f} ms"),
        ("Argon2id derive_key, median, 1 process", f"{single * 1000:8.1f} ms"),
        (
            f"Argon2id derive_key, median, {workers} at once, between rounds",
            f"{t * 1000:8.1f} ms  ({', '.join(f'{k * 1000:.0f}' for k in kdf)})",
        ),
        (f"bound = {workers} worker(s) / {t * 1000:.1f} ms", f"{workers / t:8.2f} /s"),
        (
            "RATIO reports/s / bound, median of rounds (target >= 0.90)",
            f"{statistics.median(ratios):8.2f}  (rounds: {', '.join(f'{r:.2f}' for r in ratios)})",
        ),
        (
            "Argon2id share of the workers' time in the rounds",
            f"{share:8.2f}  (median derivation there {in_server * 1000:.1f} ms)",
        ),
        (
            f"machine ceiling = {cpus} CPUs / {everyone * 1000:.1f} ms (all deriving)",
            f"{cpus / everyone:8.2f} /s  (reports/s / ceiling: {rate * everyone / cpus:.2f})",
        ),
    ]
    print()
    for label, value in rows:
        print(f"  {label:<60}{value}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
