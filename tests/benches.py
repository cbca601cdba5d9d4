"""Running a benchmark through `aegis bench` in a child process, as the tests of the benches
that build their own throwaway SQLite instance do."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def run_bench(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    # The bench makes its own instance: nothing of this test session's database is passed on.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"AEGIS_DATABASE_URL", "DJANGO_SETTINGS_MODULE", "AEGIS_HOME"}
    }
    return subprocess.run(
        [sys.executable, "-m", "aegis.cli", "bench", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_thrown_away(out: str) -> None:
    """The instance the bench named is gone, and nothing of its administrator was printed."""
    home = re.search(r"^Python .*; .* in (\S+)$", out, re.MULTILINE)
    assert home and not Path(home.group(1)).exists()
    assert "authenticator secret" not in out


def assert_refuses(name: str, option: str) -> None:
    result = run_bench(name, option, "0", timeout=120)
    assert result.returncode == 2
    assert f"{option} must be at least 1" in result.stdout
