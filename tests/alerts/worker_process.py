"""The real `aegis worker` as a subprocess, on the test's own database and AEGIS_HOME (so
it holds the same alert service key), sending to the test's SMTP server and SMS gateway.

Its settings are a small module written next to the test: the test settings, plus the
database the test runs on and the channels the fixtures set up. Only for tests that commit
their data (transactional_db)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
CHANNEL_SETTINGS = (
    "AEGIS_SMTP_HOST",
    "AEGIS_SMTP_PORT",
    "AEGIS_SMTP_SECURITY",
    "AEGIS_SMTP_FROM",
    "AEGIS_SMS_GATEWAY_URL",
    "AEGIS_BASE_URL",
)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll a condition (never assert on time: a loaded machine only waits longer)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.01)


def _no_other_sessions() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite: a killed process's commit happened in it, or not at all
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        row = cursor.fetchone()
    return row is not None and row[0] == 0


class WorkerProcess:
    def __init__(self, folder: Path, **extra: Any) -> None:
        database = connection.settings_dict
        values: dict[str, Any] = {
            "DATABASES": {
                "default": {
                    "ENGINE": database["ENGINE"],
                    "NAME": str(database["NAME"]),
                    "USER": database.get("USER", ""),
                    "PASSWORD": database.get("PASSWORD", ""),
                    "HOST": database.get("HOST", ""),
                    "PORT": str(database.get("PORT", "") or ""),
                    "OPTIONS": dict(database.get("OPTIONS", {})),
                    "CONN_MAX_AGE": database.get("CONN_MAX_AGE", 0),
                }
            },
            **{
                name: getattr(settings, name)
                for name in CHANNEL_SETTINGS
                if hasattr(settings, name)
            },
            **extra,
        }
        module = "aegis_test_worker_settings"
        lines = ["from tests.settings import *  # noqa: F403", ""]
        lines += [f"{name} = {value!r}" for name, value in values.items()]
        (folder / f"{module}.py").write_text("\n".join(lines) + "\n")
        self.log = folder / "worker.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(
            DJANGO_SETTINGS_MODULE=module,
            AEGIS_HOME=str(settings.AEGIS_HOME),
            PYTHONPATH=os.pathsep.join([str(folder), str(REPO), env.get("PYTHONPATH", "")]),
            # Compiled modules kept outside the tree, so that restarts start quickly.
            PYTHONPYCACHEPREFIX=str(Path(tempfile.gettempdir()) / "aegis-test-pycache"),
        )
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self.process is None
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "aegis.cli", "worker", "--interval", "0.2"],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is recorded; as a power cut for the worker.
        Returns once the database has finished with the dead worker's sessions (a COMMIT
        sent just before the kill may still be applied), so what the test reads next is
        what the kill left."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=60)
            self.process = None
            wait_for(_no_other_sessions, 60, "the killed worker's database sessions to end")

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, as systemd or `aegis demo` stop it; returns the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.process = None

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
