"""`aegis bench keys` at a tiny size, through its real entry point, so the script cannot rot:
a newcomer analyst receives every monitoring key a bounded number at a time, a new member
of a compartment every key at once, and the throwaway instance is gone afterwards."""

from __future__ import annotations

import re

import pytest

from tests.benches import assert_refuses, assert_thrown_away, run_bench

# The bench makes its own SQLite instance, so the PostgreSQL pass would repeat the same run.
pytestmark = [pytest.mark.slow, pytest.mark.engine_independent]


def test_prints_each_figure_and_leaves_no_instance_behind():
    from aegis.monitoring import keys

    count = 2 * keys.PASS_ON_AT_ONCE + 100
    result = run_bench("keys", "--keys", str(count))
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    # Two full openings, the last 100 keys, then one that finds nobody waiting.
    assert f"waits for {count:,} keys: 4 openings of the queue" in out, out
    for label in ("first opening", "median opening", "slowest opening"):
        assert re.search(rf"{label} +[\d.]+ ms +[\d.]+ x bare libsodium", out), out
    assert re.search(rf"compartment of {count:,} keys", out), out
    assert re.search(r"admit_member, every key at once: +[\d.]+ s +[\d.]+ x bare", out), out
    assert re.search(r"one key at a time \(before\), 1,000 timed, scaled: +[\d.]+ s", out), out
    assert re.search(r"dismiss_member, every key taken back: +[\d.]+ s", out), out
    assert_thrown_away(out)


def test_refuses_a_size_below_one():
    assert_refuses("keys", "--keys")
