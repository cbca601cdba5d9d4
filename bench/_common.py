"""Helpers the benchmarks share (imported by them; `aegis bench` skips files starting with _)."""

from __future__ import annotations

from urllib.parse import urlsplit


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
