"""`aegis bench audit` at a tiny size, through its real entry point, so the script cannot rot:
each walk checks every entry written, and the throwaway instance is gone afterwards."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

# The bench makes its own SQLite instance, so the PostgreSQL pass would repeat the same run.
pytestmark = [pytest.mark.slow, pytest.mark.engine_independent]


def test_prints_each_figure_and_leaves_no_instance_behind():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"AEGIS_DATABASE_URL", "DJANGO_SETTINGS_MODULE", "AEGIS_HOME"}
    }
    result = subprocess.run(
        [sys.executable, "-m", "aegis.cli", "bench", "audit", "--entries", "3000"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"3,00\d entries written", out), out  # and the first administrator's
    for label in ("the floor", "aegis audit verify's walk", "the page's check, in the worker"):
        assert re.search(rf"{re.escape(label)} +[\d.]+ s +[\d.]+ µs an entry +x[\d.]+ of", out)
    assert re.search(r"in the request \(up to [\d,]+ entries\): [\d.]+ s at most", out), out
    home = re.search(r"SQLite in (\S+)", out)
    assert home and not Path(home.group(1)).exists()
    assert "authenticator secret" not in out  # the throwaway administrator's secrets


def test_refuses_a_size_below_one():
    result = subprocess.run(
        [sys.executable, "-m", "aegis.cli", "bench", "audit", "--entries", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "--entries must be at least 1" in result.stdout
