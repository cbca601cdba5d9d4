"""A consistent copy of the live database, taken while the instance serves: SQLite's online
backup API (one step, so under one read transaction: writers carry on in WAL mode), or
pg_dump from a snapshot exported by a repeatable-read transaction, in which the counts and
migrations of the manifest are read too, so all three describe the same moment."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from .errors import BackupError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
PARTS = {SQLITE: "database.sqlite3", POSTGRESQL: "database.pgdump"}


@dataclass(frozen=True)
class Snapshot:
    kind: str
    path: Path
    migrations: list[str]
    tables: dict[str, int]


def database_kind() -> str:
    if connection.vendor == "sqlite":
        return SQLITE
    if connection.vendor == "postgresql":
        return POSTGRESQL
    raise BackupError(f"Backups do not support the {connection.vendor} database.")


def take(target: Path) -> Snapshot:
    """The live database copied into `target` (a new file)."""
    kind = database_kind()
    return _sqlite(target) if kind == SQLITE else _postgresql(target)


def _sqlite(target: Path) -> Snapshot:
    source = sqlite3.connect(str(connection.settings_dict["NAME"]), timeout=20)
    copy = sqlite3.connect(str(target))
    try:
        source.backup(copy)  # pages=-1: one step, one consistent read
        migrations, tables = describe_sqlite(copy)
    finally:
        copy.close()
        source.close()
    return Snapshot(SQLITE, target, migrations, tables)


def describe_sqlite(db: sqlite3.Connection) -> tuple[list[str], dict[str, int]]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    # Table names come from the snapshot's own catalogue, quoted.
    tables = {
        name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]  # noqa: S608
        for name in names
    }
    migrations = (
        [f"{app}.{name}" for app, name in db.execute("SELECT app, name FROM django_migrations")]
        if "django_migrations" in tables
        else []
    )
    return sorted(migrations), tables


def pg_dump() -> str:
    found = shutil.which("pg_dump")
    if found is None:
        raise BackupError(
            "pg_dump is not installed: install PostgreSQL's client tools (Debian: "
            "postgresql-client, of the server's major version or newer) to back up this "
            "instance."
        )
    return found


def pg_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's variables for the configured database: no password on a command line."""
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _postgresql(target: Path) -> Snapshot:
    program = pg_dump()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        names = sorted(connection.introspection.table_names(cursor))
        tables = {}
        for name in names:
            quoted = connection.ops.quote_name(name)
            cursor.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608
            tables[name] = cursor.fetchone()[0]
        cursor.execute("SELECT app, name FROM django_migrations")
        migrations = sorted(f"{app}.{name}" for app, name in cursor.fetchall())
        # While this transaction is open its snapshot can be imported by pg_dump.
        done = subprocess.run(
            [
                program,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot_id}",
                f"--file={target}",
            ],
            env=pg_environment(connection.settings_dict),
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return Snapshot(POSTGRESQL, target, migrations, tables)
