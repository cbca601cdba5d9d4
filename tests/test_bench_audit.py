"""`aegis bench audit` at a tiny size, through its real entry point, so the script cannot rot:
each walk checks every entry written, and the throwaway instance is gone afterwards."""

from __future__ import annotations

import os
import re

import pytest

from tests.benches import assert_refuses, assert_thrown_away, run_bench

# The bench makes its own SQLite instance, so the PostgreSQL pass would repeat the same run.
pytestmark = [pytest.mark.slow, pytest.mark.engine_independent]


def _figures(out: str) -> None:
    assert re.search(r"3,00\d entries written", out), out  # and the first administrator's
    for label in ("the floor", "aegis audit verify's walk", "the page's check, in the worker"):
        assert re.search(rf"{re.escape(label)} +[\d.]+ s +[\d.]+ µs an entry +x[\d.]+ of", out)
    assert re.search(r"in the request \(up to [\d,]+ entries\): [\d.]+ s at most", out), out
    assert_thrown_away(out)


def test_prints_each_figure_and_leaves_no_instance_behind():
    result = run_bench("audit", "--entries", "3000")
    assert result.returncode == 0, result.stderr[-3000:]
    _figures(result.stdout)


def test_on_postgresql_in_a_database_of_its_own_dropped_after():
    result = run_bench("audit", "--entries", "3000", "--db", "postgres")
    if "PostgreSQL is unreachable" in result.stdout and os.environ.get("CI") != "true":
        pytest.skip("PostgreSQL is not running here (make test starts the suite on it)")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "PostgreSQL /aegis_bench_audit in " in result.stdout
    _figures(result.stdout)
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/test") as conn:
        left = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'aegis_bench_audit'")
        assert left.fetchone() is None


def test_refuses_a_size_below_one():
    assert_refuses("audit", "--entries")
