"""The round trip on PostgreSQL, run when the suite runs on it (AEGIS_DATABASE_URL): `aegis
init` in a new database, `aegis backup create` (pg_dump), then `aegis backup restore`
(pg_restore) into another, empty database; the audit chain verifies and the admin's password
still opens their key."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import dj_database_url
import psycopg
import pytest

from tests.test_cli import ADMIN, ADMIN_PASSWORD, RECOVERY_KEY, aegis

# Runs inside the restored instance: the admin's own password still opens their key.
OPENS = f"""
import os
from aegis.accounts.models import User
from aegis.vault import services as vault
from aegis.vault.selectors import keypair_for_user
keypair = keypair_for_user(User.objects.get(username="{ADMIN}").pk)
key = vault.unlock_user_keypair(keypair, os.environ["PASSWORD"])
print("OPENS", bytes(key.public_key) == bytes(keypair.public_key))
"""

URL = os.environ.get("AEGIS_DATABASE_URL", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not URL.startswith("postgres"), reason="the suite runs on SQLite"),
    pytest.mark.skipif(
        shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
        reason="PostgreSQL's client tools are not installed (Debian: postgresql-client)",
    ),
]


def postgres_server() -> psycopg.Connection:
    config = dj_database_url.parse(URL)
    return psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@contextmanager
def scratch_databases(purpose: str, *sides: str) -> Iterator[list[str]]:
    """Empty databases of their own on the suite's PostgreSQL server (URLs), dropped after."""
    names = [f"aegis_{purpose}_{secrets.token_hex(4)}_{side}" for side in sides]
    with postgres_server() as server:
        for name in names:
            server.execute(f'CREATE DATABASE "{name}"')
    base = URL.rsplit("/", 1)[0]
    try:
        yield [f"{base}/{name}" for name in names]
    finally:
        with postgres_server() as server:
            for name in names:
                server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def databases() -> Iterator[list[str]]:
    with scratch_databases("backup", "old", "new") as urls:
        yield urls


def test_round_trip_on_postgresql(databases, tmp_path):
    old_url, new_url = databases
    old_home, new_home = tmp_path / "old", tmp_path / "new"
    old_home.mkdir()
    new_home.mkdir()
    old = {"AEGIS_DATABASE_URL": old_url}
    password_file = old_home / "admin-password"
    password_file.write_text(ADMIN_PASSWORD + "\n")
    started = aegis(
        old_home,
        "init",
        "--admin-username",
        ADMIN,
        "--admin-password-file",
        str(password_file),
        "--no-input",
        extra_env=old,
    )
    assert started.returncode == 0, started.stderr
    key_file = tmp_path / "recovery-key.txt"
    key_file.write_text(RECOVERY_KEY.findall(started.stdout)[0])
    backup = tmp_path / "pg.age"
    made = aegis(old_home, "backup", "create", "--out", str(backup), extra_env=old)
    assert made.returncode == 0, made.stderr
    assert "postgresql database" in made.stdout
    new = {
        "AEGIS_DATABASE_URL": new_url,
        "AEGIS_AUDIT_KEY_FILE": str(old_home / "secrets" / "audit_key"),
    }
    done = aegis(
        new_home, "backup", "restore", str(backup), "--key-file", str(key_file), extra_env=new
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The audit log verifies" in done.stdout
    verified = aegis(new_home, "audit", "verify", extra_env=new)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    again = aegis(
        new_home, "backup", "restore", str(backup), "--key-file", str(key_file), extra_env=new
    )
    assert again.returncode == 1 and "not empty" in again.stderr
    opened = aegis(new_home, "shell", "-c", OPENS, extra_env={**new, "PASSWORD": ADMIN_PASSWORD})
    assert opened.returncode == 0, opened.stderr
    assert "OPENS True" in opened.stdout
