"""Worker tasks: send what is due, and raise alerts that could not be raised in place.

An alert queues `deliver_due` in the transaction that writes its outbox. Where the alert
loop runs beside the task worker (`aegis worker`), the task only wakes the loop, which
sends; a task worker on its own sends itself."""

from __future__ import annotations

from django_tasks import task

from . import sending, services, worker


@task()
def deliver_due() -> int:
    """How many this task sent (0 when it woke the alert loop, which sends them)."""
    if worker.wake():
        return 0
    return sending.deliver_due()


@task()
def raise_deferred(
    person_id: int, kind: str, actor_id: int | None, rule_id: int | None, trigger_key: str
) -> bool:
    """An alert that could not be raised where it was triggered (services.raise_or_defer).
    Its trigger key makes a retry of this task raise it once."""
    return services.raise_deferred(person_id, kind, actor_id, rule_id, trigger_key)
