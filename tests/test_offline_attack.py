"""A seized disk reveals nothing: after a realistic session on an instance made by `aegis init`
(the demo's people, cases, safety plans with emergency contacts, incidents, evidence, reports,
partners and alerts, a sign-in, the search key granted to the alert service, a real worker
delivering an alert to an SMTP server on loopback), the processes stop and the whole instance
folder is copied: the SQLite database with its WAL, media, secrets, everything the README
says to back up. A fresh process holding nothing but that copy tries every key found in it
against everything sealed (see tests/offline.py): nothing opens, and no guess can be tested
against a blind index.

The same attack on the same copy with the unlock secret added to its secrets folder (the
demo's convenience mode) opens safety plans, emergency contacts and the search key: the
attack can find what is there.

SQLite only: there the instance folder is the whole backup."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.alerts.conftest import free_port
from tests.alerts.worker_process import wait_for

# Its instance runs in subprocesses on their own SQLite file, in either pass.
pytestmark = [pytest.mark.slow, pytest.mark.engine_independent]

REPO = Path(__file__).resolve().parents[1]
RECOVERY_KEY = re.compile(r"(?<![A-Z2-7-])[A-Z2-7]{4}(?:-[A-Z2-7]{4}){12}(?![A-Z2-7-])")
PROTECTED = (
    "safety.emergencycontact",
    "safety.planversion",
    "alerts.delivery",
    "alerts.partnerorganisation",
    "alerts.alert",
)


class MailBox:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received += 1
        return "250 OK"


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "AEGIS_", "DJANGO_")) and k != "CREDENTIALS_DIRECTORY"
    }
    env.update(
        AEGIS_HOME=str(home),
        AEGIS_KDF_PROFILE="test",
        DJANGO_SETTINGS_MODULE="aegis.settings",
        PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]),  # this tree's code
        **extra,
    )
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (args, result.stdout[-3000:], result.stderr[-3000:])
    return result


def sent_deliveries(home: Path) -> int:
    with sqlite3.connect(f"file:{home / 'aegis.sqlite3'}?mode=ro", uri=True) as db:
        return db.execute(
            "SELECT count(*) FROM alerts_delivery WHERE state IN ('sent', 'delivered')"
        ).fetchone()[0]


@pytest.fixture(scope="module")
def seized(tmp_path_factory) -> tuple[Path, Path, str]:
    """(the copy, the truth file, the unlock secret) after a realistic session."""
    outside = tmp_path_factory.mktemp("operator")  # what never reaches the instance folder
    home = tmp_path_factory.mktemp("instance") / "aegis"
    unlock = secrets.token_urlsafe(24)
    env = environment(home, AEGIS_ALERT_SERVICE_UNLOCK=unlock)
    (outside / "password").write_text("a long admin passphrase 7\n")
    init = run(
        env,
        "-m",
        "aegis.cli",
        "init",
        "--admin-username",
        "amara",
        "--admin-password-file",
        str(outside / "password"),
        "--no-input",
    )
    recovery = RECOVERY_KEY.findall(init.stdout)[0]
    (outside / "recovery").write_text(recovery)
    run(
        env,
        "-m",
        "aegis.cli",
        "grant-search-key",
        "--alert-service",
        "--recovery-key-file",
        str(outside / "recovery"),
    )
    truth = outside / "truth.json"
    run({**env, "SESSION_RECOVERY_KEY": recovery}, "-m", "tests.offline", "session", str(truth))

    box = MailBox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    worker_env = {
        **env,
        "AEGIS_SMTP_HOST": "127.0.0.1",
        "AEGIS_SMTP_PORT": str(port),
        "AEGIS_SMTP_SECURITY": "insecure",
        "AEGIS_SMTP_FROM": "alerts@aegis.example.org",
    }
    with (outside / "worker.log").open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "aegis.cli", "worker", "--interval", "0.2"],
            env=worker_env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: box.received > 0 and sent_deliveries(home) > 0, 120, "a delivered alert")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        controller.stop()
    copy = tmp_path_factory.mktemp("seized") / "aegis"
    shutil.copytree(home, copy)
    return copy, truth, unlock


def attack(copy: Path, truth: Path) -> dict:
    report = copy.parent / "report.json"
    run(environment(copy), "-m", "tests.offline", "attack", str(truth), str(report))
    return json.loads(report.read_text())


def test_a_copy_of_the_instance_folder_opens_nothing(seized):
    copy, truth, unlock = seized
    known = json.loads(truth.read_text())
    values = known["values"]
    # The session really stored what the issue lists, and the copy really holds it sealed.
    for model in PROTECTED:
        assert any(name.startswith(model) for name in values), model
    assert (copy / "aegis.sqlite3").exists() and any((copy / "media").rglob("*"))

    report = attack(copy, truth)
    print(json.dumps({k: v for k, v in report.items() if k != "sources"}, indent=1))
    assert report["opened"] == [] and report["index_matches"] == []
    # Django's signing key and the audit log's MAC key: neither seals anything; the wipe key
    # alone opens nothing (the attack binds every passphrase it tries to it).
    assert sorted(p.name for p in (copy / "secrets").iterdir()) == [
        "audit_key",
        "secret_key",
        "wipe_key",
    ]
    # The attack covered every kind of sealed thing, with the keys the disk holds.
    assert report["sealed_blobs"] > 50 and report["fields"] > 300 and report["files"] > 0
    assert report["secret_blobs"] > 10 and report["passphrase_keypairs"] >= 8
    assert report["guesses"] > 10 and report["candidate_keys"] > 100
    assert any("secrets/secret_key" in s for s in report["sources"])  # SECRET_KEY, hashed too
    assert any("secrets/audit_key" in s for s in report["sources"])
    assert report["tries"]["argon2id"] > 1000  # every string of the copy as an unlock secret
    # Nor is anything protected, or the unlock secret, in clear anywhere in the copy.
    canaries = {
        v
        for texts in values.values()
        for v in texts
        if len(v) >= 12 and not any(v in clear for clear in known["clear"])
    }
    canaries.add(unlock)
    blobs = [p.read_bytes() for p in copy.rglob("*") if p.is_file()]
    assert len(canaries) > 50
    assert [c for c in canaries if any(c.encode() in blob for blob in blobs)] == []


def test_the_same_attack_opens_everything_once_the_unlock_secret_is_on_the_disk(seized):
    copy, truth, unlock = seized
    demo_like = copy.parent / "with-unlock-file"
    shutil.copytree(copy, demo_like)
    (demo_like / "secrets" / "alerts_service_unlock.demo").write_text(unlock)
    report = attack(demo_like, truth)
    print(json.dumps({k: v for k, v in report.items() if k not in {"sources", "opened"}}))
    print(f"opened: {len(report['opened'])}")
    opened = "\n".join(report["opened"])
    assert "service keypair" in opened and "passphrase" in opened
    for model in ("safety.emergencycontact", "safety.planversion", "alerts.partnerorganisation"):
        assert model in opened, model
    assert report["index_matches"]  # names and phones can be tested again
