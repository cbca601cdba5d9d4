"""The `aegis` command: init, demo, serve, worker, audit verify, wipe, bench, backup, and
every Django management command."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

REPO_BENCH = Path(__file__).resolve().parents[2] / "bench"


def _setup() -> None:
    """Django set up, or the reason its settings cannot start (AEGIS_HOME unwritable) in a
    line on stderr and exit status 2, for every command, never a traceback."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aegis.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as wrong:
        print(f"aegis: {wrong}", file=sys.stderr)
        raise SystemExit(2) from None


# Aegis's own Django management commands, which the parser above does not list: an
# administrator reading `aegis --help` had found no trace of the audit or exchange commands.
MORE_COMMANDS = """
more commands (each with its own --help):
    audit               verify the audit log, take and check signed checkpoints
    ledger              verify the grant ledger, take its checkpoints
    exchange            partner bundles: identity, export, import
    monitoring          news extraction: train, extract; the monitoring keys
    incidents           seal the days of incidents recorded before days were sealed
    report              reports from the protected statistics (annual PDF and HTML)
    retention           expire the records past their retention period
    migrate             move the database to this version's schema (after an upgrade)
Django's other management commands work too ('aegis check', 'aegis shell')."""


# Django's management commands that read or change an instance: on a home that holds none
# (a mistyped AEGIS_HOME) each would fail on a missing table, or make keys of no instance.
INSTANCE_COMMANDS = frozenset({"audit", "exchange", "incidents", "ledger", "report", "retention"})
INSTANCE_ACTIONS = {"monitoring": frozenset({"pass-on-keys", "key-fingerprints"})}


def _needs_instance(argv: list[str]) -> bool:
    if not argv or {"-h", "--help"} & set(argv):
        return False
    name, rest = argv[0], argv[1:]
    return name in INSTANCE_COMMANDS or bool(rest and rest[0] in INSTANCE_ACTIONS.get(name, ()))


def _no_instance() -> str | None:
    """Why this AEGIS_HOME (its database) holds no Aegis instance, or None where it does."""
    from django.conf import settings
    from django.db import connection

    from .vault.models import Keypair

    database = connection.settings_dict
    sqlite = database["ENGINE"] == "django.db.backends.sqlite3"
    name = str(database["NAME"])
    # SQLite is not connected to a file that is not there: that would create it in a wrong
    # folder.
    there = not sqlite or name.startswith("file:") or name == ":memory:" or Path(name).exists()
    if there:
        with connection.cursor() as cursor:
            if Keypair._meta.db_table in connection.introspection.table_names(cursor):
                return None
    if sqlite:
        return (
            f"AEGIS_HOME={settings.AEGIS_HOME} holds no Aegis instance: run 'aegis init', "
            "or check the path."
        )
    return (
        "The database in AEGIS_DATABASE_URL holds no Aegis instance: run 'aegis init', or "
        "check AEGIS_DATABASE_URL."
    )


def _require_instance() -> None:
    _setup()
    if (missing := _no_instance()) is not None:
        print(f"aegis: {missing}", file=sys.stderr)
        raise SystemExit(2)


def _read_file(path: str) -> str:
    """A password or key file's text; unreadable, its reason in words (exit 1), never a
    traceback."""
    from .rules import RuleError

    try:
        return Path(path).read_text()
    except OSError as error:
        raise RuleError(f"Cannot read {path}: {error.strerror}.") from error
    except UnicodeDecodeError as error:
        raise RuleError(f"Cannot read {path}: it is not text.") from error


def _manage(*argv: str) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["aegis", *argv])


def _private_home() -> None:
    """AEGIS_HOME and the SQLite database readable by the service account only, also where
    an older version left them open (new ones are created so: settings.py sets the umask)."""
    from django.conf import settings

    os.chmod(settings.AEGIS_HOME, 0o700)
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(f"{database['NAME']}{suffix}")
        if path.exists():
            os.chmod(path, 0o600)


def cmd_init(args: argparse.Namespace) -> int:
    _setup()
    from . import bootstrap

    _private_home()

    password = None
    if args.admin_password_file:
        password = _read_file(args.admin_password_file).strip()
    return bootstrap.init_instance(
        admin_username=args.admin_username, admin_password=password, interactive=not args.no_input
    )


def served_base_url(addr: str) -> str | None:
    """The address a browser opens for a server bound to `addr` ("host:port"), or None where
    it names none: a Unix socket, or every interface (0.0.0.0, [::]) behind a proxy."""
    if addr.startswith(("unix:", "fd://")) or ":" not in addr:
        return None
    host, _, port = addr.rpartition(":")
    if not port.isdigit() or host.strip("[]") in ("", "0.0.0.0", "::"):  # noqa: S104
        return None
    return f"http://{host}:{port}"


def _set_base_url(addr: str) -> str:
    """Acknowledgement links start with AEGIS_BASE_URL; unset, with the address served at.
    Says which, in words for the start-up notice."""
    if given := os.environ.get("AEGIS_BASE_URL"):
        return f"{given} (AEGIS_BASE_URL)"
    if url := served_base_url(addr):
        os.environ["AEGIS_BASE_URL"] = url
        return "the address served at (--addr); behind a proxy, set AEGIS_BASE_URL"
    return "no address anyone can open: set AEGIS_BASE_URL"


def _alert_key_notice(process: str) -> bool:
    """Open the alert service key before serving (asking for its unlock secret on a terminal
    when none was supplied) and say on stderr what this process can do; True if it holds it."""
    from django.db import DatabaseError

    from .vault import service_keys

    try:
        initialised = service_keys.service_keypair() is not None
    except DatabaseError:
        initialised = False  # no tables yet
    if not initialised:
        print(f"{process}: this instance has no keys yet; run 'aegis init'.", file=sys.stderr)
        return False
    if service_keys.supplied_unlock() is None and sys.stdin.isatty():
        service_keys.remember_typed(getpass.getpass("Alert service unlock secret: "))
    usable, notice = service_keys.start_up_notice()
    print(f"{process}: {notice}", file=sys.stderr, flush=True)
    return usable


def cmd_serve(args: argparse.Namespace) -> int:
    links = _set_base_url(args.addr)  # before the settings are read, and for gunicorn
    _setup()
    from .vault import service_keys

    if not _alert_key_notice("aegis serve"):
        print(
            "aegis serve: serving without the alert service key. Panics, manual alerts and "
            "rules are queued for the worker, which raises them; duress words (sign-in, "
            "check-in) and inbound SMS keywords are not recognised by this web server.",
            file=sys.stderr,
            flush=True,
        )
    elif (typed := service_keys.supplied_unlock()) is not None and typed.source == "the prompt":
        # gunicorn's processes start after exec: they read it from the environment (memory).
        os.environ[service_keys.unlock_variable()] = typed.secret
    from .alerts import checkins

    for warning in checkins.webhook_secret_warnings():  # gunicorn runs no Django checks
        print(f"aegis serve: {warning.msg} {warning.hint}", file=sys.stderr, flush=True)
    # Not the address itself when it comes from --addr: the log names no address at all.
    print(
        f"aegis serve: acknowledgement links start with {links}; the worker, which sends "
        "them, needs the same AEGIS_BASE_URL.",
        file=sys.stderr,
        flush=True,
    )
    # No access log by default, and none that could name a client: the logger class keeps
    # addresses and user agents out of every line, the error log's "Invalid request from
    # ip=…" included (serverlog.py); the access format, if one is turned on, has no %(h)s.
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "aegis.wsgi:application",
        "--bind",
        args.addr,
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--timeout",
        "120",
        # gunicorn's longest request line by default is 4,094 bytes: a query value the API
        # takes (500 characters) is 6,000 once a phone's emoji are percent-encoded.
        "--limit-request-line",
        "8190",
        "--error-logfile",
        "-",
        "--log-level",
        "warning",
        "--forwarded-allow-ips",
        "127.0.0.1",
        "--logger-class",
        "aegis.serverlog.AddressFreeLogger",
        "--access-logformat",
        "%(m)s %(s)s %(b)s %(L)s",  # no path either: acknowledgement links carry tokens
    ]
    os.execv(sys.executable, argv)  # noqa: S606


def cmd_worker(args: argparse.Namespace) -> int:
    """django_tasks' db_worker in the main thread (it owns SIGTERM and Ctrl-C) and the alert
    loop beside it in threads; when db_worker stops, the loop records its sends and ends."""
    _setup()
    import logging

    from .alerts.worker import AlertLoop

    logging.getLogger("aegis.alerts").setLevel(logging.INFO)
    if not _alert_key_notice("aegis worker"):
        print(
            "aegis worker: refusing to start: without the alert service key no alert reaches "
            "an emergency contact.",
            file=sys.stderr,
        )
        return 2
    from .retention.worker import Housekeeping

    loop = AlertLoop(send_every=args.send_interval)
    loop.start()
    housekeeping = Housekeeping()  # scheduled backups and daily expiry, in their own thread
    housekeeping.start()
    try:
        _manage("db_worker", "--interval", str(args.interval), "--no-startup-delay", "--no-reload")
    finally:
        loop.stop()
        housekeeping.stop()
        loop.join(timeout=8)  # a send stuck past this is left to the lease
        housekeeping.join(timeout=2)
    return 0


def _catch_demo_mail(home: str) -> Any:
    """Start the demo's mail catcher and point every process's email settings at it: the
    demo's addresses are fictional, so nothing is sent beyond this machine."""
    from .demo_mail import start_catcher

    folder = Path(home) / "demo-mail"
    catcher = start_catcher(folder)
    for name in ("AEGIS_SMTP_USER", "AEGIS_SMTP_PASSWORD", "AEGIS_SMTP_PASSWORD_FILE"):
        os.environ.pop(name, None)
    os.environ.update(
        AEGIS_SMTP_HOST="127.0.0.1",
        AEGIS_SMTP_PORT=str(catcher.port),
        AEGIS_SMTP_SECURITY="insecure",  # plain SMTP, on loopback only
        AEGIS_SMTP_FROM="aegis-demo@example.org",
        AEGIS_DEMO_MAIL_DIR=str(folder),
    )
    return catcher


def _catch_demo_texts(home: str) -> Any:
    """Start the demo's SMS and Signal stand-in and point both channels at it: the demo's
    numbers are fictional, so no text message leaves this machine either."""
    from .demo_gateway import SIGNAL_FROM, start_gateway

    folder = Path(home) / "demo-texts"
    gateway = start_gateway(folder)
    for name in ("AEGIS_SMS_GATEWAY_URL_FILE", "AEGIS_SIGNAL_REST_URL_FILE"):
        os.environ.pop(name, None)
    os.environ.update(
        AEGIS_SMS_GATEWAY_URL=gateway.sms_url,
        AEGIS_SIGNAL_REST_URL=gateway.signal_url,
        AEGIS_SIGNAL_FROM=SIGNAL_FROM,
        AEGIS_DEMO_TEXT_DIR=str(folder),
    )
    return gateway


def cmd_demo(args: argparse.Namespace) -> int:
    home = os.environ.get("AEGIS_HOME") or tempfile.mkdtemp(prefix="aegis-demo-")
    os.environ["AEGIS_HOME"] = home
    _set_base_url(args.addr)  # the web server and the worker alike
    _setup()
    catcher = _catch_demo_mail(home)  # after the settings: their umask keeps its files private
    gateway = _catch_demo_texts(home)
    from django.conf import settings

    from . import demo
    from .vault import service_keys

    print(f"Demo instance in {home}", flush=True)
    # Convenience mode: the demo's unlock secret is a file in AEGIS_HOME, never one of ours.
    variable = service_keys.unlock_variable()
    for name in (variable, f"{variable}_FILE", "CREDENTIALS_DIRECTORY"):
        os.environ.pop(name, None)
    os.environ[f"{variable}_FILE"] = str(service_keys.demo_unlock_file())
    demo.create_demo_instance()
    print(
        "NOT FOR PRODUCTION: the demo keeps the alert service's unlock secret in "
        f"{service_keys.demo_unlock_file()}, so a copy of {home} reads every safety plan.",
        flush=True,
    )
    env = dict(os.environ)
    me = [sys.executable, "-m", "aegis.cli"]
    web = subprocess.Popen([*me, "serve", "--addr", args.addr, "--workers", "2"], env=env)
    worker = subprocess.Popen([*me, "worker", "--interval", "0.5"], env=env)
    print(
        f"Email goes to a mail catcher on 127.0.0.1:{catcher.port}; case staff read it on "
        f"{settings.AEGIS_BASE_URL.rstrip('/')}/demo-mail/ (the menu's 'Demo mail').",
        flush=True,
    )
    print(
        f"SMS and Signal go to a stand-in gateway on 127.0.0.1:{gateway.port}; their "
        "messages are on the same page.",
        flush=True,
    )
    print(f"Serving http://{args.addr}/ with a worker. Press Ctrl-C to stop.", flush=True)

    def stop(*_: object) -> None:
        for proc in (web, worker):
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, lambda *_: stop())
    try:
        while web.poll() is None and worker.poll() is None:
            try:
                web.wait(timeout=1)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for proc in (web, worker):
            _ended(proc)
        catcher.stop()
        gateway.stop()
    return 0


def _ended(proc: subprocess.Popen[bytes], wait: float = 10) -> None:
    """Wait for a child asked to stop; one still running after `wait` seconds, or a second
    Ctrl-C, kills it. A web server slow to stop had ended the demo in a traceback, with the
    mail catcher and the gateway left running."""
    try:
        proc.wait(timeout=wait)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        proc.kill()
        proc.wait()


def cmd_wipe(args: argparse.Namespace) -> int:
    _setup()
    from . import bootstrap

    return bootstrap.wipe_instance(confirmed=args.yes)


def _secret_input(path: str | None, prompt: str) -> str:
    return _read_file(path).strip() if path else getpass.getpass(prompt)


def cmd_recover(args: argparse.Namespace) -> int:
    _setup()
    from . import bootstrap

    recovery = _secret_input(args.recovery_key_file, "Organisation recovery key: ")
    password = _secret_input(args.password_file, "New password (12+ characters): ")
    if not args.password_file and getpass.getpass("New password again: ") != password:
        print("The two passwords are not the same; nothing was changed.", file=sys.stderr)
        return 2
    return bootstrap.recover_access(args.username, recovery, password)


def cmd_grant_search_key(args: argparse.Namespace) -> int:
    _setup()
    from . import bootstrap

    if bool(args.username) == bool(args.alert_service):
        print("Give either --username or --alert-service.", file=sys.stderr)
        return 2
    # Whatever refuses the ceremony is said before the recovery key is asked for.
    refusal = (
        bootstrap.alert_service_grant_refusal()
        if args.alert_service
        else bootstrap.user_grant_refusal(args.username)
    )
    if refusal is not None:
        print(refusal[0], file=sys.stderr if refusal[1] else sys.stdout)
        return refusal[1]
    recovery = _secret_input(args.recovery_key_file, "Organisation recovery key: ")
    if args.alert_service:
        return bootstrap.grant_search_key_to_alert_service(recovery)
    return bootstrap.grant_search_key(args.username, recovery)


def cmd_seal_service_key(args: argparse.Namespace) -> int:
    _setup()
    from . import bootstrap

    recovery = (
        _secret_input(args.recovery_key_file, "Organisation recovery key: ")
        if (args.recovery_key_file or args.with_recovery_key)
        else None
    )
    return bootstrap.seal_service_key(
        interactive=not args.no_input,
        unlock_file=args.unlock_file,
        recovery_key_text=recovery,
        name=args.service,
    )


def cmd_bench(args: argparse.Namespace) -> int:
    scripts = (
        sorted(p for p in REPO_BENCH.glob("*.py") if not p.name.startswith("_"))
        if not args.names
        else [REPO_BENCH / f"{name}.py" for name in args.names]
    )
    missing = [s.name for s in scripts if not s.exists()]
    if missing or not scripts:
        print(f"No such benchmark: {', '.join(missing) or 'none found'} (looked in {REPO_BENCH})")
        return 2
    status = 0
    for script in scripts:
        print(f"== {script.stem} ==", flush=True)
        status |= subprocess.call([sys.executable, str(script), *args.extra])
    return status


# --- aegis backup -------------------------------------------------------------------------


def _key_text(path: str | None) -> str:
    """The recovery key (or an age identity file) from a file, or standard input."""
    if path and path != "-":
        from .backups.errors import BackupError

        try:
            return Path(path).read_text()
        except OSError as error:  # its reason in words, not "[Errno 2] …: 'path'"
            raise BackupError(f"Cannot read the key file {path}: {error.strerror}.") from error
        except UnicodeDecodeError as error:
            raise BackupError(
                f"Cannot read the key file {path}: it is not text (the recovery key or an age "
                "identity file)."
            ) from error
    if sys.stdin.isatty():
        return getpass.getpass("Organisation recovery key (or age identity): ")
    return sys.stdin.read()


def _progress_bar(description: str) -> Any:
    """A tqdm bar in bytes on a terminal (stderr), nothing otherwise; returns the factory the
    services call with the total."""
    from tqdm import tqdm

    def start(total: int) -> Any:
        bar = tqdm(
            total=total, unit="B", unit_scale=True, desc=description, disable=None, leave=False
        )
        return bar.update

    return start


def _bar_for(file: str, description: str) -> Any:
    """A progress bar over a backup being read: its size on disk is near enough the total of
    its parts (age and tar add a little)."""
    try:
        total = Path(file).stat().st_size
    except OSError:
        return None  # the services say why
    return _progress_bar(description)(total)


def _size(count: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count} B"


def _age(delta: Any) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def cmd_backup_create(args: argparse.Namespace) -> int:
    _setup()
    from .backups import services

    # A place the wipe would not reach is a wrong argument: said before anything is written.
    if args.out and (problem := services.misplaced(Path(args.out))):
        print(problem, file=sys.stderr)
        return 2
    made = services.create_backup(
        Path(args.out) if args.out else None,
        extra_recipients=args.recipient,
        progress=_progress_bar("backup"),
    )
    found = made.manifest
    extra = len(found.recipients) - 1
    print(
        f"Backup written to {made.path} ({_size(made.path.stat().st_size)}): the {found.database}"
        f" database, {len(found.tables)} tables, {found.blob_count} files of the blob store. "
        "Encrypted with age to the organisation recovery key"
        + (f" and {extra} more recipient(s)." if extra else ".")
    )
    if made.missing_blobs:
        print(
            f"{made.missing_blobs} file(s) were deleted while the backup was made; the "
            "database snapshot is older than their deletion.",
            file=sys.stderr,
        )
    print(f"Check it opens: aegis backup verify {made.path} --key-file RECOVERY-KEY-FILE")
    return 0


def cmd_backup_verify(args: argparse.Namespace) -> int:
    _setup()
    from .backups import services

    key_text = _key_text(args.key_file)
    found = services.verify_backup(Path(args.file), key_text, seen=_bar_for(args.file, "verify"))
    print(
        f"{args.file} opens with this key and every part matches its SHA-256: made "
        f"{found.created_at} by Aegis {found.aegis_version}, the {found.database} database "
        f"({len(found.migrations)} migrations, {len(found.tables)} tables, "
        f"{found.audit_entries} audit entries), {found.blob_count} files of the blob store."
    )
    if services.signed_elsewhere(found):
        print(_NOT_VOUCHED.format(theirs=found.audit_key_id), file=sys.stderr)
        return 1
    print("Its manifest is signed by this instance's key.")
    return 0


# The recovery key's recipient is public: anyone can encrypt a backup of their own making to
# it. Only the instance's signature says it is ours, and only its audit key checks it.
_NOT_VOUCHED = (
    "Its signature was not checked: the backup names the audit key {theirs}, which this "
    "instance does not hold, and anyone can encrypt a backup to the recovery key. Verify it "
    "where the old instance's audit key is in place (AEGIS_HOME/secrets/audit_key or "
    "AEGIS_AUDIT_KEY_FILE)."
)


def cmd_backup_restore(args: argparse.Namespace) -> int:
    _setup()
    from .backups import services

    key_text = _key_text(args.key_file)
    done = services.restore_backup(
        Path(args.file),
        key_text,
        replace=args.replace,
        new_audit_key=args.new_audit_key,
        seen=_bar_for(args.file, "restore"),
    )
    print(
        f"Restored {args.file} (made {done.manifest.created_at}): the database and "
        f"{done.manifest.blob_count} files of the blob store."
    )
    if services.signed_elsewhere(done.manifest):  # --new-audit-key: nothing vouched for it
        print(_NOT_VOUCHED.format(theirs=done.manifest.audit_key_id), file=sys.stderr)
    if done.audit_problem is None:
        print(f"The audit log verifies: {done.audit_checked} entries.")
    else:
        print(f"The audit log does not verify: {done.audit_problem}.", file=sys.stderr)
    print(RESEALING_STEPS)
    return 0 if done.audit_problem is None or args.new_audit_key else 1


# After a restore: the secrets that are not in a backup, by design, one step at a time.
RESEALING_STEPS = """\
Not in the backup, by design: SECRET_KEY, the audit key and the alert and exchange services'
unlock secrets. Before anyone uses this instance:
  1. SECRET_KEY. A new AEGIS_HOME made its own. If you restored over the old instance
     (--replace), or the old machine may be in other hands, make a new one:
         aegis backup new-secret-key
     Everyone signs in again, with their own passwords; nothing stored depends on it.
  2. The alert service key. It is in the database, sealed. Start the server and the worker
     with the same unlock secret as before. If that secret is lost, or was on a machine that
     may be in other hands, seal the key under a new one with the recovery key:
         aegis seal-service-key --recovery-key-file RECOVERY-KEY-FILE
     It prints the new unlock secret: keep it as you kept the old one. The exchange with
     partner organisations has a key of its own, sealed the same way under the secret in
     AEGIS_EXCHANGE_UNLOCK (or AEGIS_EXCHANGE_UNLOCK_FILE); lost, or on such a machine:
         aegis seal-service-key --service exchange --recovery-key-file RECOVERY-KEY-FILE
  3. The audit log. Check it verifies (it needs the old instance's audit key, kept offline
     beside the recovery key, in AEGIS_HOME/secrets/audit_key or AEGIS_AUDIT_KEY_FILE):
         aegis audit verify
  4. Start 'aegis serve' and 'aegis worker', sign in as a staff member and open a case.
  5. Make a fresh backup of the restored instance and check it opens:
         aegis backup create
         aegis backup verify FILE --key-file RECOVERY-KEY-FILE"""


def cmd_backup_new_secret_key(args: argparse.Namespace) -> int:
    """A new SECRET_KEY in AEGIS_HOME/secrets (after a restore over a seized instance)."""
    _setup()
    from .backups import services

    where = services.new_secret_key()
    print(
        f"A new SECRET_KEY is in {where}. Restart 'aegis serve' and 'aegis worker': everyone "
        "signs in again."
    )
    return 0


def cmd_backup_identity(args: argparse.Namespace) -> int:
    """The recovery key as an age identity, for `age -d -i` (a secret: print it offline)."""
    _setup()
    from .backups import age_keys
    from .backups.errors import BackupError

    try:
        print(age_keys.identity_text(_key_text(args.key_file)))
    except age_keys.KeyNotUsable as error:
        raise BackupError(f"The key given is not usable: {error}.") from error
    return 0


def cmd_backup_list(args: argparse.Namespace) -> int:
    _setup()
    from . import clock
    from .backups import selectors, services

    listed = selectors.backups()
    if not listed:
        print(f"No backups in {services.backup_dir()}.")
        return 0
    now = clock.now()
    print(f"Backups in {services.backup_dir()}, newest first:")
    for backup in listed:
        print(f"  {backup.path.name}  {_size(backup.size):>9}  {_age(backup.age(now))} old")
    return 0


def _backup_parser(sub: Any) -> None:
    backup = sub.add_parser(
        "backup", help="encrypted backups (age, to the organisation recovery key)"
    )
    actions = backup.add_subparsers(dest="action", required=True)
    p = actions.add_parser("create", help="back up the database and the blob store now")
    p.add_argument("--out", metavar="FILE", help="default: a new file in AEGIS_BACKUP_DIR")
    p.add_argument(
        "--recipient",
        action="append",
        default=[],
        metavar="AGE1…",
        help="also encrypt to this age X25519 recipient (repeatable)",
    )
    p.set_defaults(func=cmd_backup_create, needs_instance=True)
    for name, func, text in (
        ("verify", cmd_backup_verify, "decrypt and check every part, restoring nothing"),
        ("restore", cmd_backup_restore, "restore into an empty AEGIS_HOME or database"),
    ):
        p = actions.add_parser(name, help=text)
        p.add_argument("file")
        p.add_argument(
            "--key-file",
            help="the recovery key as 'aegis init' printed it, or an age identity file "
            "(default: standard input)",
        )
        p.set_defaults(func=func)
    p.add_argument(
        "--replace", action="store_true", help="overwrite a non-empty instance (stop it first)"
    )
    p.add_argument(
        "--new-audit-key",
        action="store_true",
        help="restore without the old audit key: the old audit entries can then not be verified",
    )
    p = actions.add_parser(
        "identity", help="print the recovery key as an age identity (for 'age -d -i')"
    )
    p.add_argument("--key-file", help="the recovery key file (default: standard input)")
    p.set_defaults(func=cmd_backup_identity)
    p = actions.add_parser("list", help="the backups in AEGIS_BACKUP_DIR, their age and size")
    p.set_defaults(func=cmd_backup_list)
    p = actions.add_parser(
        "new-secret-key", help="replace SECRET_KEY in AEGIS_HOME/secrets (after a restore)"
    )
    p.set_defaults(func=cmd_backup_new_secret_key)


def _run(args: argparse.Namespace) -> int:
    """A command's exit status; a broken rule is its message on stderr and status 1, like
    any other refusal of this command, never a traceback."""
    from .rules import RuleError

    if getattr(args, "needs_instance", False):
        _require_instance()
    try:
        return int(args.func(args) or 0)
    except RuleError as broken:
        if _Interrupt.seen:  # e.g. "Cannot write …" of a write that Ctrl-C cut short
            raise KeyboardInterrupt from broken
        print(broken.message, file=sys.stderr)
        return 1


# Commands whose output files are removed when stopped (a temporary name, or removed on the
# way out): only they can say that nothing was written.
WRITING_COMMANDS = frozenset(
    {
        ("backup", "create"),
        ("exchange", "export"),
        ("audit", "checkpoint"),
        ("ledger", "checkpoint"),
    }
)


class _Interrupt:
    """Ctrl-C, remembered: a library may turn the KeyboardInterrupt raised inside its
    callback into an error of its own (pyrage: an OSError), which is still an interruption."""

    seen = False

    @classmethod
    def handler(cls, signum: int, frame: Any) -> None:
        cls.seen = True
        raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """`aegis ARGV`: Ctrl-C anywhere, start-up included, is one line and exit status 130."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _Interrupt.seen = False
    previous = signal.getsignal(signal.SIGINT)
    # Not where Ctrl-C is ignored (nohup, &), nor outside the main thread (not allowed).
    ours = previous is signal.default_int_handler and threading.current_thread() is (
        threading.main_thread()
    )
    if ours:
        signal.signal(signal.SIGINT, _Interrupt.handler)
    try:
        return _main(argv)
    except EOFError:
        # Ctrl-D at a prompt, or piped input that ran out: every command asks its questions
        # before it writes (aegis init says so itself), so this one line is all there is.
        print(
            ("\n" if sys.stderr.isatty() else "")
            + "Stopped: the input ended before an answer was given.",
            file=sys.stderr,
        )
        return 2
    except (KeyboardInterrupt, Exception) as error:
        if not isinstance(error, KeyboardInterrupt) and not _Interrupt.seen:
            raise
        writes = tuple(argv[:2]) in WRITING_COMMANDS
        said = "Interrupted: nothing was written." if writes else "Interrupted."
        # On a terminal the cursor may stand after a prompt or a progress bar.
        print(("\n" if sys.stderr.isatty() else "") + said, file=sys.stderr)
        return 130
    finally:
        if ours:
            signal.signal(signal.SIGINT, previous)


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="aegis", description="Aegis protection platform")
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("init", help="migrate, create the organisation's keys and the first admin")
    p.add_argument("--admin-username")
    p.add_argument("--admin-password-file", help="read the admin's first password from this file")
    p.add_argument(
        "--no-input", action="store_true", help="never prompt (fails if details are missing)"
    )
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("demo", help="a throwaway instance with fictional data, web and worker")
    p.add_argument("--addr", default="127.0.0.1:8000")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("serve", help="production web server (put it behind a TLS reverse proxy)")
    p.add_argument("--addr", default="127.0.0.1:8000")
    p.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 1) + 1))
    p.add_argument("--threads", type=int, default=4)
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("worker", help="run background tasks and the alert loop")
    p.add_argument("--interval", type=float, default=1.0, help="task queue polling, seconds")
    p.add_argument(
        "--send-interval",
        type=float,
        default=None,
        help="alert outbox polling, seconds (default AEGIS_ALERT_SEND_INTERVAL or 0.2)",
    )
    p.set_defaults(func=cmd_worker)
    p = sub.add_parser("wipe", help="DURESS: destroy every key so nothing protected can be read")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_wipe)
    p = sub.add_parser(
        "recover", help="restore a person's access with the organisation recovery key"
    )
    p.add_argument("--username", required=True)
    p.add_argument("--recovery-key-file")
    p.add_argument("--password-file", help="read the new password from this file")
    p.set_defaults(func=cmd_recover, needs_instance=True)
    p = sub.add_parser("grant-search-key", help="key ceremony: give case staff the search key")
    p.add_argument("--username", help="a caseworker or coordinator")
    p.add_argument(
        "--alert-service",
        action="store_true",
        help=(
            "the alert service, to recognise defenders' numbers in inbound SMS and protected "
            "people's names in the monitored news"
        ),
    )
    p.add_argument("--recovery-key-file")
    p.set_defaults(func=cmd_grant_search_key, needs_instance=True)
    p = sub.add_parser(
        "seal-service-key",
        help="seal a service key under a new unlock secret (older instances, lost secret)",
    )
    p.add_argument(
        "--service",
        choices=("alerts", "exchange"),
        default="alerts",
        help="whose key: the alert service's (default) or the exchange with partners'",
    )
    p.add_argument("--unlock-file", help="read the new unlock secret from this file")
    p.add_argument("--recovery-key-file", help="open the key with the organisation recovery key")
    p.add_argument(
        "--with-recovery-key", action="store_true", help="ask for the organisation recovery key"
    )
    p.add_argument("--no-input", action="store_true", help="never prompt: generate the secret")
    p.set_defaults(func=cmd_seal_service_key, needs_instance=True)
    p = sub.add_parser(
        "bench",
        help="run benchmarks from bench/",
        epilog="Other options go to the benchmark: aegis bench alerts --alerts 100",
    )
    p.add_argument("names", nargs="*")
    p.set_defaults(func=cmd_bench)
    _backup_parser(sub)

    if argv and argv[0] in sub.choices:
        args, extra = parser.parse_known_args(argv)
        if extra and args.command != "bench":
            parser.error(f"unrecognised arguments: {' '.join(extra)}")
        args.extra = extra  # a benchmark's own options: aegis bench alerts --alerts 100
        return _run(args)
    if not argv or argv[0] in {"-h", "--help"}:
        parser.print_help()
        print(MORE_COMMANDS)
        return 0
    if _needs_instance(argv):
        _require_instance()
    else:
        _setup()
    _manage(*argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
