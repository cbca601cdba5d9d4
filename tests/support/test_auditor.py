"""The auditor sees the ledger (amounts, dates, kinds, pseudonymous grant references) and
no identity: not on the page, not in the CSV, not in the API (test_api)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aegis.support import services
from aegis.vault.keychain import unlocked

from .conftest import client

pytestmark = pytest.mark.django_db


def test_ledger_page_and_csv_show_amounts_and_no_identity(team):
    grant = team.grant(need="Family of Marisol Quintero in hiding")
    with unlocked(team.lucia.keychain()):
        services.do_diligence(grant, actor=team.lucia.user, note="Checked")
    with unlocked(team.karim.keychain()):
        services.approve(grant, actor=team.karim.user)
        services.disburse(
            grant,
            actor=team.karim.user,
            method="mobile",
            amount="250",
            currency="EUR",
            payment_details="Nequi 3005550199",
        )
    with unlocked(team.lucia.keychain()):
        person = team.case.person
        identities = [
            person.pseudonym,
            person.legal_name,
            team.case.reference,
            "Marisol",
            "3005550199",
            "lucia",
            "karim",
        ]
    vera = client(team.vera)
    page = vera.get(reverse("support:ledger") + "?verify=1").content.decode()
    csv = vera.get(reverse("support:ledger-export")).content.decode()
    for shown in (page, csv):
        assert grant.reference in shown and "250.00" in shown
        for identity in identities:
            assert identity not in shown, identity
    assert "The ledger is intact: 1 entry verified." in page
    assert csv.splitlines()[0].startswith("entry,date,kind,grant")
