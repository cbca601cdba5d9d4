"""Worker tasks: send what is due, escalate what nobody acknowledged in time."""

from __future__ import annotations

from django_tasks import task

from . import sending, services


@task()
def deliver_due() -> int:
    return sending.deliver_due()


@task()
def escalate_due() -> int:
    return services.escalate_due()
