"""The fetching settings come from the environment, as the README says (a proxy set for Tor
that the worker never read would send every request in the clear)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine_independent

READ = (
    "import json; from django.conf import settings as s; import django; django.setup(); "
    "print(json.dumps([s.AEGIS_MONITORING_PROXY, s.AEGIS_MONITORING_TIMEOUT, "
    "s.AEGIS_MONITORING_HOST_INTERVAL, s.AEGIS_MONITORING_MAX_BYTES, "
    "s.AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES, s.AEGIS_MONITORING_MENTION_ALERTS]))"
)


def _read(tmp_path: Path, **environment: str) -> list[object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AEGIS_")}
    env.update(DJANGO_SETTINGS_MODULE="aegis.settings", AEGIS_HOME=str(tmp_path), **environment)
    done = subprocess.run(
        [sys.executable, "-c", READ], env=env, capture_output=True, text=True, check=True
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_fetching_settings_are_read_from_the_environment(tmp_path: Path) -> None:
    assert _read(tmp_path / "default") == ["", 15.0, 5.0, 5 * 1024 * 1024, False, True]
    assert _read(
        tmp_path / "set",
        AEGIS_MONITORING_PROXY="socks5h://127.0.0.1:9050",
        AEGIS_MONITORING_TIMEOUT="30",
        AEGIS_MONITORING_HOST_INTERVAL="10",
        AEGIS_MONITORING_MAX_BYTES="1000000",
        AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES="1",
        AEGIS_MONITORING_MENTION_ALERTS="0",
    ) == ["socks5h://127.0.0.1:9050", 30.0, 10.0, 1000000, True, False]
