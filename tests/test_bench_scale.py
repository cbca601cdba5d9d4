"""`aegis bench scale` at a tiny size, through its real entry point, so the script cannot rot:
it builds an instance, serves it, signs in over HTTP, and prints every staff page with its
figures."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

# The bench builds its own SQLite instance (AEGIS_DATABASE_URL is dropped below), so the
# PostgreSQL pass would repeat the same run.
pytestmark = [pytest.mark.slow, pytest.mark.engine_independent]

PAGES = [
    "bare signed-in page (baseline)",
    "dashboard and work queue",
    "case list, first page",
    "case list, filtered",
    "case list, deep page",
    "people list",
    "incident list, first page",
    "incident list, filtered",
    "incident list, deep page",
    "search by name",
    "search by phone",
    "search by reference",
    "case detail",
    "incident detail",
    "new case form",
    "new incident form",
    "incident edit form",
    "add act form",
    "risk dashboard",
    "analyst view",
    "alert console",
    "triage queue",
    "monitoring queue, first page",
    "monitoring queue, deep page",
    "monitoring queue, deep by link",
    "monitoring proposal",
    "monitoring campaigns",
    "monitoring source",
    "monitoring campaign, deep page",
    "monitoring merged, deep page",
    "monitoring merged, deep by link",
]


def run_bench(home, *extra: str, cases: str = "50", incidents: str = "100") -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"AEGIS_DATABASE_URL", "DJANGO_SETTINGS_MODULE", "AEGIS_HOME"}
    }
    command = [sys.executable, "-m", "aegis.cli", "bench", "scale", "--home", str(home)]
    result = subprocess.run(
        # One server process is enough for two clients here, and quicker to start.
        [
            *command,
            "--cases",
            cases,
            "--incidents",
            incidents,
            "--requests",
            "2",
            "--server-workers",
            "1",
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_prints_every_page_with_its_figures_and_keeps_the_instance(tmp_path):
    first = run_bench(tmp_path)
    assert "50 cases, 100 incidents (build" in first
    for page in PAGES:
        row = re.search(re.escape(page) + r"\s+([\d.]+)" * 6, first)
        assert row, f"{page} is missing from:\n{first}"
        p50, p95, queries, sql_ms, per_second, ratio = (float(g) for g in row.groups())
        assert 0 < p50 <= p95 and queries > 0 and sql_ms > 0 and per_second > 0 and ratio > 0
    # The instance is kept: a second run with --reuse times it again without building, and
    # with a second size beside it shows how each page grows; two clients at once this time.
    again = run_bench(tmp_path, "--reuse", "--clients", "2", cases="50,20", incidents="100,20")
    assert "50 cases, 100 incidents (build" in again and ", reused, 2 client(s))" in again
    assert "20 cases, 20 incidents (build" in again
    growth = again.split("Growth of p50 with size")[1]
    for page in PAGES:
        assert re.search(re.escape(page) + r"\s+1\.0x\s+[\d.]+x", growth), growth
