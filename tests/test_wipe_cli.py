"""`aegis wipe --yes` and then `aegis init`, as real subprocesses on a throwaway SQLite
instance: the wipe destroys the receipts and says the form is closed; a receipt issued
before it opens nothing; `aegis init` sets the instance up again with new keys."""

from __future__ import annotations

import pytest

from tests.test_cli import ADMIN_PASSWORD, RECOVERY_KEY, aegis, init

# Every test here runs `aegis` in a subprocess on its own SQLite home (the test's database
# settings are dropped), so the PostgreSQL pass would repeat the same runs.
pytestmark = pytest.mark.engine_independent

SUBMIT = """
from aegis.intake import services
receipt = services.submit_report(
    services.Report(narrative="They watched the office all week.", target_kind="organisation")
)
print("CODE " + receipt.code)
"""

OPEN = """
import os
from aegis.intake import services
try:
    services.open_receipt(os.environ["CODE"])
    print("RESULT opened")
except services.NotAccepting:
    print("RESULT not accepting")
except services.ReceiptRefused:
    print("RESULT refused")
"""

SERVICE_KEY = """
from aegis.vault import service_keys
try:
    service_keys.service_keychain()
    print("RESULT opens")
except service_keys.ServiceKeyMissing:
    print("RESULT missing")
"""


def _shell(home, script: str, **env: str) -> str:
    result = aegis(home, "shell", "-c", script, extra_env=env)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith(("CODE ", "RESULT "))]
    assert len(lines) == 1, result.stdout
    return lines[0].split(" ", 1)[1]


def test_wipe_then_init_sets_the_instance_up_again(tmp_path):
    first = init(tmp_path, ADMIN_PASSWORD)
    assert first.returncode == 0, first.stderr
    code = _shell(tmp_path, SUBMIT)
    assert _shell(tmp_path, OPEN, CODE=code) == "opened"

    wiped = aegis(tmp_path, "wipe", "--yes")
    assert wiped.returncode == 0, wiped.stderr
    assert "1 receipt codes" in wiped.stdout
    assert "takes no reports until 'aegis init'" in wiped.stdout
    assert not list((tmp_path / "secrets").glob("*_service_key"))
    assert _shell(tmp_path, SERVICE_KEY) == "missing"
    assert _shell(tmp_path, OPEN, CODE=code) == "not accepting"

    again = init(tmp_path, ADMIN_PASSWORD, username="admin-after-wipe")
    assert again.returncode == 0, again.stderr
    assert "already initialised" not in again.stdout
    old_key, new_key = (RECOVERY_KEY.findall(r.stdout)[0] for r in (first, again))
    assert old_key != new_key
    assert _shell(tmp_path, SERVICE_KEY) == "opens"  # a new one, sealed under the secret
    assert _shell(tmp_path, OPEN, CODE=code) == "refused"  # the old receipt is gone for good
    new_code = _shell(tmp_path, SUBMIT)
    assert _shell(tmp_path, OPEN, CODE=new_code) == "opened"


def test_the_wipe_removes_the_database_copies_an_unfinished_backup_left(tmp_path):
    """A backup or restore killed half-way leaves its scratch folder in AEGIS_HOME, with a
    copy of the database from before the wipe: key wraps, API tokens and receipts that open
    everything again. The wipe removes them all, a running process's too."""
    import os
    import sqlite3
    from contextlib import closing

    assert init(tmp_path, ADMIN_PASSWORD).returncode == 0
    code = _shell(tmp_path, SUBMIT)
    copies = []
    for prefix in (".backup-", ".restore-"):
        folder = tmp_path / f"{prefix}{os.getpid()}-x1y2z3"  # its process still runs
        folder.mkdir()
        copy = folder / "database.sqlite3"
        with (
            closing(sqlite3.connect(tmp_path / "aegis.sqlite3")) as live,
            closing(sqlite3.connect(copy)) as target,
        ):
            live.backup(target)
        with closing(sqlite3.connect(copy)) as db:
            assert db.execute("select count(*) from vault_keywrap").fetchone()[0] > 0
        copies.append(folder)
    # A link kept to a copy, as the disk's freed blocks keep it: overwritten, not only unlinked.
    kept = tmp_path / "kept-link"
    os.link(copies[0] / "database.sqlite3", kept)
    # What `aegis demo` caught: contacts' addresses in clear.
    for name in ("demo-mail", "demo-texts"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "1.json").write_text('{"to": "+254711000111"}')
        copies.append(tmp_path / name)

    wiped = aegis(tmp_path, "wipe", "--yes")
    assert wiped.returncode == 0, wiped.stderr
    assert "2 unfinished backup copies" in wiped.stdout
    assert not any(folder.exists() for folder in copies)
    assert not kept.read_bytes().startswith(b"SQLite format 3")
    assert _shell(tmp_path, OPEN, CODE=code) == "not accepting"
