"""A seized copy of the database and media holds no legal hold reason in clear."""

from __future__ import annotations

import pytest

from aegis.retention import services
from aegis.vault.keychain import unlocked
from tests.seizure import find

pytestmark = pytest.mark.django_db(transaction=True)


def test_hold_reasons_are_not_at_rest_in_clear(team, closed_case):
    _lucia, karim, _compartment = team
    case = closed_case()
    canary, lifted = "HoldCanary-8842 court order", "LiftCanary-1907 order ended"
    with unlocked(karim.keychain()):
        hold = services.place_hold(case, canary, actor_id=karim.user.pk)
        services.lift_hold(hold, lifted, actor_id=karim.user.pk)
    assert find([canary.encode(), lifted.encode()]) == []
