"""SQLite runs in WAL mode with secure_delete; PostgreSQL is used when configured."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite pragmas")
def test_sqlite_runs_in_wal_mode_with_secure_delete():
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA secure_delete").fetchone()[0] == 1
        assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_database_matches_the_configured_url(settings):
    expected = "postgresql" if settings.DATABASE_URL.startswith("postgres") else "sqlite"
    assert connection.vendor == expected
