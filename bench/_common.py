"""Helpers the benchmarks share (imported by them; `aegis bench` skips files starting with _)."""

from __future__ import annotations

import contextlib
import io
import os
import platform
import tempfile
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/test"


def pg_server() -> str:
    """The PostgreSQL server the benches make their databases on."""
    return os.environ.get("AEGIS_BENCH_POSTGRES_URL", PG_DEFAULT)


def pg_database_url(database: str) -> str:
    """The URL of `database` on that server."""
    return urlunsplit(urlsplit(pg_server())._replace(path=f"/{database}", fragment=""))


def fresh_pg_database(database: str) -> tuple[str | None, str]:
    """An empty `database` on the benches' server (dropped first if it is there): its URL,
    or None and why not, in a line, when the server is unreachable."""
    try:
        pg_admin(pg_server(), f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        pg_admin(pg_server(), f'CREATE DATABASE "{database}"')
    except Exception as error:
        return None, f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
    return pg_database_url(database), ""


def drop_pg_database(database: str) -> None:
    pg_admin(pg_server(), f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextlib.contextmanager
def throwaway_instance(name: str, password: str, database_url: str = "") -> Iterator[str]:
    """An instance initialised as `aegis init` does (administrator "admin" with `password`)
    in a temporary AEGIS_HOME removed afterwards, on its own SQLite file there or on the
    database at `database_url`; Django set up on it. Yields the folder, which the first line
    printed names."""
    with tempfile.TemporaryDirectory(prefix=f"aegis-bench-{name}-") as home:
        os.environ["AEGIS_HOME"] = home
        os.environ.pop("AEGIS_DATABASE_URL", None)  # its own SQLite file, thrown away after
        if database_url:
            os.environ["AEGIS_DATABASE_URL"] = database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aegis.settings")
        import django

        django.setup()
        from aegis import bootstrap

        where = f"PostgreSQL {urlsplit(database_url).path}" if database_url else "SQLite"
        print(f"Python {platform.python_version()} on {platform.machine()}; {where} in {home}")
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
