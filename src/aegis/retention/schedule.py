"""Scheduled backups by the worker: one a day when AEGIS_BACKUP_SCHEDULE is "daily", the
oldest pruned to keep AEGIS_BACKUP_KEEP, every run's outcome kept (BackupRun). A failed run
or none within the schedule and its grace (AEGIS_BACKUP_GRACE_HOURS) is a problem the
admin sees on the retention page and the work queue."""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from aegis import clock
from aegis.backups import selectors as backup_selectors
from aegis.backups import services as backups
from aegis.rules import RuleError
from aegis.vault import services as vault

from .models import BackupRun

logger = logging.getLogger(__name__)

INTERVALS = {"daily": datetime.timedelta(days=1)}
# After a failure the worker tries again this much later, not every few seconds.
RETRY_AFTER = datetime.timedelta(hours=1)
# Only the files the schedule names this way are pruned; others in the folder are left alone.
SCHEDULED_NAME = re.compile(r"^aegis-backup-\d{8}-\d{6}\.age$")


@dataclass(frozen=True)
class Schedule:
    interval: datetime.timedelta | None  # None: off
    keep: int
    grace: datetime.timedelta


def schedule() -> Schedule:
    """The settings, checked: RuleError says which one is wrong and how."""
    name = str(settings.AEGIS_BACKUP_SCHEDULE).strip().lower()
    if name not in (*INTERVALS, "off"):
        raise RuleError(
            _("AEGIS_BACKUP_SCHEDULE must be 'daily' or 'off', not '%(value)s'.") % {"value": name}
        )
    try:
        keep = int(str(settings.AEGIS_BACKUP_KEEP))
        grace = float(str(settings.AEGIS_BACKUP_GRACE_HOURS))
    except ValueError:
        keep, grace = 0, -1.0
    if keep < 1 or grace < 0:
        raise RuleError(
            _(
                "AEGIS_BACKUP_KEEP must be a whole number of at least 1 and "
                "AEGIS_BACKUP_GRACE_HOURS a number of hours, 0 or more."
            )
        )
    return Schedule(INTERVALS.get(name), keep, datetime.timedelta(hours=grace))


def last_success() -> BackupRun | None:
    return BackupRun.objects.exclude(finished_at=None).filter(error="").first()


def due(now: datetime.datetime | None = None) -> bool:
    """A backup is due when the last good one is a schedule's interval old (or there is
    none), unless the last try failed less than RETRY_AFTER ago."""
    plan = schedule()
    if plan.interval is None or vault.recovery_keypair() is None:
        return False
    now = now or clock.now()
    good = last_success()
    if good is not None and now - good.started_at < plan.interval:
        return False
    last = BackupRun.objects.first()
    return last is None or last.succeeded or now - last.started_at >= RETRY_AFTER


def run_backup() -> BackupRun:
    """Make one backup into AEGIS_BACKUP_DIR and prune; the outcome is recorded, a failure
    included (its message, never a traceback)."""
    plan = schedule()
    run = BackupRun.objects.create(started_at=clock.now())
    try:
        made = backups.create_backup()
    except RuleError as error:
        run.error = error.message
    except OSError as error:
        run.error = _("Cannot write the backup folder: %(why)s.") % {
            "why": error.strerror or type(error).__name__
        }
    else:
        run.file = made.path.name
        run.size = made.path.stat().st_size
        run.pruned = prune(plan.keep)
    run.finished_at = clock.now()
    run.save()
    if run.error:
        logger.error("scheduled backup failed")  # the reason is on the admin's page
    return run


def prune(keep: int) -> int:
    """Delete the oldest scheduled backups beyond `keep`; how many went."""
    listed = [b for b in backup_selectors.backups() if SCHEDULED_NAME.match(b.path.name)]
    removed = 0
    for old in listed[keep:]:
        try:
            old.path.unlink()
            removed += 1
        except OSError:
            logger.warning("could not prune an old backup")
    return removed


def backup_if_due() -> int:
    """The worker's round: 1 when it made (or tried) a backup."""
    if not due():
        return 0
    run_backup()
    return 1


def interrupted_runs_failed() -> int:
    """At the worker's start: runs a stopped worker left unfinished count as failed."""
    return BackupRun.objects.filter(finished_at=None).update(
        finished_at=clock.now(), error=_("The worker stopped before the backup was finished.")
    )


@dataclass(frozen=True)
class Problem:
    text: str
    since: datetime.datetime | None


def problem(now: datetime.datetime | None = None) -> Problem | None:
    """What the admin must know: the last scheduled backup failed, or none was made within
    the schedule and its grace. None when all is well or the schedule is off."""
    try:
        plan = schedule()
    except RuleError as error:
        return Problem(error.message, None)
    if plan.interval is None:
        return None
    now = now or clock.now()
    last = BackupRun.objects.exclude(finished_at=None).first()
    if last is not None and last.error:
        return Problem(
            _("The last scheduled backup failed: %(why)s") % {"why": last.error}, last.started_at
        )
    good = last_success()
    since = good.started_at if good is not None else _instance_started()
    if since is not None and now - since > plan.interval + plan.grace:
        return Problem(_("No scheduled backup was made on time: is the worker running?"), since)
    return None


def _instance_started() -> datetime.datetime | None:
    keypair = vault.recovery_keypair()
    return keypair.created_at if keypair is not None else None
