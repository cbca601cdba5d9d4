"""The worker's part of a check of the log asked for on the auditor's page: a slice of the
walk per task, each queuing the next, so that other tasks are not held behind a long log."""

from __future__ import annotations

from django_tasks import task

from . import integrity
from .models import AuditCheck


@task()
def check_integrity(check_id: int) -> str:
    state = integrity.run_slice(check_id, integrity.SLICE)
    if state == AuditCheck.State.CHECKING:
        check_integrity.enqueue(check_id)
    return state
