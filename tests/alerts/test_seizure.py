"""Seizing the server: contact addresses and alert outcomes are never in clear."""

from __future__ import annotations

import pytest

from aegis.alerts import services
from aegis.alerts.models import Delivery
from aegis.alerts.vocabulary import AlertKind
from aegis.vault.keychain import unlocked
from tests import seizure

from .conftest import CONTACT_EMAIL, CONTACT_PHONE, SECOND_PHONE

OUTCOME = "Moved to the Kisumu safe house by Wanjiru"


@pytest.mark.django_db(transaction=True)
def test_contact_addresses_and_outcomes_are_never_in_clear(team):
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    with unlocked(team.karim.keychain()):
        services.resolve(alert, OUTCOME, actor=team.karim.user)
    # The addresses are really in the outbox, only encrypted.
    assert Delivery.objects.filter(alert=alert).count() == 3
    needles = [CONTACT_EMAIL, CONTACT_PHONE, SECOND_PHONE, OUTCOME]
    assert seizure.find([n.encode() for n in needles]) == []
