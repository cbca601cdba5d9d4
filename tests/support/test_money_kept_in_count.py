"""Money paid on a grant stays counted: a grant with tranches cannot be withdrawn (the unspent
funds are returned and the grant closed instead), and money paid on a grant that is withdrawn
or rejected anyway still counts against the person's cap and in the summary's Disbursed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from aegis.rules import Conflict
from aegis.support import selectors, services
from aegis.support.models import Grant
from aegis.vault.keychain import unlocked

from .conftest import client

pytestmark = pytest.mark.django_db


def test_a_grant_with_money_paid_cannot_be_withdrawn(team):
    grant = team.disbursed_grant(paid="770")
    with unlocked(team.lucia.keychain()), pytest.raises(Conflict, match="return") as refused:
        services.withdraw(grant, actor=team.lucia.user)
    assert "close" in str(refused.value)
    assert Grant.objects.get(pk=grant.pk).status == "disbursed"


def test_the_withdraw_page_says_what_to_do_instead(team):
    grant = team.disbursed_grant(paid="770")
    url = reverse("support:grant-withdraw", args=[grant.pk])
    page = client(team.lucia).post(url, follow=True).content.decode()
    assert "cannot be withdrawn" in page
    assert Grant.objects.get(pk=grant.pk).status == "disbursed"


def test_a_grant_with_nothing_paid_is_still_withdrawn(team):
    grant = team.approved_grant()
    with unlocked(team.lucia.keychain()):
        services.withdraw(grant, actor=team.lucia.user)
    assert Grant.objects.get(pk=grant.pk).status == "withdrawn"


def _withdrawn_anyway(grant):
    """A grant withdrawn after its tranches, as the old code allowed."""
    Grant.objects.filter(pk=grant.pk).update(status="withdrawn")


def test_money_paid_on_a_withdrawn_grant_counts_against_the_cap(team, settings):
    settings.SUPPORT_PERSON_CAP = "2000"
    _withdrawn_anyway(team.disbursed_grant(paid="770"))
    team.grant(amount="1230")  # 770 + 1230 is the cap, no more
    with pytest.raises(Conflict, match=r"2000\.00 EUR are already"):
        team.grant(amount="1")


def test_money_paid_on_a_withdrawn_grant_counts_in_the_summary(team):
    _withdrawn_anyway(team.disbursed_grant(paid="770"))
    team.disbursed_grant(paid="800")
    assert selectors.grant_totals().disbursed == Decimal("1570.00")
    page = client(team.karim).get(reverse("support:summary")).content.decode()
    assert "1570.00" in page


def test_the_grant_page_offers_no_withdrawal_once_money_is_paid(team):
    grant = team.disbursed_grant(paid="770")
    page = client(team.lucia).get(reverse("support:grant", args=[grant.pk])).content.decode()
    assert reverse("support:grant-withdraw", args=[grant.pk]) not in page
