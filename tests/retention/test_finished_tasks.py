"""The worker's finished task rows: their arguments name a person, an alert or an article
(a news alert's trigger key), so the daily run removes a successful one after a day, a
failed one after a week, and one left running by a killed worker a week on; a task not yet
run is never touched."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from aegis import clock
from aegis.monitoring.tasks import check_mentions
from aegis.retention import services

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2030, 6, 1, 12, tzinfo=datetime.UTC)


def _task(
    status: str | None,
    finished_ago: datetime.timedelta | None,
    started_ago: datetime.timedelta | None = None,
) -> str:
    result = check_mentions.enqueue(0)
    if status is not None:
        DBTaskResult.objects.filter(pk=result.id).update(
            status=status,
            finished_at=NOW - finished_ago if finished_ago else None,
            started_at=NOW - started_ago if started_ago else None,
        )
    return str(result.id)


def test_finished_tasks_are_removed_after_their_time_and_waiting_ones_never(capsys):
    hours, days = datetime.timedelta(hours=1), datetime.timedelta(days=1)
    gone = {
        _task(TaskResultStatus.SUCCESSFUL, 25 * hours),
        _task(TaskResultStatus.FAILED, 8 * days),
        _task(TaskResultStatus.RUNNING, None, 8 * days),  # its worker was killed
    }
    kept = {
        _task(TaskResultStatus.SUCCESSFUL, 23 * hours),
        _task(TaskResultStatus.FAILED, 6 * days),
        _task(None, None),  # waiting for the worker
        _task(TaskResultStatus.RUNNING, None, hours),
    }
    with clock.frozen(NOW):
        call_command("retention", "run", "--dry-run")
        assert "would expire: 3 finished worker tasks" in capsys.readouterr().out
        assert DBTaskResult.objects.count() == 7
        assert services.expire().finished_tasks == 3
    left = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert left == kept and not gone & left
