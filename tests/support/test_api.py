"""The support API: providers, referrals and grants, with the same rules as the pages. The
two-person rule and the caps hold here too; the auditor reads the ledger with no identity."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import override_settings

from aegis import clock
from aegis.accounts import services as accounts
from aegis.cases import services as cases
from aegis.roles import Role
from aegis.support import services
from aegis.support.models import Approval, Grant, LedgerEntry, Provider, Referral
from aegis.support.vocabulary import Availability
from aegis.vault.keychain import unlocked
from tests.conftest import PASSWORD, Person

from .conftest import api_client

pytestmark = pytest.mark.django_db

BASE = "/api/v1/support"


def _post(client, path, body=None):
    return client.post(BASE + path, data=json.dumps(body or {}), content_type="application/json")


def test_providers_create_vet_and_read(team):
    karim = api_client(team.karim)
    response = _post(
        karim,
        "/providers",
        {
            "compartment_id": team.compartment.pk,
            "name": "Casa Segura",
            "kinds": ["safe_house"],
            "countries": ["CO"],
            "contact": "Hermana Clara",
            "safe_house_address": "Km 4 vía al mar",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["contact"] == "Hermana Clara" and body["safe_house_address"] == "Km 4 vía al mar"
    pid = body["id"]
    for name in ("One", "Two"):
        assert (
            _post(karim, f"/providers/{pid}/references", {"name": name, "contact": "x"}).status_code
            == 201
        )
    refused = _post(
        karim, f"/providers/{pid}/vetting", {"status": "approved", "revet_on": "2001-01-01"}
    )
    assert refused.status_code == 400 and refused.json()["field"] == "revet_on"
    next_year = (clock.today() + timedelta(days=365)).isoformat()
    ok = _post(karim, f"/providers/{pid}/vetting", {"status": "approved", "revet_on": next_year})
    assert ok.json()["vetting"] == "approved" and ok.json()["offered"]
    ana = api_client(team.ana).get(f"{BASE}/providers/{pid}").json()
    assert ana["contact"] == "Hermana Clara" and ana["safe_house_address"] is None
    lucia = api_client(team.lucia)
    assert _post(lucia, f"/providers/{pid}/vetting", {"status": "blocked"}).status_code == 403
    listed = lucia.get(f"{BASE}/providers").json()
    assert listed["items"][0]["name"] == "Casa Segura" and "contact" not in listed["items"][0]


def test_referrals_need_consent_through_the_api(team):
    provider = team.provider()
    lucia = api_client(team.lucia)
    body = {
        "case_reference": team.case.reference,
        "provider_id": provider.pk,
        "purpose": "Legal advice",
        "shared": ["pseudonym"],
    }
    refused = _post(lucia, "/referrals", body)
    assert refused.status_code == 400
    assert "Share with a partner organisation" in refused.json()["detail"]
    assert not Referral.objects.exists()
    team.consent()
    made = _post(lucia, "/referrals", body)
    assert made.status_code == 201
    rid = made.json()["id"]
    sent = _post(lucia, f"/referrals/{rid}/status", {"status": "sent"})
    assert sent.json()["status"] == "sent"
    assert api_client(team.pedro).get(f"{BASE}/referrals/{rid}").status_code == 404


def test_a_referral_s_refusal_names_the_body_s_field(team):
    """The service names the page form's inputs: a refusal had named `destination_country`
    where the body holds `relocation.destination_country`, and `provider` for `provider_id`."""
    provider = team.provider()
    relocation = {"destination_country": "XX", "destination_why": "Threats", "host": "A friend"}
    body = {
        "case_reference": team.case.reference,
        "provider_id": provider.pk,
        "kind": "relocation",
        "purpose": "Relocation for three months",
        "shared": ["pseudonym"],
        "relocation": relocation,
    }
    refused = _post(api_client(team.lucia), "/referrals", body)
    assert refused.status_code == 400, refused.content
    assert refused.json()["field"] == "relocation.destination_country"
    Provider.objects.filter(pk=provider.pk).update(availability=Availability.PAUSED)
    paused = _post(api_client(team.lucia), "/referrals", {**body, "kind": "service"})
    assert paused.status_code == 409 and paused.json()["field"] == "provider_id", paused.content
    assert not Referral.objects.exists()


def _grant(team, **fields) -> dict:
    """A grant's body for the team's case, legal support for its person, in euros."""
    body = {"case_reference": team.case.reference, "beneficiary": "person"}
    return {**body, "grant_type": "legal", "currency": "EUR", **fields}


@override_settings(SUPPORT_SECOND_APPROVER_ABOVE="500", SUPPORT_GRANT_CAP="2000")
def test_grants_two_person_rule_and_caps_through_the_api(team):
    karim = api_client(team.karim)
    grant = _grant(team, urgency="immediate", need="Bail and lawyer", amount="2500")
    capped = _post(karim, "/grants", grant)
    assert capped.status_code == 400 and "at most 2000" in capped.json()["detail"]
    for bad, field in (({"amount": "-1"}, "amount"), ({"currency": "EURO"}, "currency")):
        refused = _post(karim, "/grants", {**grant, **bad})
        assert refused.status_code == 400 and refused.json()["field"] == field
    assert not Grant.objects.exists()
    made = _post(karim, "/grants", {**grant, "amount": "900"})
    assert made.status_code == 201
    gid = made.json()["id"]
    assert (
        _post(api_client(team.ana), f"/grants/{gid}/diligence", {"note": "ok"}).status_code == 200
    )
    for person in (team.karim, team.ana):  # requester, diligencer
        refused = _post(api_client(person), f"/grants/{gid}/approve")
        assert refused.status_code == 403 and "cannot approve" in refused.json()["detail"]
    assert _post(api_client(team.lucia), f"/grants/{gid}/approve").status_code == 403
    omar = api_client(team.omar)
    assert _post(omar, f"/grants/{gid}/approve").json()["status"] == "diligence"
    assert (
        _post(omar, f"/grants/{gid}/approve").status_code == 409
    )  # approved already: the state refuses it
    assert Approval.objects.count() == 1
    assert _post(api_client(team.karim), f"/grants/{gid}/approve").status_code == 403
    # A fourth coordinator, let into the compartment by a member: the second approver.
    nadia = Person(accounts.create_user("nadia", PASSWORD, Role.COORDINATOR))
    with unlocked(team.karim.keychain()):
        cases.add_member(team.compartment, nadia.user, actor_id=team.karim.user.pk)
    approved = _post(api_client(nadia), f"/grants/{gid}/approve")
    assert approved.json()["status"] == "approved"
    tranche = {"method": "bank", "amount": "600", "currency": "EUR", "payment_details": "IBAN"}
    assert _post(omar, f"/grants/{gid}/tranches", tranche).status_code == 201
    # What was approved and paid before refuses these, not the request: the record's state.
    over = _post(omar, f"/grants/{gid}/tranches", tranche)
    assert over.status_code == 409 and "past the amount approved" in over.json()["detail"]
    assert over.json()["field"] == "amount"
    back = _post(omar, f"/grants/{gid}/returns", {"amount": "600.01", "currency": "EUR"})
    assert back.status_code == 409 and "more than is left to return" in back.json()["detail"]
    assert LedgerEntry.objects.count() == 1


def test_the_auditor_reads_the_ledger_without_identity(team):
    grant = team.grant()
    with unlocked(team.lucia.keychain()):
        services.do_diligence(grant, actor=team.lucia.user, note="ok")
    with unlocked(team.karim.keychain()):
        services.approve(grant, actor=team.karim.user)
        services.disburse(
            grant,
            actor=team.karim.user,
            method="bank",
            amount="500",
            currency="EUR",
            payment_details="IBAN ES99 SECRET",
        )
    answer = api_client(team.vera).get(f"{BASE}/ledger")
    assert answer.status_code == 200
    text = answer.content.decode()
    assert grant.reference in text and "500.00" in text
    with unlocked(team.lucia.keychain()):
        person = team.case.person
        identities = [person.pseudonym, person.legal_name, team.case.reference, "IBAN", "Laptop"]
    for identity in identities:
        assert identity not in text
    assert api_client(team.lucia).get(f"{BASE}/ledger").status_code == 403


def test_a_relocation_is_renewed_through_the_api(team):
    provider = team.provider(kinds=["relocation"], name="Shelter")
    team.consent()
    lucia = api_client(team.lucia)
    made = _post(
        lucia,
        "/referrals",
        {
            "case_reference": team.case.reference,
            "provider_id": provider.pk,
            "kind": "relocation",
            "purpose": "Respite",
            "shared": ["pseudonym"],
            "relocation": {"destination_country": "ES", "destination_why": "Calm", "host": "H"},
        },
    )
    assert made.status_code == 201, made.content
    rid = made.json()["id"]
    assert made.json()["relocation"]["months"] == 6
    # A draft never sent has no stay to extend (409); once accepted it is renewed.
    assert _post(lucia, f"/referrals/{rid}/renewal", {"months": 3}).status_code == 409
    for status in ("sent", "accepted"):
        assert _post(lucia, f"/referrals/{rid}/status", {"status": status}).status_code == 200
    assert _post(lucia, f"/referrals/{rid}/renewal", {"months": 7}).status_code == 422
    renewed = _post(lucia, f"/referrals/{rid}/renewal", {"months": 3}).json()["relocation"]
    assert (renewed["months"], renewed["renewals"]) == (9, 1)


def test_list_endpoints_ask_as_many_queries_for_two_rows_as_for_more_than_a_page(team):
    """Each list is paged in the database: only the page's rows are read and shaped."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    provider = team.provider()
    team.consent()
    lucia = api_client(team.lucia)
    paths = [f"{BASE}/referrals?limit=5", f"{BASE}/grants?limit=5", f"{BASE}/providers?limit=5"]

    def grow_to(size: int) -> None:
        with unlocked(team.lucia.keychain()):
            for _n in range(Referral.objects.count(), size):
                services.create_referral(
                    team.case,
                    provider,
                    actor=team.lucia.user,
                    purpose="Advice",
                    shared=["pseudonym"],
                )
        for _n in range(Grant.objects.count(), size):
            team.grant(amount="10")
        for n in range(Provider.objects.count(), size):
            team.provider(approved=False, name=f"Provider {n}")

    tables = ["support_referral", "support_grant", "support_provider"]

    def counts() -> list[int]:
        found = []
        for path, table in zip(paths, tables, strict=True):
            with CaptureQueriesContext(connection) as captured:
                response = lucia.get(path)
            assert response.status_code == 200, response.content
            found.append(len(captured.captured_queries))
            listed = [q["sql"] for q in captured.captured_queries if f'FROM "{table}"' in q["sql"]]
            # Rows are read a page at a time (the count aside), never the whole list.
            assert all("LIMIT 5" in sql or "COUNT(" in sql for sql in listed), listed
        return found

    grow_to(2)
    small = counts()
    grow_to(8)
    large = counts()
    assert small == large, dict(zip(paths, zip(small, large, strict=True), strict=True))
    assert [lucia.get(path).json()["count"] for path in paths] == [8, 8, 8]
    assert len(lucia.get(paths[0]).json()["items"]) == 5


@override_settings(SUPPORT_GRANT_CAP="1000", SUPPORT_PERSON_CAP="1500")
def test_a_grant_past_the_persons_cap_is_a_conflict_with_what_was_granted(team):
    """The cap on one grant is the request's (400); the cap over a period is what was granted
    before, which another period would not count: 409, as the record's state."""
    karim = api_client(team.karim)
    grant = _grant(team, urgency="urgent", need="Bail")
    over = _post(karim, "/grants", {**grant, "amount": "1000.01"})
    assert over.status_code == 400 and "at most 1000" in over.json()["detail"]
    assert _post(karim, "/grants", {**grant, "amount": "900"}).status_code == 201
    period = _post(karim, "/grants", {**grant, "amount": "700"})
    assert period.status_code == 409 and "already granted or asked for" in period.json()["detail"]
    assert period.json()["field"] == "amount"
    assert Grant.objects.count() == 1
