import datetime

import pytest
from django.utils import timezone

from aegis import clock

pytestmark = pytest.mark.engine_independent


def test_frozen_clock_and_advance():
    at = datetime.datetime(2026, 1, 31, 23, 0, tzinfo=datetime.UTC)
    with clock.frozen(at):
        assert clock.now() == at
        clock.advance(datetime.timedelta(hours=2))
        assert clock.today() == timezone.localdate(at + datetime.timedelta(hours=2))
    assert abs(clock.now() - timezone.now()) < datetime.timedelta(seconds=5)
