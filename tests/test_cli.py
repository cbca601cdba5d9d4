"""The `aegis` command run as a real subprocess against a throwaway SQLite instance:
init (recovery key shown once, backup codes, idempotence, weak passwords), wipe's refusal
without confirmation, audit verify, and the help text."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from aegis.cli import served_base_url
from aegis.vault.services import format_recovery_key, parse_recovery_key

ADMIN = "root-admin"
ADMIN_PASSWORD = "a long admin passphrase 7"
# format_recovery_key: base32 of a 32-byte key without padding (52 chars) in groups of 4.
RECOVERY_KEY = re.compile(r"(?<![A-Z2-7-])[A-Z2-7]{4}(?:-[A-Z2-7]{4}){12}(?![A-Z2-7-])")
BACKUP_CODES = re.compile(r"backup codes \(each works once\): (.+)")

# Every test here runs `aegis` in a subprocess on its own SQLite home (the test's database
# settings are dropped), so the PostgreSQL pass would repeat the same runs.
pytestmark = pytest.mark.engine_independent


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def aegis(home: Path, *args: str, extra_env: dict[str, str] | None = None) -> Result:
    """Run `aegis ARGS` the way a person would, with no terminal on stdin."""
    env = dict(os.environ)
    for name in ("AEGIS_DATABASE_URL", "AEGIS_TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(AEGIS_HOME=str(home), AEGIS_KDF_PROFILE="test", **(extra_env or {}))
    proc = subprocess.run(
        [sys.executable, "-m", "aegis.cli", *args],
        env=env,
        cwd=home,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def init(home: Path, password: str, username: str = ADMIN) -> Result:
    password_file = home / "admin-password"
    password_file.write_text(password + "\n")
    return aegis(
        home,
        "init",
        "--admin-username",
        username,
        "--admin-password-file",
        str(password_file),
        "--no-input",
    )


# Runs inside the instance (through `aegis shell -c`): does the printed recovery key really
# belong to this instance, and were the printed admin details really created?
CHECK = """
import json, os
from nacl.public import PrivateKey
from aegis.accounts.models import User
from aegis.vault import crypto, services as vault
from aegis.vault.models import Keypair
from aegis.vault.selectors import keypair_for_user
from django_otp.plugins.otp_static.models import StaticToken

key_text = os.environ["CHECK_RECOVERY_KEY"]
chain = vault.recovery_keychain(key_text)
user = User.objects.get(username=os.environ["CHECK_USERNAME"])
keypair = keypair_for_user(user.pk)
recovered = PrivateKey(
    crypto.unseal(vault.parse_recovery_key(key_text), bytes(keypair.recovery_sealed_private_key))
)
unlocked = vault.unlock_user_keypair(keypair, os.environ["CHECK_PASSWORD"])
print("CHECK " + json.dumps({
    "recovery_keypairs": Keypair.objects.filter(kind=Keypair.Kind.RECOVERY).count(),
    "index_key_opens": len(chain.data_key(vault.index_key_id())) == 32,
    "recovery_opens_admin_key": bytes(recovered.public_key) == bytes(keypair.public_key),
    "password_opens_admin_key": bytes(unlocked.public_key) == bytes(keypair.public_key),
    "role": user.role.value if user.role else None,
    "password_ok": user.check_password(os.environ["CHECK_PASSWORD"]),
    "backup_codes": sorted(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    ),
}))
"""


def check_instance(home: Path, recovery_key: str) -> dict:
    result = aegis(
        home,
        "shell",
        "-c",
        CHECK,
        extra_env={
            "CHECK_RECOVERY_KEY": recovery_key,
            "CHECK_USERNAME": ADMIN,
            "CHECK_PASSWORD": ADMIN_PASSWORD,
        },
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("CHECK ")]
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0].removeprefix("CHECK "))


@dataclass
class Instance:
    home: Path
    first_init: Result

    @property
    def recovery_key(self) -> str:
        return RECOVERY_KEY.findall(self.first_init.stdout)[0]


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> Instance:
    home = tmp_path_factory.mktemp("aegis-home")
    return Instance(home, init(home, ADMIN_PASSWORD))


def test_help_lists_the_commands(tmp_path):
    result = aegis(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    # The management commands too, which the parser does not list (an administrator reading
    # the help had found no trace of them).
    commands = ("init", "demo", "serve", "worker", "wipe", "bench", "audit", "exchange", "migrate")
    for command in commands:
        assert re.search(rf"^\s+{command}\s+\S", result.stdout, re.MULTILINE), (
            command,
            result.stdout,
        )
    assert "more commands (each with its own --help)" in result.stdout


def test_init_prints_the_recovery_key_exactly_once_and_backup_codes(instance):
    result = instance.first_init
    assert result.returncode == 0, result.stderr
    assert "Aegis is initialised." in result.stdout
    keys = RECOVERY_KEY.findall(result.stdout)
    assert len(keys) == 1, result.stdout
    key = keys[0]
    assert result.stdout.count(key) == 1
    # The exact format of format_recovery_key, and it round-trips through the parser.
    assert format_recovery_key(parse_recovery_key(key)) == key
    assert f"username: {ADMIN}" in result.stdout
    assert ADMIN_PASSWORD not in result.stdout + result.stderr  # never echo the password back
    assert "Setting up the database" not in result.stderr  # no bar where no terminal shows it
    codes_lines = BACKUP_CODES.findall(result.stdout)
    assert len(codes_lines) == 1, result.stdout
    printed_codes = codes_lines[0].split()
    assert len(printed_codes) == 10
    assert all(re.fullmatch(r"[a-z2-7]{8}", code) for code in printed_codes), printed_codes

    # What was printed is what the instance holds.
    state = check_instance(instance.home, key)
    assert state["recovery_keypairs"] == 1
    assert state["index_key_opens"] is True
    assert state["recovery_opens_admin_key"] is True
    assert state["password_opens_admin_key"] is True
    assert state["role"] == "admin"
    assert state["password_ok"] is True
    assert set(printed_codes) <= set(state["backup_codes"])


def test_init_shows_the_migrations_progress_on_a_terminal(tmp_path):
    """Making the database (a table from each model, then the data migrations) takes seconds
    here and longer on a slow laptop: on a terminal a bar counts its steps (on stderr), and
    then the instance's details follow as usual."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    password_file = tmp_path / "admin-password"
    password_file.write_text(ADMIN_PASSWORD + "\n")
    env = {k: v for k, v in os.environ.items() if k not in {"AEGIS_DATABASE_URL",
           "AEGIS_TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE"}}  # fmt: skip
    env.update(AEGIS_HOME=str(tmp_path), AEGIS_KDF_PROFILE="test")
    terminal, stderr = pty.openpty()
    fcntl.ioctl(stderr, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "aegis.cli", "init", "--admin-username", ADMIN,
         "--admin-password-file", str(password_file), "--no-input"],
        env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
    )  # fmt: skip
    os.close(stderr)
    shown = b""
    while True:
        ready, _, _ = select.select([terminal], [], [], 180)
        try:
            chunk = os.read(terminal, 65536) if ready else b""
        except OSError:  # the process closed its end
            chunk = b""
        if not chunk:
            break
        shown += chunk
    os.close(terminal)
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    assert proc.wait(timeout=60) == 0, shown[-2000:]
    frames = shown.decode(errors="replace").replace("\r", "\n").splitlines()
    bars = [f for f in frames if f.startswith("Setting up the database:")]
    steps = re.search(r"(\d+)/(\d+) \[", bars[-1]) if bars else None
    assert steps and steps.group(1) == steps.group(2) and int(steps.group(2)) > 50, bars[-3:]
    assert "Aegis is initialised." in stdout
    assert len(RECOVERY_KEY.findall(stdout)) == 1


def test_second_init_says_already_initialised_and_prints_no_new_key(instance):
    again = init(instance.home, ADMIN_PASSWORD, username="someone-else")
    assert again.returncode == 0, again.stderr
    assert "already initialised" in again.stdout
    assert RECOVERY_KEY.search(again.stdout + again.stderr) is None, again.stdout
    assert "backup codes" not in again.stdout
    assert "someone-else" not in again.stdout
    # The first key is still the organisation's only recovery key.
    state = check_instance(instance.home, instance.recovery_key)
    assert state["recovery_keypairs"] == 1
    assert state["index_key_opens"] is True


def _tables(database: Path) -> list[str]:
    if not database.exists():
        return []
    with closing(sqlite3.connect(database)) as db:
        return [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short pw", "too short"), ("381946205713", "entirely numeric")],
)
def test_init_refuses_a_weak_password_with_exit_2(tmp_path, password, reason):
    result = init(tmp_path, password)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "The password is not accepted" in result.stderr
    assert reason in result.stderr
    assert RECOVERY_KEY.search(result.stdout + result.stderr) is None
    assert "initialised" not in result.stdout
    # Refused before the migrations (many seconds on a slow machine), which wrote nothing.
    assert not _tables(tmp_path / "aegis.sqlite3")
    # Nothing was half-created: a second attempt with a good password initialises the instance.
    retry = init(tmp_path, ADMIN_PASSWORD)
    assert retry.returncode == 0, retry.stderr
    assert len(RECOVERY_KEY.findall(retry.stdout)) == 1


def test_init_without_details_and_no_input_exits_2(tmp_path):
    result = aegis(tmp_path, "init", "--no-input")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "--admin-username" in result.stderr
    assert RECOVERY_KEY.search(result.stdout) is None


def test_wipe_without_yes_and_no_tty_refuses_with_exit_2(instance):
    result = aegis(instance.home, "wipe")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Refusing to wipe" in result.stderr
    assert "Wiped" not in result.stdout
    # The keys are untouched.
    state = check_instance(instance.home, instance.recovery_key)
    assert state["index_key_opens"] is True
    assert state["password_opens_admin_key"] is True


def test_audit_verify_on_a_fresh_instance_says_intact(instance):
    result = aegis(instance.home, "audit", "verify")
    assert result.returncode == 0, result.stderr
    match = re.search(r"Audit log intact: (\d+) entr(?:y|ies) verified", result.stdout)
    assert match, result.stdout
    assert int(match.group(1)) >= 1  # at least the creation of the first administrator


def test_audit_verify_names_a_tampered_entry_and_exits_non_zero(tmp_path):
    import sqlite3

    home = tmp_path / "tampered"
    home.mkdir()
    init(home, ADMIN_PASSWORD)
    db = sqlite3.connect(home / "aegis.sqlite3")
    db.execute("UPDATE audit_auditentry SET actor_id = 4242 WHERE seq = 1")
    db.commit()
    db.close()
    result = aegis(home, "audit", "verify")
    assert result.returncode == 1
    assert "entry 1: was changed" in result.stderr


def test_the_time_zone_comes_from_the_environment_and_a_wrong_one_is_named(tmp_path):
    show = ("shell", "-c", "from django.conf import settings; print(settings.TIME_ZONE)")
    bogota = aegis(tmp_path, *show, extra_env={"AEGIS_TIME_ZONE": "America/Bogota"})
    assert bogota.returncode == 0, bogota.stderr
    assert bogota.stdout.strip().splitlines()[-1] == "America/Bogota"
    assert aegis(tmp_path, *show).stdout.strip().splitlines()[-1] == "UTC"
    wrong = aegis(tmp_path, "check", extra_env={"AEGIS_TIME_ZONE": "Mars/Olympus"})
    assert wrong.returncode != 0
    assert "AEGIS_TIME_ZONE='Mars/Olympus' is not a time zone name" in wrong.stderr


def test_the_alert_loop_intervals_come_from_the_environment(tmp_path):
    show = (
        "shell",
        "-c",
        "from aegis.alerts import worker; print(worker.send_interval(), worker.rounds_interval())",
    )
    given = {"AEGIS_ALERT_SEND_INTERVAL": "0.5", "AEGIS_ALERT_ROUNDS_INTERVAL": "12"}
    result = aegis(tmp_path, *show, extra_env=given)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0.5 12.0"
    assert aegis(tmp_path, *show).stdout.strip().splitlines()[-1] == "0.2 5.0"


@pytest.mark.engine_independent
@pytest.mark.parametrize(
    "addr, url",
    [
        ("127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("aegis.internal:80", "http://aegis.internal:80"),
        ("[::1]:8000", "http://[::1]:8000"),
        ("0.0.0.0:8000", None),  # every interface: no address a contact could open
        ("[::]:8000", None),
        ("unix:/run/aegis/web.sock", None),
        ("127.0.0.1", None),
    ],
)
def test_the_address_served_at_gives_the_links_base(addr, url):
    assert served_base_url(addr) == url


def _serve_says(home: Path, addr: str, extra_env: dict[str, str] | None = None) -> str:
    """Start `aegis serve` and return its line about acknowledgement links; then stop it."""
    env = dict(os.environ)
    for name in ("AEGIS_DATABASE_URL", "AEGIS_TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.pop("AEGIS_BASE_URL", None)
    env.update(AEGIS_HOME=str(home), AEGIS_KDF_PROFILE="test", **(extra_env or {}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "aegis.cli", "serve", "--addr", addr, "--workers", "1"],
        env=env,
        cwd=home,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        lines: list[str] = []
        while len(lines) < 4:  # it is among the lines printed before gunicorn starts
            lines.append(proc.stderr.readline())
            if "acknowledgement links" in lines[-1]:
                return lines[-1]
        pytest.fail(f"aegis serve did not say where links point: {lines}")
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_serve_sets_the_links_base_unless_aegis_base_url_says_otherwise(instance):
    # The address itself is not logged (test_hardening): the notice names where it came from.
    said = _serve_says(instance.home, "127.0.0.1:18765")
    assert "acknowledgement links start with the address served at (--addr)" in said, said
    given = {"AEGIS_BASE_URL": "https://aegis.example.org"}
    said = _serve_says(instance.home, "127.0.0.1:18765", given)
    assert "acknowledgement links start with https://aegis.example.org (AEGIS_BASE_URL)" in said


@pytest.mark.engine_independent
def test_a_broken_rule_is_a_plain_message_and_a_non_zero_exit(capsys):
    """Every command renders a service's RuleError alike: its message on stderr, status 1."""
    import argparse

    from aegis.cli import _run
    from aegis.rules import RuleError

    def refuse(args: argparse.Namespace) -> int:
        raise RuleError("Only a coordinator can give the search key.", "username")

    assert _run(argparse.Namespace(func=refuse)) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == "Only a coordinator can give the search key."
    assert "Traceback" not in captured.err


def test_a_child_that_will_not_stop_is_killed_not_a_traceback():
    """`aegis demo` waited 10 s for its web server to stop, then ended in TimeoutExpired's
    traceback with the mail catcher and gateway still running."""
    import signal
    import subprocess
    import sys

    from aegis.cli import _ended

    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
    stubborn.terminate()
    _ended(stubborn, wait=0.5)
    assert stubborn.returncode == -signal.SIGKILL


def test_an_input_that_ends_at_a_prompt_is_one_line_not_a_traceback(instance):
    """Ctrl-D at `aegis recover`'s prompt (or its input piped from nothing) had ended in
    EOFError's traceback."""
    done = aegis(instance.home, "recover", "--username", ADMIN)
    assert done.returncode == 2, done
    assert "Stopped: the input ended before an answer was given." in done.stderr
    assert "Traceback" not in done.stderr
