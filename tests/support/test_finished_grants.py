"""A closed, withdrawn or rejected grant takes no more changes: no return of funds, no receipt
acknowledged; each refused in words as a conflict with the grant's state (409 by the API)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aegis.rules import Conflict
from aegis.support import services
from aegis.support.models import Disbursement, Grant, LedgerEntry
from aegis.vault.keychain import unlocked

from .conftest import client

pytestmark = pytest.mark.django_db


def _closed(team):
    grant = team.disbursed_grant(paid="800")
    with unlocked(team.lucia.keychain()):
        for kind in ("narrative", "financial"):
            services.receive_report(grant, kind, actor=team.lucia.user, text="Done")
    with unlocked(team.karim.keychain()):
        services.close(grant, actor=team.karim.user)
    return Grant.objects.get(pk=grant.pk)


def test_a_closed_grant_takes_no_return(team):
    grant = _closed(team)
    with unlocked(team.ana.keychain()), pytest.raises(Conflict, match="no more changes"):
        services.return_funds(grant, actor=team.ana.user, amount="10", currency="EUR")
    assert not LedgerEntry.objects.filter(kind="return").exists()


def test_a_closed_grant_takes_no_receipt(team):
    grant = _closed(team)
    tranche = grant.disbursements.get()
    with unlocked(team.lucia.keychain()), pytest.raises(Conflict, match="no more changes"):
        services.acknowledge_receipt(tranche, actor=team.lucia.user)
    assert Disbursement.objects.get(pk=tranche.pk).receipt_at is None


def test_a_withdrawn_grant_takes_no_return(team):
    grant = team.disbursed_grant(paid="800")
    Grant.objects.filter(pk=grant.pk).update(status="withdrawn")  # as the old code allowed
    with unlocked(team.ana.keychain()), pytest.raises(Conflict, match="no more changes"):
        services.return_funds(grant, actor=team.ana.user, amount="10", currency="EUR")


def test_the_pages_refuse_changes_to_a_closed_grant(team):
    grant = _closed(team)
    url = reverse("support:grant-return", kwargs={"grant_id": grant.pk})
    page = client(team.ana).post(url, {"amount": "10", "currency": "EUR"}, follow=True)
    assert "it takes no more changes" in page.content.decode()
    url = reverse("support:grant-receipt", kwargs={"grant_id": grant.pk, "tranche": 1})
    page = client(team.lucia).post(url, follow=True)
    assert "it takes no more changes" in page.content.decode()
    assert not LedgerEntry.objects.filter(kind="return").exists()
    assert not Disbursement.objects.filter(receipt_at__isnull=False).exists()
