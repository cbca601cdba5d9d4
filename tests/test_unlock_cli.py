"""The alert service's unlock secret at the command line, as real subprocesses on a throwaway
SQLite instance: `aegis init` generates one and shows it once (or seals under the one
supplied), `aegis worker` refuses to start without it and says how to supply it, `aegis serve`
says what it cannot do without it, and the demo says on every start it is not for production."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.alerts.worker_process import wait_for
from tests.test_cli import ADMIN, ADMIN_PASSWORD, RECOVERY_KEY, Result
from tests.test_demo import free_port

# Every test here runs `aegis` in a subprocess on its own SQLite home (the test's database
# settings are dropped), so the PostgreSQL pass would repeat the same runs.
pytestmark = pytest.mark.engine_independent

UNLOCK = "AEGIS_ALERT_SERVICE_UNLOCK"
GENERATED = re.compile(r"shown only this once:\s+(\S+)")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:  # refused, reset or timed out while it starts
        return False


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AEGIS_", "DJANGO_", "PYTEST_")) and k != "CREDENTIALS_DIRECTORY"
    }
    env.update(AEGIS_HOME=str(home), AEGIS_KDF_PROFILE="test", **extra)
    return env


def aegis(home: Path, *args: str, **extra: str) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "aegis.cli", *args],
        env=environment(home, **extra),
        cwd=home,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> tuple[Path, str, str]:
    """An instance initialised with no unlock secret supplied: (home, generated, recovery)."""
    home = tmp_path_factory.mktemp("aegis-home")
    (home / "pw").write_text(ADMIN_PASSWORD)
    result = aegis(
        home, "init", "--admin-username", ADMIN, "--admin-password-file", str(home / "pw"),
        "--no-input",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [generated] = GENERATED.findall(result.stdout)
    assert result.stdout.count(generated) == 1  # shown once
    assert "aegis-alert-unlock" in result.stdout  # and how to give it to the services
    return home, generated, RECOVERY_KEY.findall(result.stdout)[0]


def test_the_generated_unlock_secret_is_nowhere_in_the_instance(instance):
    home, generated, _ = instance
    for path in home.rglob("*"):
        if path.is_file():
            assert generated.encode() not in path.read_bytes(), path
    assert not (home / "secrets" / "alerts_service_key").exists()


def test_the_worker_refuses_to_start_without_the_unlock_secret(instance):
    home, _, _ = instance
    result = aegis(home, "worker")
    assert result.returncode == 2
    assert "refusing to start" in result.stderr
    assert f"{UNLOCK}_FILE" in result.stderr and "aegis-alert-unlock" in result.stderr
    wrong = aegis(home, "worker", **{UNLOCK: "this is not the unlock secret"})
    assert wrong.returncode == 2 and "does not open" in wrong.stderr


def test_the_worker_starts_with_the_unlock_secret_from_a_systemd_credential(instance, tmp_path):
    home, generated, _ = instance
    (tmp_path / "aegis-alert-unlock").write_text(generated + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "aegis.cli", "worker", "--interval", "0.2"],
        env=environment(home, CREDENTIALS_DIRECTORY=str(tmp_path)),
        cwd=home,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "service key is unlocked" in line and "systemd credential" in line, line
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_serve_says_what_it_cannot_do_without_the_unlock_secret(instance):
    home, _, _ = instance
    addr = f"127.0.0.1:{free_port()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "aegis.cli", "serve", "--addr", addr, "--workers", "1"],
        env=environment(home),
        cwd=home,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        said = proc.stderr.readline() + proc.stderr.readline()
        assert UNLOCK in said and "serving without the alert service key" in said, said
        wait_for(lambda: healthy(f"http://{addr}/healthz"), 120, "aegis serve to answer")
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_the_search_key_ceremony_needs_a_sealed_key(instance, tmp_path):
    home, generated, recovery = instance
    (tmp_path / "recovery").write_text(recovery)
    args = (
        "grant-search-key",
        "--alert-service",
        "--recovery-key-file",
        str(tmp_path / "recovery"),
    )
    inside = home / "secrets" / "unlock"
    inside.write_text(generated)
    try:
        kept_inside = aegis(home, *args, **{f"{UNLOCK}_FILE": str(inside)})
    finally:
        inside.unlink()
    assert kept_inside.returncode == 2 and "inside AEGIS_HOME" in kept_inside.stderr
    assert aegis(home, *args, **{UNLOCK: generated}).returncode == 0
