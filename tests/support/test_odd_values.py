"""Odd values a fuzzer sent the support network: a blank coded value (a status, a kind, a
method) and an amount or rate too large to hold with its decimals. Each is refused with the
rule's own message, on the API (400; 422 for a coded value, whose list the schema states)
and on the pages (an error shown), and nothing is saved.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from aegis.rules import RuleError
from aegis.support import checks, money, services
from aegis.support.models import (
    Approval,
    Disbursement,
    Grant,
    GrantReport,
    LedgerEntry,
    Provider,
    Referral,
)
from aegis.support.vocabulary import VettingStatus
from aegis.vault.keychain import unlocked

from .conftest import api_client, client

pytestmark = pytest.mark.django_db

BASE = "/api/v1/support"
BLANKS = ["", " ", "\t", ","]
HUGE = ["1" + "0" * 26, "1" + "0" * 309, "9" * 30]
# Only ASCII digits and one dot are read: an exponent (1e3 had been 1000) or full-width or
# other scripts' digits are not an amount.
NOT_PLAIN = ["1e3", "1E+3", "1e-30", "0e-30", "-1e26", "１２３", "١٢٣", "12.５", "1_000"]
CHOOSE = "choose one of the listed values"
NOT_A_NUMBER = "Enter the amount as a number, for example 1250.50."
NOT_POSITIVE = "The amount must be more than zero."
AMOUNT_LIMIT = "The amount may have at most two decimals."
NOT_A_RATE = "Enter the exchange rate as a number above zero."
RATE_LIMIT = "The exchange rate may have at most eight decimals."
AMOUNT_TOO_LARGE = "The amount is too large."
DECIMAL_COMMA = "Write the decimals after a dot, with no other separator, for example 1250.50."
RATE_TOO_LARGE = "The exchange rate is too large."


def _post(person, path, body):
    return api_client(person).post(
        BASE + path, data=json.dumps(body), content_type="application/json"
    )


def _refused(response, field: str, words: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["field"] == field and words in body["detail"], body


def _refused_by_schema(response, field: str) -> None:
    """A coded value outside the list the schema states: 422, in words, at its place."""
    assert response.status_code == 422, response.content
    (issue,) = [i for i in response.json()["detail"] if i["loc"][-1] == field]
    assert issue["msg"].startswith("Choose one of"), issue


def _ledger():
    return list(LedgerEntry.objects.values_list("pk", flat=True))


# --- The checks themselves ----------------------------------------------------------------


@pytest.mark.parametrize("value", [*BLANKS, None, "nope", "approved,blocked"])
def test_one_code_refuses_a_blank_or_unknown_value_with_the_rule_message(value):
    with pytest.raises(RuleError, match=CHOOSE) as refused:
        checks.one_code(value, VettingStatus, "status", "Vetting")
    assert refused.value.field == "status" and str(refused.value).startswith("Vetting:")


def test_one_code_gives_the_value_trimmed():
    assert checks.one_code(" approved ", VettingStatus, "status", "Vetting") == "approved"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        *((v, AMOUNT_TOO_LARGE) for v in HUGE),
        ("1000000000000", AMOUNT_TOO_LARGE),
        *((v, NOT_A_NUMBER) for v in NOT_PLAIN),
        ("0.001", AMOUNT_LIMIT),
        ("nan", NOT_A_NUMBER),
        ("NaN", NOT_A_NUMBER),
        ("sNaN", NOT_A_NUMBER),
        ("inf", NOT_A_NUMBER),
        ("-inf", NOT_A_NUMBER),
        ("Infinity", NOT_A_NUMBER),
        ("", NOT_A_NUMBER),
        (None, NOT_A_NUMBER),
        ("-0", NOT_POSITIVE),
        ("-1000", NOT_POSITIVE),
        # A decimal comma is refused, never read as a thousands separator (150.00 for 1,50).
        *(
            (v, DECIMAL_COMMA)
            for v in [
                "1,50",
                "1,5",
                "12,34",
                "1.234,56",
                ",",
                "1,2345",
                "1,,000",
                "0,500",
                "00,250",
            ]
        ),
        # Twelve thousand five hundred with a dot between thousands: never read as 12.50.
        ("12.500", AMOUNT_LIMIT),
        ("1.000.000", NOT_A_NUMBER),
    ],
)
def test_an_odd_amount_is_a_rule_error(value, words):
    with pytest.raises(RuleError) as refused:
        money.amount(value)
    assert str(refused.value) == words and refused.value.field == "amount"


def test_a_comma_between_thousands_is_read_as_one():
    assert money.amount("12,500.75") == Decimal("12500.75")
    assert money.amount("1,500") == Decimal("1500")
    assert money.amount(" 1,234,567 ") == Decimal("1234567")


def test_a_comma_is_refused_in_languages_that_write_decimals_after_it():
    """In Spanish and French "2,500" is two and a half; it had been read as 2,500.00."""
    from django.utils import translation

    for language in ("es", "fr", "ar"):
        with translation.override(language), pytest.raises(RuleError) as refused:
            money.amount("2,500")
        assert refused.value.field == "amount"
        with translation.override(language):
            assert money.amount("2500") == Decimal("2500.00")


def test_the_largest_amount_still_passes():
    assert money.amount("999999999999.99") == Decimal("999999999999.99")
    assert money.amount(".5") == Decimal("0.50") and money.amount("7.") == Decimal("7.00")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        *((v, RATE_TOO_LARGE) for v in HUGE),
        ("10000000000", RATE_TOO_LARGE),
        *((v, NOT_A_RATE) for v in NOT_PLAIN),
        ("0.000000001", RATE_LIMIT),
        ("nan", NOT_A_RATE),
        ("sNaN", NOT_A_RATE),
        ("inf", NOT_A_RATE),
        ("-inf", NOT_A_RATE),
        ("-0", NOT_A_RATE),
        ("", NOT_A_RATE),
        (None, NOT_A_RATE),
    ],
)
def test_an_odd_rate_is_a_rule_error(value, words):
    with pytest.raises(RuleError) as refused:
        money.rate(value)
    assert str(refused.value) == words and refused.value.field == "rate"


def test_the_largest_rate_still_passes():
    assert money.rate("9999999999") == Decimal("9999999999")
    assert money.rate("0.00000001") == Decimal("0.00000001")


# --- Family A: a blank coded value through the API -----------------------------------------


@pytest.mark.parametrize("blank", BLANKS)
def test_a_blank_vetting_status_is_refused(team, blank):
    provider = team.provider()
    response = _post(team.karim, f"/providers/{provider.pk}/vetting", {"status": blank})
    _refused_by_schema(response, "status")
    assert Provider.objects.get(pk=provider.pk).vetting == "approved"


@pytest.mark.parametrize("blank", ["", " ", "\t"])
def test_a_blank_availability_of_a_new_provider_means_available(team, blank):
    body = {
        "compartment_id": team.compartment.pk,
        "name": "Casa Segura",
        "kinds": ["legal"],
        "countries": ["CO"],
        "availability": blank,
    }
    made = _post(team.karim, "/providers", body)
    assert made.status_code == 201, made.content
    assert made.json()["availability"] == "available"
    _refused_by_schema(
        _post(team.karim, "/providers", {**body, "availability": ","}), "availability"
    )
    assert Provider.objects.count() == 1


@pytest.mark.parametrize("blank", BLANKS)
def test_a_blank_availability_is_refused(team, blank):
    provider = team.provider()
    with unlocked(team.karim.keychain()), pytest.raises(RuleError, match=CHOOSE) as refused:
        services.set_availability(provider, blank, actor=team.karim.user)
    assert refused.value.field == "availability"
    assert Provider.objects.get(pk=provider.pk).availability == "available"


@pytest.mark.parametrize("blank", BLANKS)
def test_a_blank_referral_status_is_refused(team, blank):
    provider = team.provider()
    team.consent()
    made = _post(
        team.lucia,
        "/referrals",
        {
            "case_reference": team.case.reference,
            "provider_id": provider.pk,
            "purpose": "Legal advice",
            "shared": ["pseudonym"],
        },
    )
    assert made.status_code == 201, made.content
    rid = made.json()["id"]
    response = _post(team.lucia, f"/referrals/{rid}/status", {"status": blank})
    _refused_by_schema(response, "status")
    assert Referral.objects.get(pk=rid).status == "draft"


@pytest.mark.parametrize("blank", BLANKS)
def test_a_blank_referral_kind_is_refused(team, blank):
    provider = team.provider()
    team.consent()
    body = {
        "case_reference": team.case.reference,
        "provider_id": provider.pk,
        "kind": blank,
        "purpose": "x",
        "shared": [],
    }
    _refused_by_schema(_post(team.lucia, "/referrals", body), "kind")
    _refused_by_schema(_post(team.lucia, "/referrals", {**body, "shared": ["pseudonym"]}), "kind")
    assert not Referral.objects.exists()


@pytest.mark.parametrize("field", ["beneficiary", "grant_type", "urgency"])
@pytest.mark.parametrize("blank", BLANKS)
def test_a_blank_grant_code_is_refused(team, field, blank):
    body = {
        "case_reference": team.case.reference,
        "beneficiary": "person",
        "grant_type": "legal",
        "urgency": "immediate",
        "need": "Bail and lawyer",
        "amount": "900",
        "currency": "EUR",
        field: blank,
    }
    _refused_by_schema(_post(team.lucia, "/grants", body), field)
    assert not Grant.objects.exists()


@pytest.mark.parametrize("blank", BLANKS)
def test_a_blank_tranche_method_is_refused(team, blank):
    grant = team.approved_grant()
    body = {"method": blank, "amount": "100", "currency": "EUR", "payment_details": "IBAN"}
    _refused_by_schema(_post(team.karim, f"/grants/{grant.pk}/tranches", body), "method")
    assert not Disbursement.objects.exists() and not LedgerEntry.objects.exists()
    assert Grant.objects.get(pk=grant.pk).status == "approved"


@pytest.mark.parametrize("blank", BLANKS)
def test_a_blank_report_kind_is_refused(team, blank):
    grant = team.disbursed_grant()
    response = _post(team.lucia, f"/grants/{grant.pk}/reports", {"kind": blank, "text": "x"})
    _refused_by_schema(response, "kind")
    assert not GrantReport.objects.filter(grant=grant, received_at__isnull=False).exists()
    assert Grant.objects.get(pk=grant.pk).status == "disbursed"


# --- Family B: a huge amount or rate through the API and the pages -------------------------


@pytest.mark.parametrize("huge", HUGE)
def test_a_huge_grant_amount_or_rate_is_refused(team, huge):
    body = {
        "case_reference": team.case.reference,
        "beneficiary": "person",
        "grant_type": "legal",
        "urgency": "immediate",
        "need": "Bail and lawyer",
        "amount": huge,
        "currency": "EUR",
    }
    _refused(_post(team.lucia, "/grants", body), "amount", AMOUNT_TOO_LARGE)
    body.update(amount="900", currency="USD", rate_to_base=huge)
    _refused(_post(team.lucia, "/grants", body), "rate_to_base", RATE_TOO_LARGE)
    assert not Grant.objects.exists()


@pytest.mark.parametrize("huge", HUGE)
def test_a_huge_approved_amount_is_refused(team, huge):
    grant = team.grant_in_diligence()
    response = _post(team.karim, f"/grants/{grant.pk}/approve", {"approved_amount": huge})
    _refused(response, "approved_amount", AMOUNT_TOO_LARGE)
    again = Grant.objects.get(pk=grant.pk)
    assert again.status == "diligence" and again.approved_amount is None
    assert not Approval.objects.exists()


@pytest.mark.parametrize("huge", HUGE)
def test_a_huge_tranche_amount_or_rate_is_refused(team, huge):
    grant = team.approved_grant()
    path = f"/grants/{grant.pk}/tranches"
    body = {"method": "bank", "amount": huge, "currency": "EUR", "payment_details": "IBAN"}
    _refused(_post(team.karim, path, body), "amount", AMOUNT_TOO_LARGE)
    odd_rate = {**body, "amount": "10", "rate": huge}
    _refused(_post(team.karim, path, odd_rate), "rate", RATE_TOO_LARGE)
    assert not Disbursement.objects.exists() and not LedgerEntry.objects.exists()
    assert Grant.objects.get(pk=grant.pk).status == "approved"


@pytest.mark.parametrize("huge", HUGE)
def test_a_huge_return_amount_or_rate_is_refused(team, huge):
    grant = team.disbursed_grant()
    before = _ledger()
    path = f"/grants/{grant.pk}/returns"
    _refused(_post(team.ana, path, {"amount": huge, "currency": "EUR"}), "amount", AMOUNT_TOO_LARGE)
    body = {"amount": "10", "currency": "EUR", "rate": huge}
    _refused(_post(team.ana, path, body), "rate", RATE_TOO_LARGE)
    assert _ledger() == before


@pytest.mark.parametrize("huge", HUGE)
def test_the_approve_page_refuses_a_huge_amount(team, huge):
    grant = team.grant_in_diligence()
    url = reverse("support:grant-approve", kwargs={"grant_id": grant.pk})
    response = client(team.karim).post(url, {"approved_amount": huge})
    assert response.status_code == 422
    assert AMOUNT_TOO_LARGE in response.content.decode()
    assert Grant.objects.get(pk=grant.pk).status == "diligence"
    assert not Approval.objects.exists()


@pytest.mark.parametrize("huge", HUGE)
def test_the_return_page_refuses_a_huge_amount(team, huge):
    grant = team.disbursed_grant()
    before = _ledger()
    url = reverse("support:grant-return", kwargs={"grant_id": grant.pk})
    ana = client(team.ana)
    response = ana.post(url, {"amount": huge, "currency": "EUR"})
    assert response.status_code == 422 and AMOUNT_TOO_LARGE in response.content.decode()
    assert _ledger() == before


@pytest.mark.parametrize("huge", HUGE)
def test_the_disburse_page_refuses_a_huge_amount(team, huge):
    grant = team.approved_grant()
    url = reverse("support:grant-disburse", kwargs={"grant_id": grant.pk})
    body = {"method": "bank", "amount": huge, "currency": "EUR", "payment_details": "IBAN"}
    response = client(team.karim).post(url, body)
    assert response.status_code == 422 and AMOUNT_TOO_LARGE in response.content.decode()
    assert not Disbursement.objects.exists() and not LedgerEntry.objects.exists()


@pytest.mark.parametrize("value", [True, False])
def test_true_or_false_is_no_capacity(team, value):
    """Pydantic's lax mode had read false as a capacity of 0 and true as 1."""
    body = {
        "compartment_id": team.compartment.pk,
        "name": "Casa Segura",
        "kinds": ["legal"],
        "countries": ["CO"],
        "capacity": value,
    }
    response = _post(team.karim, "/providers", body)
    assert response.status_code == 422, response.content
    assert "Send a number, not true or false." in response.content.decode()
    assert not Provider.objects.exists()
    assert _post(team.karim, "/providers", {**body, "capacity": 3}).status_code == 201
