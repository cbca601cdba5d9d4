"""The auditor sees the ledger (amounts, dates, kinds, pseudonymous grant references) and
no identity: not on the page, not in the CSV, not in the API (test_api)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aegis.audit import checkpoints
from aegis.audit import services as audit
from aegis.audit.models import AuditCheckpoint
from aegis.support import services
from aegis.support.models import LedgerEntry, LedgerHead
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


def test_the_auditor_signs_downloads_and_checks_ledger_checkpoints_on_the_ledger_page(
    team, three_entries
):
    vera = client(team.vera)
    response = vera.post(reverse("support:ledger-checkpoint-take"), follow=True)
    page = response.content.decode()
    assert "Checkpoint of ledger entry 3 signed" in page
    stored = AuditCheckpoint.objects.get(chain="ledger")
    assert reverse("audit:checkpoint-signature", args=[stored.pk]) in page
    assert audit.instance_key()[0] in page
    # The audit log's page lists the audit log's checkpoints only.
    assert reverse("audit:checkpoint-signature", args=[stored.pk]) not in (
        vera.get(reverse("audit:log")).content.decode()
    )
    statement = vera.get(reverse("audit:checkpoint-statement", args=[stored.pk]))
    signature = vera.get(reverse("audit:checkpoint-signature", args=[stored.pk]))
    assert 'filename="aegis-ledger-3.json.minisig"' in signature["Content-Disposition"]
    mark = checkpoints.read(signature.content.decode(), statement.content.decode())
    assert (mark.chain, mark.entry) == ("ledger", 3)
    # The page's check compares the ledger with the checkpoint kept here.
    LedgerEntry.objects.filter(seq=3).delete()
    LedgerHead.objects.update(seq=2, mac=LedgerEntry.objects.get(seq=2).mac)
    page = vera.get(reverse("support:ledger") + "?verify=1").content.decode()
    assert "The ledger was tampered with: entry 3: is missing" in page
    assert "the checkpoint kept here vouches for entry 3" in page


def test_only_auditors_sign_ledger_checkpoints(team):
    assert client(team.karim).post(reverse("support:ledger-checkpoint-take")).status_code == 403
    assert not AuditCheckpoint.objects.exists()
