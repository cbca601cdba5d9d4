"""A refused action of the grant page shows the page again (422) with what was typed, the
error beside its input: it had redirected, emptying the amount, the rate and the payment
details and saying the error only at the top."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aegis.support.models import Approval, Disbursement, GrantReport, LedgerEntry
from aegis.vault.keychain import unlocked

from .conftest import client

pytestmark = pytest.mark.django_db


def _beside(page: str, field_id: str, words: str) -> bool:
    """The error is in the same field block as the input `field_id`."""
    for block in re.split(r"(?=<div)", page):
        if f'id="{field_id}"' in block and words in block:
            return True
    return False


def test_a_refused_tranche_keeps_what_was_typed(team):
    grant = team.approved_grant(amount="1000")
    url = reverse("support:grant-disburse", kwargs={"grant_id": grant.pk})
    body = {
        "method": "mobile",
        "amount": "1300",
        "currency": "EUR",
        "payment_details": "Nequi 300 555 0101",
    }
    response = client(team.karim).post(url, body)
    assert response.status_code == 422
    page = response.content.decode()
    assert 'value="1300"' in page and "Nequi 300 555 0101" in page
    assert '<option value="mobile" selected>' in page
    assert _beside(page, "id_amount", "past the amount approved")
    assert not Disbursement.objects.exists() and not LedgerEntry.objects.exists()


def test_a_refused_return_and_approval_keep_what_was_typed(team):
    grant = team.disbursed_grant(paid="800")
    url = reverse("support:grant-return", kwargs={"grant_id": grant.pk})
    response = client(team.ana).post(url, {"amount": "1e3", "currency": "EUR"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'value="1e3"' in page and _beside(page, "id_return_amount", "as a number")
    other = team.grant_in_diligence(amount="500")
    url = reverse("support:grant-approve", kwargs={"grant_id": other.pk})
    response = client(team.karim).post(url, {"approved_amount": "900"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'value="900"' in page and _beside(page, "id_approved_amount", "more than the amount")
    assert not Approval.objects.filter(grant=other).exists()


def test_a_second_report_of_a_kind_keeps_the_text_typed(team):
    grant = team.disbursed_grant()
    url = reverse("support:grant-report", kwargs={"grant_id": grant.pk})
    lucia = client(team.lucia)
    assert lucia.post(url, {"kind": "narrative", "text": "All well"}).status_code == 302
    response = lucia.post(url, {"kind": "narrative", "text": "Again, in other words"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Again, in other words" in page and _beside(page, "id_kind", "received already")
    with unlocked(team.lucia.keychain()):
        assert GrantReport.objects.get(grant=grant, kind="narrative").text == "All well"


def test_a_refusal_about_the_grant_is_said_above_the_page(team):
    grant = team.grant_in_diligence(amount="6000")  # two approvers needed
    url = reverse("support:grant-approve", kwargs={"grant_id": grant.pk})
    karim = client(team.karim)
    assert karim.post(url, {"approved_amount": ""}).status_code == 302
    response = karim.post(url, {})
    assert response.status_code == 422
    assert "You have approved this grant already" in response.content.decode()
    assert Approval.objects.filter(grant=grant).count() == 1
