"""What an adversary who seizes the server sees: the raw database and media as bytes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection


def read_live(path: Path) -> bytes:
    """A file of the live SQLite database, read by another process. Opening and closing it
    here would drop this process's locks on it (POSIX locks belong to the process), and the
    next process to open the database would then reset the shared memory this process still
    maps: a bus error in the test run."""
    return subprocess.run(["cat", str(path)], check=True, capture_output=True).stdout


def copy_live_database(to: Path) -> None:
    """The live SQLite database and its WAL, copied by another process (see read_live)."""
    name = Path(connection.settings_dict["NAME"])
    for suffix in ("", "-wal"):
        if Path(f"{name}{suffix}").exists():
            subprocess.run(["cp", f"{name}{suffix}", f"{to}{suffix}"], check=True)


def raw_database_bytes() -> list[tuple[str, bytes]]:
    """SQLite: the database file, its WAL and shared memory. PostgreSQL: every row of every
    table as text (bytea shows as hex, so callers also look for hex-encoded values)."""
    if connection.vendor == "sqlite":
        # Inside the test's transaction nothing is in the file yet, and every search would
        # pass: a seizure test runs with django_db(transaction=True).
        assert not connection.in_atomic_block, "the rows are not committed: nothing to seize"
        name = Path(connection.settings_dict["NAME"])
        return [
            (str(p), read_live(p))
            for p in (name, Path(f"{name}-wal"), Path(f"{name}-shm"))
            if p.exists()
        ]
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT t::text FROM "{table}" t')
            text = "\n".join(row[0] for row in cursor.fetchall())
            chunks.append((table, text.encode()))
    return chunks


def media_bytes() -> list[tuple[str, bytes]]:
    root = Path(settings.MEDIA_ROOT)
    return (
        [(str(p), p.read_bytes()) for p in root.rglob("*") if p.is_file()] if root.exists() else []
    )


def find(needles: list[bytes]) -> list[str]:
    """Where any needle (or its hex form) appears in the database or media."""
    found = []
    for where, blob in raw_database_bytes() + media_bytes():
        for needle in needles:
            if needle in blob or needle.hex().encode() in blob:
                found.append(f"{needle[:40]!r} in {where}")
    return found
