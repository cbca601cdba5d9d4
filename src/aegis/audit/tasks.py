"""The worker's part of a check of the log asked for on the auditor's page."""

from __future__ import annotations

from django_tasks import task

from . import integrity


@task()
def check_integrity(check_id: int) -> str:
    return integrity.run_check(check_id)
