"""The `aegis` command where things go wrong: an unreadable password or signature file, an
AEGIS_HOME that holds no instance, Ctrl-C, an output file that exists already, and age's
own words for a damaged backup. Each answer is one line in words and a non-zero exit."""

from __future__ import annotations

import base64
import os
import signal
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pyrage
import pytest
from django.core.management import CommandError, call_command
from pyrage import x25519

from aegis import cli
from aegis.audit.models import AuditCheckpoint
from aegis.exchange.models import Export
from tests.conftest import PASSWORD
from tests.exchange import conftest as exchange_fixtures
from tests.test_cli import aegis, init

# The exchange tests' desk (lucia, a case she may share) and partner, and their unlock secret.
desk = exchange_fixtures.desk
partner = exchange_fixtures.partner
partner_keys = exchange_fixtures.partner_keys
exchange_unlock = exchange_fixtures.exchange_unlock


def _exchange(*args: str) -> str:
    out = StringIO()
    call_command("exchange", *args, stdout=out)
    return out.getvalue()


def _export_args(desk: Any, out: Path, *extra: str) -> list[str]:
    return [
        "export",
        "--partner",
        "Casa Andina",
        "--case",
        desk.case.reference,
        "--profile",
        "coded",
        "--out",
        str(out),
        "--username",
        "lucia",
        *extra,
    ]


# --- 1. Files that cannot be read ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_export_with_an_unreadable_password_file_says_why(desk, partner, tmp_path, kind):
    password_file = tmp_path / "password"
    if kind == "folder":
        password_file.mkdir()
    out = tmp_path / "bundle.age"
    with pytest.raises(CommandError, match=rf"^Cannot read {password_file}: \w"):
        _exchange(*_export_args(desk, out, "--password-file", str(password_file)))
    assert not out.exists() and not Export.objects.exists()


def test_import_with_a_folder_as_its_signature_says_why(desk, partner, tmp_path):
    bundle = tmp_path / "bundle.age"
    bundle.write_bytes(b"age-encryption.org/v1\n")
    folder = tmp_path / "signatures"
    folder.mkdir()
    with pytest.raises(CommandError, match=rf"^Cannot read {folder}: Is a directory\.$"):
        _exchange("import", str(bundle), "--signature", str(folder), "--compartment", "Andes")


def test_init_with_a_missing_password_file_says_why(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    status = cli.main(
        ["init", "--admin-username", "root", "--admin-password-file", str(missing), "--no-input"]
    )
    assert status == 1
    assert capsys.readouterr().err == f"Cannot read {missing}: No such file or directory.\n"


# --- 2. An AEGIS_HOME that holds no instance ----------------------------------------------


@pytest.mark.engine_independent
@pytest.mark.slow
def test_a_home_without_an_instance_is_named_and_no_key_is_made_for_it(tmp_path):
    home = tmp_path / "mistyped-home"
    home.mkdir()
    for command in (
        ["audit", "verify"],
        ["ledger", "verify"],
        ["audit", "checkpoint", "--out", str(tmp_path / "cp")],
        ["backup", "create", "--out", str(tmp_path / "b.age")],
        ["exchange", "identity"],
        ["audit", "public-key"],  # was: a new key, of no instance, printed with exit 0
    ):
        result = aegis(home, *command)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stdout == "", command
        assert result.stderr == (
            f"aegis: AEGIS_HOME={home} holds no Aegis instance: run 'aegis init', or check "
            "the path.\n"
        ), command
    assert not (home / "aegis.sqlite3").exists()  # no database made in the wrong folder
    assert not list(tmp_path.glob("cp*")) and not (tmp_path / "b.age").exists()
    made = init(home, "a long admin passphrase 7")  # and it still becomes one
    assert made.returncode == 0, made.stderr
    assert aegis(home, "audit", "verify").returncode == 0


# --- 3. Ctrl-C ----------------------------------------------------------------------------


@pytest.fixture
def ctrl_c_raises():
    """Ctrl-C as on a terminal (a test runner's worker may ignore SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _press_ctrl_c(*_args: Any, **_kwargs: Any) -> Any:
    """The real signal, to this process: whatever Python code runs next raises."""
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
    raise AssertionError("SIGINT did not interrupt")


def test_ctrl_c_at_start_up_is_one_line_and_exit_130(ctrl_c_raises, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_setup", _press_ctrl_c)
    assert cli.main(["audit", "verify"]) == 130
    captured = capsys.readouterr()
    assert captured.err == "Interrupted.\n" and captured.out == ""


def test_ctrl_c_at_the_backup_key_prompt(ctrl_c_raises, monkeypatch, capsys, tmp_path):
    class Keyboard:
        def isatty(self) -> bool:
            return False

        read = staticmethod(_press_ctrl_c)

    monkeypatch.setattr("sys.stdin", Keyboard())
    assert cli.main(["backup", "verify", str(tmp_path / "b.age")]) == 130
    assert capsys.readouterr().err == "Interrupted.\n"


def test_ctrl_c_at_the_export_password_prompt_writes_nothing(
    ctrl_c_raises, monkeypatch, capsys, desk, partner, tmp_path
):
    from django.db import connections

    from aegis.exchange.management.commands import exchange

    monkeypatch.setattr(exchange.getpass, "getpass", _press_ctrl_c)
    monkeypatch.setattr(connections, "close_all", lambda: None)  # the test's database
    folder = tmp_path / "out"  # tmp_path holds the fixtures' media and keys
    folder.mkdir()
    assert cli.main(["exchange", *_export_args(desk, folder / "bundle.age")]) == 130
    assert capsys.readouterr().err == "Interrupted: nothing was written.\n"
    assert list(folder.iterdir()) == [] and not Export.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("during", ["snapshot", "encryption"])
def test_ctrl_c_during_a_backup_leaves_no_file(
    ctrl_c_raises, monkeypatch, capsys, organisation, tmp_path, during
):
    from aegis.backups import archive, snapshot

    if during == "snapshot":
        monkeypatch.setattr(snapshot, "take", _press_ctrl_c)
    else:
        # Pressed while age encrypts (the main thread is inside pyrage, which reads the tar
        # from a pipe): pyrage turns the KeyboardInterrupt into an error of its own.
        read = archive.Hashing.read
        pressed: list[bool] = []

        def reading(self: Any, size: int | None = -1) -> bytes:
            if not pressed:
                pressed.append(True)
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.5)  # the main thread takes the signal meanwhile
            return read(self, size)

        monkeypatch.setattr(archive.Hashing, "read", reading)
    out = tmp_path / "b.age"
    assert cli.main(["backup", "create", "--out", str(out)]) == 130
    assert capsys.readouterr().err == "Interrupted: nothing was written.\n"
    assert list(tmp_path.iterdir()) == []


# --- 4. Files that exist already ----------------------------------------------------------


@pytest.mark.parametrize("existing", ["bundle", "signature"])
def test_export_never_replaces_a_bundle_or_its_signature(desk, partner, tmp_path, existing):
    folder = tmp_path / "out"  # tmp_path holds the fixtures' media and keys
    folder.mkdir()
    password_file = folder / "password"
    password_file.write_text(PASSWORD)
    out = folder / "bundle.age"
    there = out if existing == "bundle" else Path(f"{out}.minisig")
    there.write_text("sent last week")
    with pytest.raises(CommandError, match=rf"^{there} exists already: give another --out\.$"):
        _exchange(*_export_args(desk, out, "--password-file", str(password_file)))
    assert there.read_text() == "sent last week"
    assert sorted(folder.iterdir()) == sorted([password_file, there])
    assert not Export.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("existing", ["", ".minisig"])
def test_checkpoint_never_replaces_an_older_one(tmp_path, existing):
    from aegis.audit import services as audit

    audit.record("login", actor_id=1, object_type="user", object_id=1)
    out = tmp_path / "checkpoint.json"
    there = Path(f"{out}{existing}")
    there.write_text("kept by the auditor")
    with pytest.raises(CommandError, match=rf"^{there} exists already: give another --out\.$"):
        call_command("audit", "checkpoint", "--out", str(out), stdout=StringIO())
    assert there.read_text() == "kept by the auditor"
    assert list(tmp_path.iterdir()) == [there]
    assert not AuditCheckpoint.objects.exists()  # none signed for nothing


# --- 5. age's words -----------------------------------------------------------------------


def test_a_damaged_backup_is_not_blamed_on_an_old_version(tmp_path):
    """pyrage says "Unknown age format.\\nHave you tried upgrading to the latest version?"
    of a damaged header: the advice is wrong here, and its "?." read as a typing mistake."""
    from aegis.backups import services
    from aegis.backups.errors import BackupError

    key = x25519.Identity.generate()
    data = bytearray(pyrage.encrypt(b"x" * 100, [key.to_public()]))
    data[19:20] = b"Z"  # the version in the header
    text = base64.b64encode(bytes(data)).decode()
    path = tmp_path / "damaged.age"
    path.write_text(
        "-----BEGIN AGE ENCRYPTED FILE-----\n"
        + "\n".join(text[i : i + 64] for i in range(0, len(text), 64))
        + "\n-----END AGE ENCRYPTED FILE-----\n"
    )
    with pytest.raises(BackupError) as refused:
        services.verify_backup(path, str(key))
    said = str(refused.value)
    assert said.endswith("(cut short or altered): Unknown age format.")
    assert "upgrading" not in said and "\n" not in said
