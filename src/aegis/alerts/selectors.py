"""Reads of alerts. A responder sees the alerts addressed to them and those of their
compartments; anyone else's alert answers None, exactly like a missing one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet

from aegis import clock
from aegis.cases import selectors as cases
from aegis.cases.models import Person
from aegis.safety import selectors as safety

from .models import Alert, Delivery
from .vocabulary import AlertStatus, DeliveryState


def visible_alerts(user: Any) -> QuerySet[Alert]:
    mine = Delivery.objects.filter(recipient_user=user).values("alert_id")
    return Alert.objects.filter(
        Q(compartment__in=cases.compartments_of(user)) | Q(pk__in=mine)
    ).distinct()


def alert_for(user: Any, alert_id: int) -> Alert | None:
    return visible_alerts(user).filter(pk=alert_id).first()


def own_person(user: Any) -> Person | None:
    return safety.own_person(user)


def person_for_staff(user: Any, person_id: int) -> Person | None:
    return cases.person_for(user, person_id)


@dataclass(frozen=True)
class ConsoleRow:
    alert: Alert
    since: timedelta

    @property
    def minutes(self) -> int:
        return int(self.since.total_seconds() // 60)

    acknowledgements: list[Any]
    failures: int


def console(user: Any) -> list[ConsoleRow]:
    """Open and acknowledged alerts, newest first, with who acknowledged and failures."""
    alerts = (
        visible_alerts(user)
        .exclude(status=AlertStatus.RESOLVED)
        .select_related("person")
        .prefetch_related("acknowledgements__delivery__recipient_user", "deliveries")
        .order_by("-triggered_at")
    )
    now = clock.now()
    return [
        ConsoleRow(
            alert=alert,
            since=now - alert.triggered_at,
            acknowledgements=list(alert.acknowledgements.all()),
            failures=sum(d.state == DeliveryState.FAILED for d in alert.deliveries.all()),
        )
        for alert in alerts
    ]


def failed_deliveries(alert: Alert) -> list[Delivery]:
    return [d for d in alert.deliveries.all() if d.state == DeliveryState.FAILED]


def delivery_by_id(delivery_id: int) -> Delivery | None:
    return Delivery.objects.select_related("alert").filter(pk=delivery_id).first()
