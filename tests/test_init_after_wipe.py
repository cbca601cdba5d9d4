"""`aegis init` as an administrator runs it for real, in a subprocess: after a wipe whose
accounts keep their usernames, with nothing more to read at a prompt, and at a terminal
where the first administrator's username and password are asked for."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli import ADMIN_PASSWORD, BACKUP_CODES, RECOVERY_KEY, _tables, aegis, init

pytestmark = pytest.mark.engine_independent  # each run has its own SQLite home

# Runs inside the instance: is it still wiped (no recovery key, the public form closed),
# and who has an account and second factors.
STATE = """
import json
from aegis.accounts.models import User
from aegis.vault import selectors
from aegis.vault.models import Keypair
from django_otp.plugins.otp_static.models import StaticToken
print("STATE " + json.dumps({
    "wiped": selectors.wiped(),
    "recovery_keys": Keypair.objects.filter(kind=Keypair.Kind.RECOVERY).count(),
    "service_keys": Keypair.objects.filter(kind=Keypair.Kind.SERVICE).count(),
    "admins": sorted(User.objects.filter(groups__name="admin").values_list("username", flat=True)),
    "backup_codes": {
        name: sorted(StaticToken.objects.filter(device__user__username=name).values_list(
            "token", flat=True))
        for name in User.objects.values_list("username", flat=True)
    },
}))
"""


def state(home: Path) -> dict:
    result = aegis(home, "shell", "-c", STATE)
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("STATE ")]
    return json.loads(line.removeprefix("STATE "))


def _env(home: Path) -> dict[str, str]:
    """As test_cli.aegis runs it, and with no alert unlock secret supplied (tests/settings.py
    sets one), so that init asks for it as it asks a person setting up an instance."""
    env = {k: v for k, v in os.environ.items() if k not in {"AEGIS_DATABASE_URL",
           "AEGIS_TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE", "AEGIS_ALERT_SERVICE_UNLOCK",
           "AEGIS_ALERT_SERVICE_UNLOCK_FILE", "CREDENTIALS_DIRECTORY"}}  # fmt: skip
    env.update(AEGIS_HOME=str(home), AEGIS_KDF_PROFILE="test")
    return env


@pytest.fixture(scope="module")
def wiped_template(tmp_path_factory) -> Path:
    """An instance where 'ana' was the first administrator, then wiped."""
    home = tmp_path_factory.mktemp("wiped")
    assert init(home, ADMIN_PASSWORD, username="ana").returncode == 0
    wiped = aegis(home, "wipe", "--yes")
    assert wiped.returncode == 0, wiped.stderr
    return home


@pytest.fixture
def wiped_home(wiped_template, tmp_path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(wiped_template, home)
    return home


def test_init_after_a_wipe_refuses_a_taken_username_and_writes_nothing(wiped_home):
    """It had made the new organisation keys, then failed on the username (IntegrityError):
    the next init said "already initialised", nobody could sign in, the recovery key was never
    shown, and the public form took reports sealed to it."""
    refused = init(wiped_home, ADMIN_PASSWORD, username="ana")
    assert refused.returncode == 2, (refused.stdout, refused.stderr)
    assert "Traceback" not in refused.stderr
    assert "someone already has the username 'ana'" in refused.stderr
    assert "before the wipe" in refused.stderr
    assert RECOVERY_KEY.search(refused.stdout + refused.stderr) is None
    after = state(wiped_home)
    assert after["wiped"] is True  # the public form still takes no reports
    assert after["recovery_keys"] == after["service_keys"] == 0
    assert after["admins"] == ["ana"]  # the account from before the wipe, untouched

    # Another name sets the instance up again, with every backup code shown.
    done = init(wiped_home, ADMIN_PASSWORD, username="bea")
    assert done.returncode == 0, done.stderr
    assert len(RECOVERY_KEY.findall(done.stdout)) == 1
    [codes] = BACKUP_CODES.findall(done.stdout)
    now = state(wiped_home)
    assert now["wiped"] is False and now["recovery_keys"] == 1
    assert now["admins"] == ["ana", "bea"]
    assert sorted(codes.split()) == now["backup_codes"]["bea"]
    assert len(codes.split()) == 10


def test_init_prints_every_backup_code_of_the_first_administrator(tmp_path):
    result = init(tmp_path, ADMIN_PASSWORD, username="chidi")
    assert result.returncode == 0, result.stderr
    [codes] = BACKUP_CODES.findall(result.stdout)
    assert sorted(codes.split()) == state(tmp_path)["backup_codes"]["chidi"]
    assert len(codes.split()) == 10  # accounts.BACKUP_CODES


def test_init_at_the_end_of_piped_input_says_so_and_writes_nothing(tmp_path):
    """`echo | aegis init`: an empty username, then nothing more to read. It had accepted the
    empty username and ended in an EOFError traceback at the password."""
    proc = subprocess.run(
        [sys.executable, "-m", "aegis.cli", "init"],
        env=_env(tmp_path),
        cwd=tmp_path,
        input="\n",
        capture_output=True,
        text=True,
        timeout=180,
        start_new_session=True,  # no controlling terminal: getpass reads the pipe
    )
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stdout.count("First administrator's username:") == 2  # the empty one asked again
    assert "the input ended before an answer was given" in proc.stderr
    assert not _tables(tmp_path / "aegis.sqlite3")


class Terminal:
    """`aegis ARGS` on a pseudo-terminal of its own, answered as a person would: each answer
    typed once its question shows (getpass flushes what was typed before it asks)."""

    def __init__(self, home: Path, *args: str) -> None:
        self.master, child = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aegis.cli", *args],
            env=_env(home),
            cwd=home,
            stdin=child,
            stdout=child,
            stderr=child,
            start_new_session=True,  # /dev/tty is not ours: getpass uses this terminal
        )
        os.close(child)
        self.shown = ""
        self.read_to = 0

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        try:
            chunk = os.read(self.master, 65536) if ready else b""
        except OSError:  # the process closed its end
            chunk = b""
        self.shown += chunk.decode(errors="replace").replace("\r", "")
        return bool(chunk)

    def expect(self, text: str, timeout: float = 120) -> str:
        """What was shown up to and including `text`, which must show next."""
        while (at := self.shown.find(text, self.read_to)) < 0:
            if not self._read(timeout):
                pytest.fail(f"never showed {text!r}; it showed: {self.shown[-3000:]}")
        said, self.read_to = self.shown[self.read_to : at + len(text)], at + len(text)
        return said

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def finish(self) -> tuple[int, str]:
        while self._read(120):
            pass
        os.close(self.master)
        return self.proc.wait(timeout=60), self.shown[self.read_to :]


def test_init_at_a_terminal_asks_again_and_twice_for_the_password(wiped_home):
    """An empty username is asked again at once (it had been refused only at the end, with
    advice for --no-input), a taken one too, and the password is typed twice."""
    term = Terminal(wiped_home, "init")
    term.expect("First administrator's username: ")
    term.type("\n")
    term.expect("First administrator's username: ")
    term.type("ana\n")
    said = term.expect("First administrator's username: ")
    assert "someone already has the username 'ana'" in said
    term.type("bea\n")
    term.expect("First administrator's password (12+ characters): ")
    term.type("short\n")
    assert "too short" in term.expect("First administrator's password (12+ characters): ")
    term.type(ADMIN_PASSWORD + "\n")
    term.expect("The same password again: ")
    term.type(ADMIN_PASSWORD + " but not the same\n")
    assert "not the same" in term.expect("First administrator's password (12+ characters): ")
    term.type(ADMIN_PASSWORD + "\n")
    term.expect("The same password again: ")
    term.type(ADMIN_PASSWORD + "\n")
    term.expect("press Enter to have one generated): ")
    term.type("\n")
    code, rest = term.finish()
    assert code == 0, term.shown[-3000:]
    assert "Aegis is initialised." in rest and "username: bea" in rest
    assert ADMIN_PASSWORD not in term.shown  # typed unseen, never echoed
    assert state(wiped_home)["admins"] == ["ana", "bea"]


def test_ctrl_d_at_a_prompt_of_init_stops_before_anything_is_written(tmp_path):
    """The alert service's unlock secret was asked after the migrations: Ctrl-D there was a
    traceback, with the database made and no instance in it."""
    password_file = tmp_path / "admin-password"
    password_file.write_text(ADMIN_PASSWORD + "\n")
    term = Terminal(
        tmp_path, "init", "--admin-username", "dana", "--admin-password-file", str(password_file)
    )
    term.expect("unlock secret (16+ characters; press Enter to have one generated): ")
    term.type("\x04")  # Ctrl-D
    code, rest = term.finish()
    assert code == 2, term.shown[-3000:]
    assert "Traceback" not in term.shown
    assert "the input ended before an answer was given" in rest
    assert not _tables(tmp_path / "aegis.sqlite3")
