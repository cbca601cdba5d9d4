"""The support network's rules through the services: vetting, consent-gated referrals, the
grant workflow with the two-person rule and the caps, tranches and the ledger; bad input is
refused with a clear message and nothing half-written."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from aegis import clock
from aegis.cases import services as cases
from aegis.rules import RuleError
from aegis.support import ledger, selectors, services
from aegis.support.models import (
    Approval,
    Disbursement,
    Grant,
    LedgerEntry,
    Provider,
    Referral,
    Relocation,
    SafeHouseAddress,
)
from aegis.vault.keychain import NoKeyAccess, unlocked

pytestmark = pytest.mark.django_db


def _refused(call, *args, match: str | None = None, **kwargs) -> RuleError:
    with pytest.raises(RuleError, match=match) as refused:
        call(*args, **kwargs)
    return refused.value


# --- Providers and vetting ----------------------------------------------------------------


def test_approval_needs_two_references_and_a_future_revetting_date(team):
    provider = team.provider(approved=False)
    with unlocked(team.karim.keychain()):
        services.add_reference(provider, actor=team.karim.user, name="Only one", contact="x")
        _refused(
            services.vet,
            provider,
            "approved",
            actor=team.karim.user,
            revet_on=clock.today() + timedelta(days=30),
            match="two references",
        )
        services.add_reference(provider, actor=team.karim.user, name="Second", contact="y")
        _refused(
            services.vet,
            provider,
            "approved",
            actor=team.karim.user,
            revet_on=clock.today() - timedelta(days=1),
            match="past",
        )
        _refused(services.vet, provider, "approved", actor=team.karim.user, match="required")
    provider = Provider.objects.get(pk=provider.pk)
    assert provider.vetting == "new" and provider.vetted_by is None
    with unlocked(team.karim.keychain()):
        services.vet(
            provider, "approved", actor=team.karim.user, revet_on=clock.today() + timedelta(30)
        )
    provider = Provider.objects.get(pk=provider.pk)
    assert provider.vetting == "approved" and provider.vetted_by == team.karim.user
    assert [s.status for s in provider.vetting_steps.all()] == ["new", "approved"]


def test_only_a_coordinator_vets(team):
    provider = team.provider(approved=False)
    with unlocked(team.lucia.keychain()):
        _refused(services.vet, provider, "blocked", actor=team.lucia.user, match="coordinator")


def test_a_provider_past_its_revetting_date_is_due_and_not_offered(team):
    provider = team.provider()
    team.consent()
    assert provider in selectors.offerable_providers()
    later = clock.now() + timedelta(days=200)
    with clock.frozen(later):
        assert provider not in selectors.offerable_providers()
        assert provider in selectors.providers_due()
        with unlocked(team.lucia.keychain()):
            _refused(
                services.create_referral,
                team.case,
                provider,
                actor=team.lucia.user,
                purpose="Legal advice",
                shared=["pseudonym"],
                match="re-vetting",
            )
    assert not Referral.objects.exists()


def test_bad_provider_input_writes_nothing(team):
    with unlocked(team.karim.keychain()):
        for fields, match in [
            ({"name": "", "kinds": ["legal"]}, "Name"),
            ({"name": "X", "kinds": []}, "kind"),
            ({"name": "X", "kinds": ["wizardry"]}, "listed"),
            ({"name": "X", "kinds": ["legal"], "countries": ["ZZ"]}, "Unknown country"),
            (
                {"name": "X", "kinds": ["legal"], "countries": ["CO"], "regions": ["PE-LIM"]},
                "region",
            ),
            ({"name": "X", "kinds": ["legal"], "languages": "klingon"}, "language"),
        ]:
            _refused(
                services.create_provider,
                team.compartment,
                actor=team.karim.user,
                match=match,
                **fields,
            )
    assert not Provider.objects.exists()


def test_a_safe_house_address_opens_only_for_its_own_compartment(team):
    provider = team.provider(
        kinds=["safe_house"], safe_house_address="Finca La Esperanza, vereda 9", by=team.karim
    )
    assert provider.safe_house_compartment is not None
    assert provider.safe_house_compartment != team.compartment
    address = SafeHouseAddress.objects.get(provider=provider)
    with unlocked(team.karim.keychain()):
        file = selectors.provider_file(provider)
        assert file.address is not None and file.address.address.startswith("Finca")
    with unlocked(team.ana.keychain()):  # same directory compartment, not the safe house's
        file = selectors.provider_file(provider)
        assert file.readable and file.has_address and file.address is None
        with pytest.raises(NoKeyAccess):
            address.address


def test_a_safe_house_member_can_let_another_in(team):
    provider = team.provider(kinds=["safe_house"], safe_house_address="Casa azul", by=team.karim)
    with unlocked(team.karim.keychain()):
        cases.add_member(provider.safe_house_compartment, team.ana.user, actor_id=None)
    with unlocked(team.ana.keychain()):
        assert selectors.provider_file(provider).address.address == "Casa azul"


# --- Referrals ----------------------------------------------------------------------------


def test_a_referral_without_consent_is_refused_naming_the_consent(team):
    provider = team.provider()
    with unlocked(team.lucia.keychain()):
        error = _refused(
            services.create_referral,
            team.case,
            provider,
            actor=team.lucia.user,
            purpose="Legal advice",
            shared=["pseudonym", "phone"],
        )
    assert "Share with a partner organisation" in str(error)
    assert error.field == "consent"
    assert not Referral.objects.exists()


def test_a_withdrawn_consent_does_not_count_and_shows_its_referrals(team):
    provider = team.provider()
    consent = team.consent()
    with unlocked(team.lucia.keychain()):
        referral = services.create_referral(
            team.case,
            provider,
            actor=team.lucia.user,
            purpose="Legal advice",
            shared=["pseudonym", "phone"],
        )
        cases.withdraw_consent(consent, actor_id=team.lucia.user.pk)
        assert list(selectors.referrals_touching(consent)) == [referral]
        assert list(selectors.referrals_on_withdrawn_consents(team.lucia.user)) == [referral]
        _refused(services.move_referral, referral, "sent", actor=team.lucia.user, match="consent")
        _refused(
            services.create_referral,
            team.case,
            provider,
            actor=team.lucia.user,
            purpose="Again",
            shared=["pseudonym"],
            match="consent",
        )
    assert Referral.objects.count() == 1


def test_a_referral_shares_only_the_fields_chosen(team):
    provider = team.provider()
    team.consent()
    with unlocked(team.lucia.keychain()):
        referral = services.create_referral(
            team.case, provider, actor=team.lucia.user, purpose="Advice", shared=["pseudonym"]
        )
        assert referral.shared_list() == ["pseudonym"]
        assert team.case.person.pseudonym in referral.shared_text
        assert "Legal Name" not in referral.shared_text
        _refused(
            services.create_referral,
            team.case,
            provider,
            actor=team.lucia.user,
            purpose="Advice",
            shared=[],
            match="at least one",
        )


def test_referral_states_and_follow_up(team):
    provider = team.provider()
    team.consent()
    with unlocked(team.lucia.keychain()):
        referral = services.create_referral(
            team.case, provider, actor=team.lucia.user, purpose="Advice", shared=["pseudonym"]
        )
        _refused(services.move_referral, referral, "completed", actor=team.lucia.user)
        services.move_referral(referral, "sent", actor=team.lucia.user)
        assert referral.follow_up_on == clock.today() + timedelta(days=7)
        assert not selectors.referrals_to_follow_up(team.lucia.user).exists()
    with clock.frozen(clock.now() + timedelta(days=8)):
        assert list(selectors.referrals_to_follow_up(team.lucia.user)) == [referral]
        assert not selectors.referrals_to_follow_up(team.pedro.user).exists()
    with unlocked(team.lucia.keychain()):
        services.move_referral(referral, "accepted", actor=team.lucia.user)
        services.move_referral(referral, "completed", actor=team.lucia.user, outcome="Lawyer met")
        assert referral.outcome == "Lawyer met"
    assert [s.status for s in referral.steps.all()] == ["draft", "sent", "accepted", "completed"]


def test_a_relocation_has_its_own_fields_and_is_linked_to_a_grant(team):
    provider = team.provider(kinds=["relocation"], name="Shelter City")
    team.consent()
    grant = team.grant(grant_type="relocation")
    with unlocked(team.lucia.keychain()):
        relocation = {
            "destination_country": "ES",
            "destination_why": "Host programme",
            "host": "Shelter City Madrid",
            "visa_travel_plan": "Schengen visa",
            "security_plan": "Escort to airport",
            "family": "Two children",
            "return_plan": "Return after elections",
        }
        _refused(
            services.create_referral,
            team.case,
            provider,
            actor=team.lucia.user,
            purpose="Respite",
            shared=["pseudonym"],
            kind="relocation",
            relocation={**relocation, "months": 9},
            match="1 to 6",
        )
        referral = services.create_referral(
            team.case,
            provider,
            actor=team.lucia.user,
            purpose="Respite",
            shared=["pseudonym"],
            kind="relocation",
            relocation=relocation,
            grant=grant,
        )
        assert referral.relocation.months == 6 and referral.grant == grant
        for status in ("sent", "accepted"):
            services.move_referral(referral, status, actor=team.lucia.user)
        services.renew_relocation(referral, actor=team.lucia.user, months=3)
    assert Relocation.objects.filter(referral=referral).values_list("months", "renewals").get() == (
        9,
        1,
    )


# --- Grants: the two-person rule and the caps ---------------------------------------------


def _to_diligence(team, grant, by=None):
    by = by or team.lucia
    with unlocked(by.keychain()):
        services.do_diligence(grant, actor=by.user, note="Checked with the local partner")
    grant = Grant.objects.get(pk=grant.pk)
    return grant


def test_requester_and_diligencer_can_never_approve(team):
    grant = team.grant(by=team.karim)
    grant = _to_diligence(team, grant, by=team.ana)
    for person in (team.karim, team.ana):
        with unlocked(person.keychain()):
            _refused(services.approve, grant, actor=person.user, match="cannot approve")
    assert not Approval.objects.exists()
    with unlocked(team.omar.keychain()):
        services.approve(grant, actor=team.omar.user)
    grant = Grant.objects.get(pk=grant.pk)
    assert grant.status == "approved" and grant.approved_amount == Decimal("1200.00")


def test_a_caseworker_cannot_approve(team):
    grant = _to_diligence(team, team.grant(by=team.karim), by=team.karim)
    with unlocked(team.lucia.keychain()):
        _refused(services.approve, grant, actor=team.lucia.user, match="coordinator")


@override_settings(SUPPORT_SECOND_APPROVER_ABOVE="1000")
def test_above_the_threshold_two_different_approvers_are_needed(team):
    grant = _to_diligence(team, team.grant())
    with unlocked(team.karim.keychain()):
        services.approve(grant, actor=team.karim.user)
        grant = Grant.objects.get(pk=grant.pk)
        assert grant.status == "diligence"
        assert list(selectors.awaiting_approval(team.karim.user)) == []
        _refused(services.approve, grant, actor=team.karim.user, match="already")
    assert list(selectors.awaiting_approval(team.ana.user)) == [grant]
    with unlocked(team.ana.keychain()):
        services.approve(grant, actor=team.ana.user)
    grant = Grant.objects.get(pk=grant.pk)
    assert grant.status == "approved" and grant.approvals.count() == 2


@override_settings(SUPPORT_GRANT_CAP="1000")
def test_the_grant_cap_refuses_a_larger_request(team):
    _refused(team.grant, match="at most 1000")
    assert not Grant.objects.exists()


@override_settings(SUPPORT_PERSON_CAP="2000", SUPPORT_CAP_PERIOD_DAYS=30)
def test_the_person_cap_counts_grants_within_the_period(team):
    team.grant(amount="1500")
    _refused(team.grant, amount="600", match="already granted")
    with clock.frozen(clock.now() + timedelta(days=31)):
        team.grant(amount="600")
    assert Grant.objects.count() == 2


def test_caps_count_in_the_base_currency(team):
    with override_settings(SUPPORT_GRANT_CAP="1000"):
        _refused(
            team.grant, amount="4400000", currency="COP", rate_to_base="0.00025", match="at most"
        )
        team.grant(amount="3000000", currency="COP", rate_to_base="0.00025")


def test_bad_grant_input_is_refused_and_writes_nothing(team):
    for fields, match in [
        ({"amount": "-5"}, "more than zero"),
        ({"amount": "0"}, "more than zero"),
        ({"amount": "lots"}, "as a number"),
        ({"amount": "1.005"}, "two decimals"),
        ({"currency": "XYZ"}, "Unknown currency XYZ"),
        ({"currency": "USD"}, "exchange rate"),
        ({"currency": "USD", "rate_to_base": "-1"}, "exchange rate"),
        ({"beneficiary": "group", "group_size": 1}, "2 to"),
        ({"grant_type": "holiday"}, "listed"),
        ({"budget_lines": [("Laptop", "1000")]}, "add up"),
    ]:
        _refused(team.grant, match=match, **fields)
    assert not Grant.objects.exists() and not LedgerEntry.objects.exists()


def test_a_group_grant_and_budget_lines(team):
    grant = team.grant(
        beneficiary="group",
        group_size=3,
        budget_lines=[("Laptops", "1000"), {"label": "Phones", "amount": "200"}],
        other_funders="Front Line Defenders: 500",
    )
    with unlocked(team.lucia.keychain()):
        file = selectors.grant_file(grant)
        assert [(line.label, line.amount) for line in file.lines] == [
            ("Laptops", Decimal("1000.00")),
            ("Phones", Decimal("200.00")),
        ]
    assert grant.group_size == 3


# --- Disbursement, reports, the ledger ------------------------------------------------------


def _approved(team, **fields):
    grant = _to_diligence(team, team.grant(**fields))
    with unlocked(team.karim.keychain()):
        services.approve(grant, actor=team.karim.user)
    grant = Grant.objects.get(pk=grant.pk)
    return grant


def test_the_full_workflow_with_two_tranches(team):
    grant = _approved(team)
    with unlocked(team.karim.keychain()):
        first = services.disburse(
            grant,
            actor=team.karim.user,
            method="bank",
            amount="700",
            currency="EUR",
            payment_details="IBAN ES12 3456",
        )
        _refused(
            services.disburse,
            grant,
            actor=team.karim.user,
            method="cash",
            amount="600",
            currency="EUR",
            payment_details="Partner X",
            match="past the amount approved",
        )
        services.disburse(
            grant,
            actor=team.karim.user,
            method="mobile",
            amount="500",
            currency="EUR",
            payment_details="Nequi 300",
        )
    grant = Grant.objects.get(pk=grant.pk)
    assert grant.status == "disbursed"
    assert Disbursement.objects.count() == 2
    assert [e.tranche for e in LedgerEntry.objects.all()] == [1, 2]
    assert LedgerEntry.objects.get(seq=2).grant_amount == Decimal("500.00")
    with unlocked(team.lucia.keychain()):
        services.acknowledge_receipt(first, actor=team.lucia.user)
        _refused(services.acknowledge_receipt, first, actor=team.lucia.user, match="already")
        services.receive_report(grant, "narrative", actor=team.lucia.user, text="All went well")
        grant = Grant.objects.get(pk=grant.pk)
        assert grant.status == "disbursed"
        services.receive_report(grant, "financial", actor=team.lucia.user, text="Receipts kept")
    grant = Grant.objects.get(pk=grant.pk)
    assert grant.status == "reported"
    with unlocked(team.lucia.keychain()):
        _refused(services.close, grant, actor=team.lucia.user, match="coordinator")
    with unlocked(team.ana.keychain()):
        services.close(grant, actor=team.ana.user)
    grant = Grant.objects.get(pk=grant.pk)
    assert grant.status == "closed"
    assert [s.status for s in grant.steps.all()] == [
        "requested",
        "diligence",
        "approved",
        "disbursed",
        "reported",
        "closed",
    ]
    assert ledger.verify() == (2, None)


def test_bad_tranches_are_refused_and_write_nothing(team):
    grant = _approved(team)
    with unlocked(team.karim.keychain()):
        for fields, match in [
            ({"amount": "-1"}, "more than zero"),
            ({"amount": "abc"}, "as a number"),
            ({"currency": "ABC"}, "Unknown currency"),
            ({"amount": "1200.01"}, "past the amount approved"),
            ({"method": "pigeon"}, "listed"),
            ({"payment_details": ""}, "required"),
        ]:
            values = {
                "method": "bank",
                "amount": "100",
                "currency": "EUR",
                "payment_details": "IBAN",
            }
            values.update(fields)
            _refused(services.disburse, grant, actor=team.karim.user, match=match, **values)
    assert not Disbursement.objects.exists() and not LedgerEntry.objects.exists()
    grant = Grant.objects.get(pk=grant.pk)
    assert grant.status == "approved"


def test_a_grant_is_disbursed_only_once_approved(team):
    grant = team.grant()
    with unlocked(team.karim.keychain()):
        _refused(
            services.disburse,
            grant,
            actor=team.karim.user,
            method="bank",
            amount="10",
            currency="EUR",
            payment_details="x",
            match="not possible now",
        )


def test_reject_and_withdraw(team):
    grant = team.grant()
    with unlocked(team.lucia.keychain()):
        _refused(services.reject, grant, actor=team.lucia.user, match="coordinator")
        services.withdraw(grant, actor=team.lucia.user)
    grant = Grant.objects.get(pk=grant.pk)
    assert grant.status == "withdrawn"
    other = team.grant()
    with unlocked(team.karim.keychain()):
        services.reject(other, actor=team.karim.user)
        _refused(services.reject, other, actor=team.karim.user, match="not possible")


def test_grant_totals_count_approved_grants_without_identity(team):
    _approved(team)
    team.grant(amount="50")  # only requested: not counted
    totals = selectors.grant_totals()
    assert totals.count == 1 and totals.amount == Decimal("1200.00")
    assert [(t.key, t.count) for t in totals.by_type] == [("digital", 1)]
    assert [t.key for t in totals.by_country] == ["CO"]
    assert totals.by_month[0].key == clock.now().strftime("%Y-%m")


def test_reports_due_show_a_week_before(team):
    grant = _approved(team)
    with unlocked(team.karim.keychain()):
        services.disburse(
            grant,
            actor=team.karim.user,
            method="bank",
            amount="100",
            currency="EUR",
            payment_details="IBAN",
        )
    assert not selectors.reports_due(team.lucia.user).exists()
    with clock.frozen(clock.now() + timedelta(days=55)):
        assert selectors.reports_due(team.lucia.user).count() == 2
        assert not selectors.reports_due(team.pedro.user).exists()


def test_suspended_blocked_or_paused_providers_are_not_offered(team):
    provider = team.provider()
    team.consent()
    with unlocked(team.karim.keychain()):
        services.set_availability(provider, "paused", actor=team.karim.user)
        assert provider not in selectors.offerable_providers()
        services.set_availability(provider, "available", actor=team.karim.user)
        services.vet(provider, "suspended", actor=team.karim.user)
        assert provider not in selectors.offerable_providers()
        services.vet(provider, "blocked", actor=team.karim.user)
        _refused(services.vet, provider, "suspended", actor=team.karim.user, match="cannot become")
    with unlocked(team.lucia.keychain()):
        _refused(
            services.create_referral,
            team.case,
            provider,
            actor=team.lucia.user,
            purpose="Advice",
            shared=["pseudonym"],
            match="not offered",
        )


def test_an_approver_cannot_approve_more_than_was_asked(team):
    grant = _to_diligence(team, team.grant())
    with unlocked(team.karim.keychain()):
        _refused(
            services.approve,
            grant,
            actor=team.karim.user,
            approved_amount="1500",
            match="more than",
        )
        _refused(services.approve, grant, actor=team.karim.user, approved_amount="-2")
        services.approve(grant, actor=team.karim.user, approved_amount="800")
    grant = Grant.objects.get(pk=grant.pk)
    assert grant.approved_amount == Decimal("800.00") and grant.base_amount == Decimal("800.00")


def test_audit_entries_name_no_content(team):
    from aegis.audit.models import AuditEntry

    grant = _approved(team)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"grant.request", "grant.diligence", "grant.approve"} <= actions
    for entry in AuditEntry.objects.filter(object_type="grant"):
        assert entry.object_id == str(grant.pk)


def test_the_directory_filters_match_whole_kinds_and_countries(team):
    """A filter names one kind or country of the list, never a piece of one: "al" had listed
    legal, medical and psychosocial providers, and "O" every provider in CO."""
    both = team.provider(name="Casa Segura", kinds=["safe_house", "legal"], countries=["GT", "CO"])
    legal = team.provider(name="Abogadas", kinds=["legal"], countries=["CO"])
    medical = team.provider(
        name="Clinica", kinds=["medical", "transport"], countries=["MX"], regions=[]
    )
    assert set(selectors.providers(kind="legal")) == {both, legal}
    assert set(selectors.providers(kind="safe_house")) == {both}
    assert set(selectors.providers(kind="transport")) == {medical}
    assert not selectors.providers(kind="al").exists()
    assert not selectors.providers(kind="safe").exists()
    assert set(selectors.providers(country="co")) == {both, legal}
    assert set(selectors.providers(country="GT")) == {both}
    assert not selectors.providers(country="O").exists()
