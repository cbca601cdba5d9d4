"""Scheduled backups with the controllable clock: due → the worker's round makes one and
records it, keeping the newest N; a failure (a folder it cannot write) and a missed backup
(none within the schedule and its grace) show to the admin on the work queue and the page,
and to nobody else."""

from __future__ import annotations

import datetime
import os

import pytest
from django.test import Client

from aegis import clock
from aegis.retention import schedule
from aegis.retention.models import BackupRun
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.work_queue import items_for
from tests.conftest import sign_in
from tests.retention.conftest import later

# Not inside a test transaction: on PostgreSQL the snapshot starts a transaction of its own
# (an exported snapshot for pg_dump), as it does in the worker.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def daily(settings, organisation):
    settings.AEGIS_BACKUP_SCHEDULE = "daily"
    settings.AEGIS_BACKUP_KEEP = "2"
    settings.AEGIS_BACKUP_GRACE_HOURS = "6"
    return settings


def _queue_texts(user) -> list[str]:
    return [item.text for item in items_for(user)]


def test_off_by_default_nothing_runs_and_nothing_is_missed(organisation):
    with clock.frozen(later(30)):
        assert schedule.backup_if_due() == 0
        assert schedule.problem() is None
    assert not BackupRun.objects.exists()


def test_due_runs_records_and_prunes_to_keep_n(daily):
    with clock.frozen(later(1)):
        assert schedule.backup_if_due() == 1
        assert schedule.backup_if_due() == 0  # the next one is a day away
        for _ in range(2):
            clock.advance(datetime.timedelta(days=1, minutes=1))
            assert schedule.backup_if_due() == 1
    runs = list(BackupRun.objects.order_by("started_at"))
    assert [r.succeeded for r in runs] == [True, True, True]
    assert runs[-1].pruned == 1
    kept = sorted(p.name for p in daily.AEGIS_BACKUP_DIR.glob("*.age"))
    assert kept == sorted(r.file for r in runs[1:])
    assert all(r.size and r.size > 0 for r in runs)
    assert schedule.problem() is None


def test_a_file_in_the_folder_that_is_not_a_scheduled_backup_is_never_pruned(daily):
    daily.AEGIS_BACKUP_DIR.mkdir(parents=True)
    mine = daily.AEGIS_BACKUP_DIR / "before-the-upgrade.age"
    mine.write_bytes(b"kept by the operator")
    with clock.frozen(later(1)):
        for _ in range(3):
            schedule.run_backup()
            clock.advance(datetime.timedelta(days=1))
    assert mine.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_failure_shows_on_the_admins_work_queue_and_is_retried_later(
    daily, make_person, tmp_path
):
    admin, coordinator = make_person(Role.ADMIN), make_person(Role.COORDINATOR)
    daily.AEGIS_BACKUP_DIR.mkdir(parents=True)
    daily.AEGIS_BACKUP_DIR.chmod(0o500)
    try:
        with clock.frozen(later(1)):
            assert schedule.backup_if_due() == 1
            run = BackupRun.objects.get()
            assert run.error and not run.file
            assert schedule.backup_if_due() == 0  # not every few seconds
            [text] = [t for t in _queue_texts(admin.user) if t.startswith("Backups:")]
            assert "failed" in text
            assert not [t for t in _queue_texts(coordinator.user) if t.startswith("Backups:")]
            clock.advance(schedule.RETRY_AFTER)
            assert schedule.backup_if_due() == 1
    finally:
        daily.AEGIS_BACKUP_DIR.chmod(0o700)


def test_a_failure_when_the_folder_cannot_be_made_shows_too(daily, make_person, tmp_path):
    """Also as root: the backup folder's place is a file, so no folder can be made there."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    daily.AEGIS_BACKUP_DIR = blocker / "backups"
    admin = make_person(Role.ADMIN)
    with clock.frozen(later(1)):
        assert schedule.backup_if_due() == 1
        problem = schedule.problem()
        assert problem is not None and "failed" in problem.text
        assert any(t.startswith("Backups:") for t in _queue_texts(admin.user))
        client = sign_in(Client(), admin)
        page = client.get("/retention/settings/").content.decode()
    assert "The last scheduled backup failed" in page


def test_a_missed_backup_shows_after_the_schedule_and_its_grace(daily, make_person):
    admin = make_person(Role.ADMIN)
    with clock.frozen(later(1)):
        schedule.run_backup()
        clock.advance(datetime.timedelta(hours=29))
        assert schedule.problem() is None  # a day and five hours: within the grace
        clock.advance(datetime.timedelta(hours=2))
        problem = schedule.problem()
        assert problem is not None and "on time" in problem.text
        assert any("on time" in t for t in _queue_texts(admin.user))


def test_an_instance_that_never_made_one_is_missed_too(daily, make_person):
    admin = make_person(Role.ADMIN)
    with clock.frozen(later(2)):
        assert any("on time" in t for t in _queue_texts(admin.user))


def test_a_run_a_stopped_worker_left_counts_as_failed(daily):
    with clock.frozen(later(1)):
        BackupRun.objects.create(started_at=clock.now())
        assert schedule.interrupted_runs_failed() == 1
        assert "failed" in schedule.problem().text


@pytest.mark.parametrize(
    ("name", "value"),
    [("AEGIS_BACKUP_SCHEDULE", "weekly"), ("AEGIS_BACKUP_KEEP", "0"), ("AEGIS_BACKUP_KEEP", "x")],
)
def test_bad_settings_are_said_clearly_and_nothing_runs(daily, name, value):
    setattr(daily, name, value)
    with pytest.raises(RuleError, match="AEGIS_BACKUP"):
        schedule.schedule()
    with clock.frozen(later(1)):
        assert "AEGIS_BACKUP" in schedule.problem().text
    assert not BackupRun.objects.exists()


def test_the_workers_housekeeping_round_backs_up_and_survives_a_bad_setting(daily, caplog):
    from aegis.retention import worker

    with clock.frozen(later(1)):
        done = worker.run_rounds()
        assert (done["scheduled backup"], done["expiry"]) == (1, 0)
        daily.AEGIS_BACKUP_SCHEDULE = "hourly"
        assert worker.run_rounds()["scheduled backup"] == 0
    assert "scheduled backup failed: RuleError" in caplog.text


def test_the_page_lists_the_backups_in_the_folder_made_by_hand_too(settings, make_person, tmp_path):
    """The page had shown only the worker's scheduled runs: an administrator who makes them
    with `aegis backup create` saw "No scheduled backup has run yet" and no backup at all."""
    settings.AEGIS_BACKUP_DIR = tmp_path
    client = sign_in(Client(), make_person(Role.ADMIN))
    assert (
        f"There is no backup in {tmp_path}." in client.get("/retention/settings/").content.decode()
    )
    (tmp_path / "made-by-hand.age").write_bytes(b"x" * 2048)
    (tmp_path / "half-written.age.part").write_bytes(b"x")
    page = client.get("/retention/settings/").content.decode()
    assert "<bdi>made-by-hand.age</bdi>" in page and "2.0\xa0KB" in page
    assert "half-written" not in page
