"""Exchange rates an independent tester bent: a grant in the base currency asked "at 0.01"
(a hundredth of it counted against the caps and the second-approver threshold), a tranche
of 900,000 EUR typed at 0.000001 on a 4,000 EUR grant, 4.99 at 0.001 recorded as nothing,
gold (XAU) as a currency. A rate is 1 in the grant's own currency, the confirmed rate in
the base one, confirmed by every approver; nothing else is taken."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from aegis.rules import RuleError
from aegis.support import ledger, money, selectors, services
from aegis.support.models import Approval, Disbursement, Grant, LedgerEntry
from aegis.vault.keychain import unlocked

from .conftest import api_client, client

pytestmark = pytest.mark.django_db


def _refused(call, *args, match: str, field: str, **kwargs) -> None:
    with pytest.raises(RuleError, match=match) as refused:
        call(*args, **kwargs)
    assert refused.value.field == field, refused.value


def _in_diligence(team, **fields):
    grant = team.grant(**fields)
    with unlocked(team.lucia.keychain()):
        services.do_diligence(grant, actor=team.lucia.user, note="Checked")
    return Grant.objects.get(pk=grant.pk)


def _approve(team, grant, by=None, **fields):
    by = by or team.karim
    with unlocked(by.keychain()):
        services.approve(grant, actor=by.user, **fields)
    return Grant.objects.get(pk=grant.pk)


def _approve_twice(team, grant, rate):
    """A grant in another currency than the base one: two coordinators approve it."""
    grant = _approve(team, grant, rate_to_base=rate)
    return _approve(team, grant, by=team.ana, rate_to_base=rate)


def _pay(team, grant, **fields):
    values = {"method": "bank", "currency": grant.currency, "payment_details": "IBAN", **fields}
    with unlocked(team.karim.keychain()):
        return services.disburse(grant, actor=team.karim.user, **values)


# --- Asking: the base currency is at rate 1 --------------------------------------------------


def test_a_grant_in_the_base_currency_is_at_rate_1(team):
    _refused(
        team.grant,
        amount="100000",
        rate_to_base="0.01",
        match=r"In the organisation's base currency \(EUR\) the rate is 1\.",
        field="rate_to_base",
    )
    assert not Grant.objects.exists()
    for typed in (None, "", "1", "1.00"):
        made = team.grant(amount="100", rate_to_base=typed)
        assert made.rate_to_base == 1 and made.base_amount == Decimal("100.00")


def test_a_base_currency_grant_stored_at_another_rate_counts_at_1(team):
    """A grant asked before the rule may hold another rate: the number of approvers and
    the caps count it at 1 all the same."""
    grant = _in_diligence(team, amount="6000")
    Grant.objects.filter(pk=grant.pk).update(rate_to_base=Decimal("0.01"), base_amount=60)
    grant = Grant.objects.get(pk=grant.pk)
    assert selectors.grant_file(grant).needed == 2
    grant = _approve(team, grant)
    assert grant.status == "diligence" and grant.rate_to_base == 1
    assert grant.base_amount == Decimal("6000.00")


# --- Approving: every approver confirms the rate ---------------------------------------------


def test_every_approver_confirms_the_rate_asked(team):
    grant = _in_diligence(team, amount="6000", currency="USD", rate_to_base="0.9")  # 5,400 EUR
    _refused(_approve, team, grant, match="Confirm the exchange rate", field="rate_to_base")
    _refused(
        _approve,
        team,
        grant,
        rate_to_base="0.5",
        match=r"asked at 0\.9 EUR per USD, not 0\.5",
        field="rate_to_base",
    )
    _refused(_approve, team, grant, rate_to_base="1e3", match="exchange rate", field="rate_to_base")
    assert not Approval.objects.exists()
    grant = _approve(team, grant, rate_to_base="0.90")
    assert grant.status == "diligence" and grant.base_amount == Decimal("5400.00")
    assert selectors.grant_file(grant).needed == 2
    # The second approver confirms it too: a rate other than the one approved is refused.
    _refused(_approve, team, grant, by=team.ana, match="Confirm", field="rate_to_base")
    _refused(
        _approve,
        team,
        grant,
        by=team.ana,
        rate_to_base="0.09",
        match="not 0.09",
        field="rate_to_base",
    )
    grant = _approve(team, grant, by=team.ana, rate_to_base="0.9")
    assert grant.status == "approved" and grant.approvals.count() == 2


def test_the_approval_page_and_api_show_amount_rate_and_base_amount(team):
    grant = _in_diligence(team, amount="100000", currency="USD", rate_to_base="0.01")
    url = reverse("support:grant", kwargs={"grant_id": grant.pk})
    page = client(team.karim).get(url).content.decode()
    assert '<dd id="grant-rate">0.01 EUR/USD</dd>' in page
    assert "100000.00 USD × 0.01 = 1000.00 EUR" in page
    # The rate asked is typed by the approver, not filled in for them.
    assert 'name="rate_to_base"' in page and 'name="rate_to_base" value=' not in page
    body = api_client(team.karim).get(f"/api/v1/support/grants/{grant.pk}").json()
    assert (body["amount"], body["rate_to_base"], body["base_amount"], body["base_currency"]) == (
        "100000.00",
        "0.01",
        "1000.00",
        "EUR",
    )
    approve = f"/api/v1/support/grants/{grant.pk}/approve"
    refused = api_client(team.karim).post(approve, data="{}", content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "rate_to_base"
    done = client(team.karim).post(
        reverse("support:grant-approve", kwargs={"grant_id": grant.pk}),
        {"approved_amount": "", "rate_to_base": "0.01"},
    )
    assert done.status_code == 302
    # A rate is the requester's word: a grant in another currency needs a second approver
    # however small it is counted (100,000 USD had passed as 1,000 EUR with one).
    assert Grant.objects.get(pk=grant.pk).status != "approved"
    with unlocked(team.ana.keychain()):
        services.approve(Grant.objects.get(pk=grant.pk), actor=team.ana.user, rate_to_base="0.01")
    assert Grant.objects.get(pk=grant.pk).status == "approved"


# --- Paying: the grant's currency at 1, the base currency at the grant's rate -----------------


def test_a_tranche_in_the_grants_currency_is_at_rate_1(team):
    grant = team.approved_grant(amount="4000")
    for fields, match, field in [
        ({"amount": "900000", "rate": "0.000001"}, r"own currency \(EUR\) the rate is 1", "rate"),
        ({"amount": "4.99", "rate": "0.001"}, "the rate is 1", "rate"),
        ({"amount": "900000", "currency": "COP", "rate": "0.000001"}, "Pay in EUR;", "currency"),
        ({"amount": "10", "currency": "XAU"}, "not a currency money is paid in", "currency"),
        ({"amount": "1e3"}, "as a number", "amount"),
    ]:
        _refused(_pay, team, grant, match=match, field=field, **fields)
    assert not Disbursement.objects.exists() and not LedgerEntry.objects.exists()
    _pay(team, grant, amount="4000", rate="1")
    _refused(_pay, team, grant, amount="0.01", match="past the amount approved", field="amount")


def test_a_tranche_in_the_base_currency_is_at_the_grants_rate(team):
    grant = _in_diligence(team, amount="1000", currency="USD", rate_to_base="0.8")
    grant = _approve_twice(team, grant, "0.8")
    _refused(
        _pay,
        team,
        grant,
        amount="100",
        currency="COP",
        match="Pay in USD or EUR; a payment made in another currency",
        field="currency",
    )
    _refused(
        _pay,
        team,
        grant,
        amount="100",
        currency="EUR",
        rate="0.000001",
        match=r"In EUR the rate is the grant's own \(1\.25 USD per EUR\)",
        field="rate",
    )
    eur = _pay(team, grant, amount="400", currency="EUR")  # 500 USD
    assert (eur.rate, eur.grant_amount) == (Decimal("1.25"), Decimal("500.00"))
    _pay(team, grant, amount="300", currency="USD")
    _refused(_pay, team, grant, amount="160.01", currency="EUR", match="past", field="amount")
    with unlocked(team.ana.keychain()):
        services.return_funds(grant, actor=team.ana.user, amount="40", currency="EUR")  # 50 USD
        with pytest.raises(RuleError, match="Pay in USD or EUR"):
            services.return_funds(grant, actor=team.ana.user, amount="1", currency="GBP")
    assert ledger.verify() == (3, None)
    # The grant page, the ledger and the programme summary give the same figures.
    page = client(team.karim).get(reverse("support:grant", kwargs={"grant_id": grant.pk}))
    assert 'id="grant-paid">800.00 USD' in page.content.decode()
    assert 'id="grant-returned">50.00 USD' in page.content.decode()
    entries = list(LedgerEntry.objects.values_list("amount", "currency", "grant_amount"))
    assert entries == [
        (Decimal("400.00"), "EUR", Decimal("500.00")),
        (Decimal("300.00"), "USD", Decimal("300.00")),
        (Decimal("40.00"), "EUR", Decimal("50.00")),
    ]
    totals = selectors.grant_totals()
    assert (totals.amount, totals.disbursed, totals.returned) == (
        Decimal("800.00"),
        Decimal("640.00"),
        Decimal("40.00"),
    )


def test_a_tranche_worth_nothing_once_converted_is_refused(team):
    grant = _in_diligence(team, amount="100", currency="KWD", rate_to_base="3")
    grant = _approve_twice(team, grant, "3")
    _refused(
        _pay,
        team,
        grant,
        amount="0.01",
        currency="EUR",
        match=r"comes to 0\.00 KWD once converted, which is nothing",
        field="amount",
    )
    assert not LedgerEntry.objects.exists()


def test_the_tranche_form_offers_the_two_currencies_and_no_rate(team):
    grant = _in_diligence(team, amount="1000", currency="USD", rate_to_base="0.8")
    grant = _approve_twice(team, grant, "0.8")
    page = client(team.karim).get(reverse("support:grant", kwargs={"grant_id": grant.pk}))
    text = page.content.decode()
    assert text.count('<option value="EUR"') == 1 and text.count('<option value="USD"') == 1
    assert '<option value="COP"' not in text and 'name="rate"' not in text
    assert "1 EUR = 1.25 USD" in text
    response = client(team.karim).post(
        reverse("support:grant-disburse", kwargs={"grant_id": grant.pk}),
        {"method": "bank", "amount": "80", "currency": "EUR", "payment_details": "IBAN"},
    )
    assert response.status_code == 302
    assert Disbursement.objects.get().grant_amount == Decimal("100.00")
    tranche = f"/api/v1/support/grants/{grant.pk}/tranches"
    body = {"method": "bank", "amount": "10", "currency": "EUR", "payment_details": "x"}
    refused = api_client(team.karim).post(
        tranche, data=json.dumps({**body, "rate": "9"}), content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["field"] == "rate"


# --- Currencies that are no money ------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    ["XXX", "XAU", "XAG", "XPT", "XPD", "XDR", "XTS", "XBA", "XSU", "USN", "BOV", "CLF", "CHE"],
)
def test_a_code_that_is_no_money_is_refused(code):
    with pytest.raises(RuleError, match="not a currency money is paid in") as refused:
        money.currency(code.lower())
    assert refused.value.field == "currency"
    assert code not in dict(money.currencies())


@pytest.mark.parametrize("code", ["XOF", "XAF", "XCD", "XPF", "EUR"])
def test_real_currencies_with_an_x_stay(code):
    assert money.currency(code) == code and code in dict(money.currencies())


def test_a_base_currency_grant_asked_at_another_rate_before_is_counted_at_1(team):
    """Grants asked 'EUR at 0.01' before the rule kept a base amount of a hundredth: the
    migration counts them again at 1 (approved or not), and leaves other currencies alone."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "aegis.support.migrations.0004_base_currency_grants_at_rate_1"
    )
    asked = team.grant(amount="4000")
    approved = team.approved_grant(amount="3000")
    foreign = _in_diligence(team, amount="1000", currency="USD", rate_to_base="0.8")
    Grant.objects.filter(pk__in=[asked.pk, approved.pk]).update(
        rate_to_base=Decimal("0.01"), base_amount=Decimal("40.00")
    )
    migration.forwards(apps, None)
    assert Grant.objects.values_list("rate_to_base", "base_amount").get(pk=asked.pk) == (
        Decimal(1),
        Decimal("4000.00"),
    )
    fixed = Grant.objects.get(pk=approved.pk)
    assert (fixed.rate_to_base, fixed.base_amount) == (Decimal(1), fixed.approved_amount)
    assert Grant.objects.get(pk=foreign.pk).rate_to_base == Decimal("0.8")
