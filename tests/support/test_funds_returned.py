"""Unspent funds returned: a coordinator records them on a disbursed grant as a ledger entry
on the same chain as the tranches, at most what was disbursed less what came back already.
Bad input writes nothing; the auditor sees the entry with no identity; the ledger verifies."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from aegis.rules import RuleError
from aegis.support import ledger, services
from aegis.support.models import LedgerEntry
from aegis.vault.keychain import unlocked

from .conftest import api_client, client

pytestmark = pytest.mark.django_db


def _return(team, grant, by=None, **fields):
    by = by or team.ana
    values = {"amount": "100", "currency": "EUR", **fields}
    with unlocked(by.keychain()):
        return services.return_funds(grant, actor=by.user, **values)


def _returns():
    return LedgerEntry.objects.filter(kind="return")


def test_funds_returned_are_a_chained_ledger_entry(team):
    grant = team.disbursed_grant()
    entry = _return(team, grant, amount="150.50")
    assert (entry.kind, entry.grant_ref, entry.grant_amount) == (
        "return",
        grant.reference,
        Decimal("150.50"),
    )
    assert entry.seq == 2 and entry.tranche is None
    _return(team, grant, amount="100", rate="1")
    assert services.returned_so_far(grant) == Decimal("250.50")
    assert ledger.verify() == (3, None)
    out = StringIO()
    call_command("ledger", "verify", stdout=out)
    assert "Grant ledger intact: 3 entries verified." in out.getvalue()


def test_no_more_than_disbursed_less_returned_can_come_back(team):
    grant = team.disbursed_grant(paid="800")
    _return(team, grant, amount="700")
    with pytest.raises(RuleError, match="more than is left to return") as refused:
        _return(team, grant, amount="100.01")
    assert refused.value.field == "amount"
    _return(team, grant, amount="100")
    with pytest.raises(RuleError, match="more than is left"):
        _return(team, grant, amount="0.01")
    assert _returns().count() == 2


def test_bad_returns_are_refused_and_write_nothing(team):
    grant = team.disbursed_grant(paid="800")
    before = LedgerEntry.objects.count()
    for fields, match in [
        ({"amount": "-5"}, "more than zero"),
        ({"amount": "0"}, "more than zero"),
        ({"amount": "abc"}, "as a number"),
        ({"amount": "800.01"}, "more than is left to return"),
        ({"amount": "1000"}, "more than is left to return"),
        ({"amount": "1.001"}, "two decimals"),
        ({"currency": "ABC"}, "Unknown currency"),
        ({"currency": "XAU"}, "not a currency money is paid in"),
        # A return is in the grant's currency (or the base one) at its rate, never a rate typed.
        ({"currency": "COP", "rate": "0.00025"}, "Pay in EUR;"),
        ({"rate": "0.001"}, "the rate is 1"),
        ({"rate": "-1"}, "exchange rate"),
    ]:
        with pytest.raises(RuleError, match=match):
            _return(team, grant, **fields)
    assert LedgerEntry.objects.count() == before
    assert ledger.verify() == (before, None)


def test_only_a_coordinator_records_a_return_and_only_after_a_disbursement(team):
    grant = team.approved_grant()
    with pytest.raises(RuleError, match="Nothing was disbursed"):
        _return(team, grant)
    grant = team.disbursed_grant()
    with pytest.raises(RuleError, match="coordinator"):
        _return(team, grant, by=team.lucia)
    assert not _returns().exists()


def test_a_coordinator_records_a_return_on_the_grant_page(team):
    grant = team.disbursed_grant()
    ana = client(team.ana)
    page = ana.get(reverse("support:grant", kwargs={"grant_id": grant.pk})).content.decode()
    assert "Record the return" in page
    assert page.count('id="id_amount"') == 1 and page.count('id="id_return_amount"') == 1
    assert (
        "Record the return"
        not in client(team.lucia)
        .get(reverse("support:grant", kwargs={"grant_id": grant.pk}))
        .content.decode()
    )
    url = reverse("support:grant-return", kwargs={"grant_id": grant.pk})
    response = ana.post(url, {"amount": "900", "currency": "EUR"}, follow=True)
    assert "more than is left to return" in response.content.decode()
    response = ana.post(url, {"amount": "", "currency": "EUR"}, follow=True)
    assert "Nothing was saved" in response.content.decode()
    assert not _returns().exists()
    response = ana.post(url, {"amount": "120", "currency": "EUR"}, follow=True)
    page = response.content.decode()
    assert "The funds returned are recorded in the ledger." in page
    assert 'id="grant-returned">120.00 EUR' in page
    assert _returns().get().grant_amount == Decimal("120.00")
    assert client(team.lucia).post(url, {"amount": "1", "currency": "EUR"}).status_code == 403
    assert (
        client(team.karim)
        .post(
            reverse("support:grant-return", kwargs={"grant_id": 999_999}),
            {"amount": "1", "currency": "EUR"},
        )
        .status_code
        == 404
    )


def test_the_api_records_a_return(team):
    grant = team.disbursed_grant()
    path = f"/api/v1/support/grants/{grant.pk}/returns"

    def post(person, body):
        return api_client(person).post(path, data=json.dumps(body), content_type="application/json")

    refused = post(team.ana, {"amount": "-1", "currency": "EUR"})
    assert refused.status_code == 400 and "more than zero" in refused.content.decode()
    assert post(team.lucia, {"amount": "1", "currency": "EUR"}).status_code == 403
    assert not _returns().exists()
    made = post(team.ana, {"amount": "75.25", "currency": "EUR"})
    assert made.status_code == 201, made.content
    assert made.json()["returned"] == "75.25" and made.json()["disbursed"] == "800.00"


def test_the_auditor_sees_the_return_without_identity(team):
    grant = team.disbursed_grant()
    _return(team, grant, amount="64.50")
    with unlocked(team.lucia.keychain()):
        person = team.case.person
        identities = [person.pseudonym, person.legal_name, team.case.reference, "IBAN"]
    vera = client(team.vera)
    page = vera.get(reverse("support:ledger") + "?verify=1").content.decode()
    csv = vera.get(reverse("support:ledger-export")).content.decode()
    api = api_client(team.vera).get("/api/v1/support/ledger").content.decode()
    for shown in (page, csv, api):
        assert grant.reference in shown and "64.50" in shown
        for identity in identities:
            assert identity not in shown, identity
    assert "Unspent funds returned" in page and "return" in csv
    assert "The ledger is intact: 2 entries verified." in page


def test_a_return_is_audited_as_such_and_the_summary_subtracts_it(team):
    from aegis.audit.models import AuditEntry
    from aegis.support import selectors

    grant = team.disbursed_grant(paid="800")
    _return(team, grant, amount="100")
    done = AuditEntry.objects.filter(object_type="grant", object_id=str(grant.pk))
    assert list(done.filter(action="grant.return").values_list("actor_id", flat=True)) == [
        team.ana.user.pk
    ]
    assert not done.filter(action="record.update").exists()
    totals = selectors.grant_totals()
    assert (totals.amount, totals.disbursed, totals.returned, totals.net) == (
        Decimal("1000.00"),
        Decimal("800.00"),
        Decimal("100.00"),
        Decimal("700.00"),
    )
    (by_type,) = totals.by_type
    assert (by_type.disbursed, by_type.returned, by_type.net) == (
        Decimal("800.00"),
        Decimal("100.00"),
        Decimal("700.00"),
    )
    page = client(team.karim).get(reverse("support:summary")).content.decode()
    assert "net disbursed: 700.00 EUR" in page and "returned unspent: 100.00 EUR" in page
    api = api_client(team.karim).get("/api/v1/support/summary").json()
    assert (api["disbursed"], api["returned"], api["net_disbursed"]) == (
        "800.00",
        "100.00",
        "700.00",
    )
    assert api["by_month"][0]["net_disbursed"] == "700.00"
