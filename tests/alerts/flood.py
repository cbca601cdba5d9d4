"""A flood of open alerts (a rule firing in a loop): `flood(alert, n)` writes n copies of a
raised alert, each with copies of its ladder steps and deliveries, in batches. The copies
share the alert's data key (an open alert has no outcome to read), and their trigger times
step back a second at a time from the alert's, `same_time` alerts to a second, so that pages
cut through runs of equal times."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aegis.alerts.models import Alert, Delivery, EscalationLevel

BATCH = 1000


def _copy(row: Any, **fields: Any) -> Any:
    data = {
        f.attname: row.__dict__[f.attname]  # ciphertext stays ciphertext
        for f in row._meta.concrete_fields
        if not f.primary_key
    }
    data.update(fields)
    return type(row)(**data)


def flood(alert: Alert, n: int, *, same_time: int = 1) -> list[int]:
    """n copies of `alert` and its steps and deliveries; their ids, newest first."""
    levels = list(EscalationLevel.objects.filter(alert=alert))
    deliveries = list(Delivery.objects.filter(alert=alert))
    made: list[int] = []
    for start in range(0, n, BATCH):
        copies = Alert.objects.bulk_create(
            _copy(
                alert,
                trigger_key=None,
                triggered_at=alert.triggered_at - timedelta(seconds=1 + i // same_time),
            )
            for i in range(start, min(n, start + BATCH))
        )
        ids = [copy.pk for copy in copies]
        if any(pk is None for pk in ids):  # no RETURNING: read them back
            ids = list(
                Alert.objects.filter(pk__gt=max(made or [alert.pk]))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        EscalationLevel.objects.bulk_create(
            _copy(level, alert_id=pk) for pk in ids for level in levels
        )
        Delivery.objects.bulk_create(
            _copy(d, alert_id=pk, idempotency_key=f"{d.idempotency_key}:{pk}")
            for pk in ids
            for d in deliveries
        )
        made += ids
    return made
