"""Helpers the benchmarks share (imported by them; `aegis bench` skips files starting with _)."""

from __future__ import annotations

import contextlib
import io
import os
import platform
import tempfile
from collections.abc import Iterator
from urllib.parse import urlsplit


@contextlib.contextmanager
def throwaway_instance(name: str, password: str) -> Iterator[str]:
    """A SQLite instance initialised as `aegis init` does (administrator "admin" with
    `password`), in a temporary AEGIS_HOME removed afterwards; Django set up on it. Yields
    the folder, which the first line printed names."""
    with tempfile.TemporaryDirectory(prefix=f"aegis-bench-{name}-") as home:
        os.environ["AEGIS_HOME"] = home
        os.environ.pop("AEGIS_DATABASE_URL", None)  # its own SQLite file, thrown away after
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aegis.settings")
        import django

        django.setup()
        from aegis import bootstrap

        print(f"Python {platform.python_version()} on {platform.machine()}; SQLite in {home}")
        with contextlib.redirect_stdout(io.StringIO()):  # the administrator's secrets
            bootstrap.init_instance(
                admin_username="admin", admin_password=password, interactive=False
            )
        yield home


def pg_admin(url: str, statement: str) -> None:
    """Run one statement (CREATE or DROP DATABASE) on the PostgreSQL server named by `url`."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=parts.path.lstrip("/") or "postgres",
        autocommit=True,
        connect_timeout=3,
    ) as conn:
        conn.execute(statement)  # type: ignore[arg-type]
