"""Median time from an alert to its first acknowledgement (alerts.selectors), drills left
out, computed in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aegis import clock
from aegis.alerts import selectors, services
from aegis.alerts.vocabulary import AlertKind
from aegis.roles import Role

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_median_time_to_first_acknowledgement(make_person, make_compartment, make_case):
    coordinator = make_person(Role.COORDINATOR)
    person = make_case(make_compartment(coordinator), coordinator).person
    for day, minutes, drill in ((0, 1, False), (1, 3, False), (2, 10, False), (3, 1, True)):
        with clock.frozen(START + timedelta(days=day)):
            alert = services.raise_alert(person, AlertKind.PANIC, is_drill=drill)
        with clock.frozen(START + timedelta(days=day, minutes=minutes)):
            services.acknowledge_as(alert, coordinator.user)
        with clock.frozen(START + timedelta(days=day, minutes=minutes + 30)):
            services.acknowledge_as(alert, coordinator.user)  # a later one does not count
    year = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert selectors.first_acknowledgement_delays(*year) == (3, timedelta(minutes=3))
    assert selectors.first_acknowledgement_delays(
        datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    ) == (0, None)
