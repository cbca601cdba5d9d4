"""The support pages: the directory, vetting, referrals refused without consent (naming it),
and a grant through every step, with the two-person rule holding on the web as in the
service. Nobody reaches another compartment's referral or grant (404)."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from aegis import clock
from aegis.support.models import Approval, Grant, LedgerEntry, Provider, Referral

from .conftest import client, grant_form

pytestmark = pytest.mark.django_db


def test_the_directory_and_a_new_provider(team):
    web = client(team.lucia)
    assert "No provider matches" in web.get(reverse("support:providers")).content.decode()
    response = web.post(
        reverse("support:provider-new"),
        {
            "compartment": team.compartment.pk,
            "name": "Clínica Norte",
            "kinds": ["medical"],
            "countries": ["CO"],
            "availability": "available",
            "contact": "Dra. Ruiz, +57 300 111",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    provider = Provider.objects.get()
    page = web.get(reverse("support:provider", kwargs={"provider_id": provider.pk})).content
    assert "Dra. Ruiz" in page.decode()
    # Another compartment's caseworker sees the entry but not its contact details.
    other = client(team.pedro).get(reverse("support:provider", kwargs={"provider_id": provider.pk}))
    assert "Dra. Ruiz" not in other.content.decode()
    assert "Only members of the compartment" in other.content.decode()


def test_bad_provider_input_is_shown_on_the_form(team):
    response = client(team.lucia).post(
        reverse("support:provider-new"),
        {
            "compartment": team.compartment.pk,
            "name": "X",
            "kinds": ["legal"],
            "countries": ["CO"],
            "regions": "PE-LIM",
            "availability": "available",
        },
    )
    assert response.status_code == 422
    assert "not a region of the countries chosen" in response.content.decode()
    assert not Provider.objects.exists()


def test_a_refused_reference_is_shown_again_with_what_was_typed_and_why(team):
    """A name too long or a NUL in the contact had been told "Give the reference's name and
    how to reach them" on the provider's page, and what was typed was gone."""
    provider = team.provider(approved=False)
    lucia = client(team.lucia)
    url = reverse("support:provider-reference", kwargs={"provider_id": provider.pk})
    long_name = lucia.post(url, {"name": "N" * 250, "contact": "call me on Signal"})
    page = html.unescape(long_name.content.decode())
    assert long_name.status_code == 422
    assert "at most 200 characters" in page and "call me on Signal" in page
    assert "Give the reference's name" not in page
    nul = lucia.post(url, {"name": "Ref Three", "contact": "line\x00two"})
    page = html.unescape(nul.content.decode())
    assert nul.status_code == 422 and "Null characters are not allowed." in page
    assert 'value="Ref Three"' in page
    assert not provider.references.exists()
    added = lucia.post(url, {"name": "Ref Two", "contact": "two@x.org"})
    assert added.status_code == 302 and provider.references.count() == 1


def test_more_countries_than_the_provider_row_holds_are_refused_in_words(team):
    """41 countries do not fit the row (PostgreSQL refused it: a server error); 40 do."""
    import pycountry

    codes = sorted(c.alpha_2 for c in pycountry.countries)
    fields = {
        "compartment": team.compartment.pk,
        "name": "Red Regional",
        "kinds": ["legal"],
        "availability": "available",
    }
    response = client(team.lucia).post(
        reverse("support:provider-new"), {**fields, "countries": codes[:41]}
    )
    assert response.status_code == 422
    assert "Too many countries for one provider (41): list the main ones, at most 40." in (
        html.unescape(response.content.decode())
    )
    assert not Provider.objects.exists()
    made = client(team.lucia).post(
        reverse("support:provider-new"), {**fields, "countries": codes[:40]}
    )
    assert made.status_code == 302
    assert len(Provider.objects.get().countries.split(",")) == 40


def test_a_compartment_that_is_no_number_is_refused_in_words(team):
    response = client(team.lucia).post(
        reverse("support:provider-new"),
        {
            "compartment": "²",  # a digit to str.isdigit, none to int()
            "name": "Clínica Norte",
            "kinds": ["medical"],
            "countries": ["CO"],
            "availability": "available",
        },
    )
    assert response.status_code != 500
    assert "Choose the compartment whose members may read the contacts." in (
        response.content.decode()
    )
    assert not Provider.objects.exists()


def test_vetting_on_the_page_refuses_a_past_date(team):
    provider = team.provider(approved=False)
    web = client(team.karim)
    url = reverse("support:provider-vet", kwargs={"provider_id": provider.pk})
    response = web.post(
        url,
        {"status": "approved", "revet_on": (clock.today() - timedelta(days=2)).isoformat()},
        follow=True,
    )
    assert "two references" in response.content.decode() or "past" in response.content.decode()
    assert Provider.objects.get().vetting == "new"


def test_a_refused_vetting_keeps_the_status_and_date_chosen(team):
    """After "2040-01-01 is far from today; check the year" the status and the date had come
    back empty (a redirect), to be chosen again."""
    provider = team.provider()
    web = client(team.karim)
    url = reverse("support:provider-vet", kwargs={"provider_id": provider.pk})
    response = web.post(url, {"status": "suspended", "revet_on": "2040-01-01"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 422
    assert "is far from today; check the year" in page
    assert 'value="2040-01-01"' in page and '<option value="suspended" selected>' in page
    assert Provider.objects.get().vetting == "approved"


def test_referral_refused_without_consent_says_which(team):
    provider = team.provider()
    web = client(team.lucia)
    response = web.post(
        reverse("support:referral-new"),
        {
            "case": team.case.reference,
            "provider": provider.pk,
            "kind": "service",
            "purpose": "Legal advice",
            "shared": ["pseudonym"],
        },
    )
    assert response.status_code == 422
    assert "Share with a partner organisation" in response.content.decode()
    assert not Referral.objects.exists()
    team.consent()
    response = web.post(
        reverse("support:referral-new"),
        {
            "case": team.case.reference,
            "provider": provider.pk,
            "kind": "service",
            "purpose": "Legal advice",
            "shared": ["pseudonym"],
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (
        client(team.pedro)
        .get(reverse("support:referral", kwargs={"referral_id": referral.pk}))
        .status_code
        == 404
    )


def _grant_page(web, grant):
    return web.get(reverse("support:grant", kwargs={"grant_id": grant.pk})).content.decode()


def _post(web, name, grant, data=None, **kwargs):
    return web.post(
        reverse(f"support:{name}", kwargs={"grant_id": grant.pk, **kwargs}), data or {}, follow=True
    )


def _request_grant(signed_in, team, budget_lines: str):
    """A coordinator's request for 1,200 EUR for a seized laptop, through the page."""
    return signed_in.post(reverse("support:grant-new"), grant_form(team, budget_lines=budget_lines))


def test_a_budget_line_without_its_amount_says_which_and_how_to_write_one(team):
    """ "locks: 500" had been told only "Enter the amount as a number"."""
    response = _request_grant(client(team.karim), team, "Laptop; 700\nlocks: 500")
    page = html.unescape(response.content.decode())
    assert response.status_code != 302 and not Grant.objects.exists()
    assert "Budget line 2 (“locks: 500”): Enter the amount as a number" in page
    assert "Write each line as what; amount, for example: Lawyer's fee; 500" in page


@override_settings(SUPPORT_SECOND_APPROVER_ABOVE="1000")
def test_a_grant_through_the_pages_with_two_approvers(team):
    karim = client(team.karim)
    response = _request_grant(karim, team, "Laptop; 1000\nPhone; 200")
    assert response.status_code == 302, response.content.decode()[:3000]
    grant = Grant.objects.get()
    lucia = client(team.lucia)
    _post(lucia, "grant-diligence", grant, {"note": "Partner confirmed the raid"})
    # The requester cannot approve, through the page either.
    page = _post(karim, "grant-approve", grant).content.decode()
    assert "cannot approve" in page
    assert not Approval.objects.exists()
    ana, omar = client(team.ana), client(team.omar)
    _post(ana, "grant-approve", grant)
    assert Grant.objects.get().status == "diligence"
    assert "already" in _post(ana, "grant-approve", grant).content.decode()
    _post(omar, "grant-approve", grant)
    assert Grant.objects.get().status == "approved"
    page = _post(
        ana,
        "grant-disburse",
        grant,
        {"method": "bank", "amount": "-3", "currency": "EUR", "payment_details": "IBAN"},
    )
    assert "more than zero" in page.content.decode()
    _post(
        ana,
        "grant-disburse",
        grant,
        {"method": "bank", "amount": "700", "currency": "EUR", "payment_details": "IBAN ES00"},
    )
    over = _post(
        ana,
        "grant-disburse",
        grant,
        {"method": "cash", "amount": "501", "currency": "EUR", "payment_details": "Partner"},
    )
    assert "past the amount approved" in over.content.decode()
    _post(
        ana,
        "grant-disburse",
        grant,
        {"method": "cash", "amount": "500", "currency": "EUR", "payment_details": "Partner"},
    )
    assert LedgerEntry.objects.count() == 2
    _post(lucia, "grant-receipt", grant, tranche=1)
    _post(lucia, "grant-report", grant, {"kind": "narrative", "text": "Bought and set up"})
    _post(lucia, "grant-report", grant, {"kind": "financial", "text": "Invoices attached"})
    assert Grant.objects.get().status == "reported"
    assert _post(lucia, "grant-close", grant).status_code == 403
    _post(ana, "grant-close", grant)
    assert Grant.objects.get().status == "closed"
    assert "IBAN ES00" in _grant_page(lucia, grant)
    assert (
        client(team.pedro).get(reverse("support:grant", kwargs={"grant_id": grant.pk})).status_code
        == 404
    )


def test_the_grant_form_refuses_an_unknown_amount(team):
    response = client(team.lucia).post(
        reverse("support:grant-new"),
        {
            "case": team.case.reference,
            "beneficiary": "group",
            "group_size": "1",
            "grant_type": "legal",
            "urgency": "urgent",
            "need": "Bail",
            "amount": "500",
            "currency": "EUR",
        },
    )
    assert response.status_code == 422 and "2 to" in response.content.decode()
    assert not Grant.objects.exists()


def test_summary_ledger_and_work_queue_lines(team):
    grant = team.grant()
    from aegis.support import queue

    lucia_lines = queue.items(team.lucia.user)
    assert lucia_lines == []
    from aegis.support import services
    from aegis.vault.keychain import unlocked

    with unlocked(team.lucia.keychain()):
        services.do_diligence(grant, actor=team.lucia.user, note="ok")
    assert "1 grant awaits your approval" in [i.text for i in queue.items(team.karim.user)]
    assert (
        "Programme summary" in client(team.karim).get(reverse("support:summary")).content.decode()
    )
    assert client(team.lucia).get(reverse("support:summary")).status_code == 403


def test_the_case_page_shows_referrals_and_a_withdrawn_consent(team):
    from aegis.cases import services as cases
    from aegis.support import services
    from aegis.vault.keychain import unlocked

    provider = team.provider()
    consent = team.consent()
    with unlocked(team.lucia.keychain()):
        services.create_referral(
            team.case, provider, actor=team.lucia.user, purpose="Advice", shared=["pseudonym"]
        )
        cases.withdraw_consent(consent, actor_id=team.lucia.user.pk)
    page = (
        client(team.lucia)
        .get(reverse("cases:detail", kwargs={"reference": team.case.reference}))
        .content.decode()
    )
    assert "Support: referrals and grants" in page
    assert "its consent was withdrawn" in page


@override_settings(SUPPORT_GRANT_CAP="1000", SUPPORT_PERSON_CAP="1500")
def test_the_caps_hold_on_the_page(team):
    web = client(team.lucia)
    form = {
        "case": team.case.reference,
        "beneficiary": "person",
        "grant_type": "legal",
        "urgency": "urgent",
        "need": "Bail",
        "currency": "EUR",
    }
    over = web.post(reverse("support:grant-new"), {**form, "amount": "1000.01"})
    assert over.status_code == 422 and "at most 1000" in over.content.decode()
    assert web.post(reverse("support:grant-new"), {**form, "amount": "900"}).status_code == 302
    period = web.post(reverse("support:grant-new"), {**form, "amount": "700"})
    assert period.status_code == 422 and "already granted or asked for" in period.content.decode()
    assert Grant.objects.count() == 1


def test_withdrawing_a_grant_asks_first(team):
    """One click had withdrawn a grant for good: the button is a link to the question, and
    only the question's button withdraws it."""
    karim = client(team.karim)
    _request_grant(karim, team, "Laptop; 1200")
    grant = Grant.objects.get()
    url = reverse("support:grant-withdraw", kwargs={"grant_id": grant.pk})
    page = karim.get(reverse("support:grant", kwargs={"grant_id": grant.pk})).content.decode()
    assert f'href="{url}"' in page
    question = karim.get(url).content.decode()
    assert f"Withdraw grant {grant.reference}?" in question and f'action="{url}"' in question
    assert Grant.objects.get().status == "requested"
    karim.post(url)
    assert Grant.objects.get().status == "withdrawn"


def test_the_directory_and_a_referral_name_kinds_and_languages(team):
    """The directory had shown the codes ("safe_house,transport", "es,quc") and a referral
    passed "Languages: es,quc" on to the provider."""
    from django.utils import translation

    from aegis import places
    from aegis.cases import services as cases
    from aegis.support import services
    from aegis.vault.keychain import unlocked

    provider = team.provider(kinds=["safe_house", "transport"], languages="es,quc")
    page = client(team.lucia).get(reverse("support:providers")).content.decode()
    rows = page.split("<tbody>")[1]
    assert "Safe house, Secure transport" in rows and "safe_house" not in rows
    assert "Spanish, K&#x27;iche&#x27;" in rows and "es,quc" not in rows
    assert "Antioquia, Colombia" in rows
    one = client(team.lucia).get(reverse("support:provider", kwargs={"provider_id": provider.pk}))
    assert "Safe house, Secure transport" in one.content.decode()
    with translation.override("es"):
        assert places.language_names("es,quc") == "Español, K'iche'"
        assert provider.kinds_shown() == "Casa refugio, Transporte seguro"
    team.consent()
    with unlocked(team.lucia.keychain()):
        cases.update_person(
            team.case.person, actor_id=team.lucia.user.pk, reason="Asked", languages="es,quc"
        )
        referral = services.create_referral(
            team.case, provider, actor=team.lucia.user, purpose="Shelter", shared=["languages"]
        )
        assert str(referral.shared_text).endswith(": Spanish, K'iche'")
