"""Amounts keep to their currency's minor unit (ISO 4217): no decimals of yen or won, and the
person-cap message shows a sum with the base currency's decimals, not the database's ten."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from aegis.rules import Conflict, RuleError
from aegis.support import money, services
from aegis.support.models import Grant
from aegis.vault.keychain import unlocked

from .conftest import client, grant_form

pytestmark = pytest.mark.django_db


def test_the_exponents_are_iso_4217s():
    assert [money.exponent(c) for c in ("JPY", "KRW", "CLP", "ISK", "VND", "UGX", "XOF")] == [0] * 7
    assert [money.exponent(c) for c in ("BHD", "KWD", "JOD", "OMR", "TND", "IQD", "LYD")] == [3] * 7
    assert money.exponent("EUR") == 2
    assert money.shown(Decimal("10506.2000000000"), "EUR") == "10506.20"
    assert money.shown(Decimal("1000"), "JPY") == "1000"


@pytest.mark.parametrize("code", ["JPY", "KRW", "XOF"])
def test_a_zero_decimal_currency_refuses_decimals(team, code):
    with pytest.raises(RuleError, match=f"{code} has no minor unit") as refused:
        team.grant(amount="1000.5", currency=code, rate_to_base="0.006")
    assert refused.value.field == "amount"
    assert not Grant.objects.exists()
    grant = team.grant(amount="1000", currency=code, rate_to_base="0.006")
    assert grant.amount == Decimal("1000")


def test_other_amounts_in_such_a_currency_refuse_decimals_too(team):
    grant = team.grant(amount="1000", currency="JPY", rate_to_base="0.006")
    with pytest.raises(RuleError, match="no minor unit") as refused:
        team.grant(
            amount="1000",
            currency="JPY",
            rate_to_base="0.006",
            budget_lines=[("Phone", "500.5"), ("Case", "499.5")],
        )
    assert refused.value.field == "budget_lines"
    with unlocked(team.lucia.keychain()):
        services.do_diligence(grant, actor=team.lucia.user, note="Checked")
    with unlocked(team.karim.keychain()), pytest.raises(RuleError, match="no minor unit"):
        services.approve(
            grant, actor=team.karim.user, approved_amount="999.5", rate_to_base="0.006"
        )
    for approver in (team.karim, team.ana):
        with unlocked(approver.keychain()):
            services.approve(grant, actor=approver.user, rate_to_base="0.006")
    with unlocked(team.karim.keychain()), pytest.raises(RuleError, match="no minor unit"):
        services.disburse(
            grant,
            actor=team.karim.user,
            method="bank",
            amount="10.5",
            currency="JPY",
            payment_details="IBAN",
        )


def test_three_decimal_currencies_take_two(team):
    grant = team.grant(amount="100.25", currency="BHD", rate_to_base="2.4")
    assert grant.amount == Decimal("100.25")


def test_the_page_refuses_decimals_of_yen(team):
    form = grant_form(team, amount="1000.5", currency="JPY", rate_to_base="0.006", budget_lines="")
    page = client(team.karim).post(reverse("support:grant-new"), form).content.decode()
    assert "JPY has no minor unit" in page
    assert not Grant.objects.exists()


def test_the_person_cap_shows_the_sum_with_two_decimals(team, settings):
    settings.SUPPORT_PERSON_CAP = "11000"
    team.grant(amount="5000.10")
    team.grant(amount="5506.10")
    with pytest.raises(Conflict) as refused:
        team.grant(amount="1000")
    assert "; 10506.20 EUR are already granted" in str(refused.value)
