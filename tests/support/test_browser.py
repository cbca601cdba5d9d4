"""The support network in Debian's Chromium with JavaScript off: a coordinator vets a
provider; a caseworker refers with consent, and without it is told which consent is missing;
a grant is requested, approved by a second coordinator, disbursed in two tranches, reported
and closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from aegis import clock
from aegis.support.models import Grant, LedgerEntry
from tests.test_browser import assert_csp, tab  # noqa: F401

pytestmark = pytest.mark.browser


def signed_in(browser, base: str, person) -> Page:
    page = browser.new_context(java_script_enabled=False, locale="en-GB").new_page()
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(person.user.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_label("Code from your authenticator app").fill(person.next_backup_code())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    return page


def test_a_coordinator_vets_a_provider(browser, tab, team):  # noqa: F811
    provider = team.provider(approved=False)
    from aegis.support import services
    from aegis.vault.keychain import unlocked

    with unlocked(team.karim.keychain()):
        services.add_reference(provider, actor=team.karim.user, name="Ref A", contact="a@x.org")
    page = signed_in(browser, tab.base, team.karim)
    page.get_by_role("link", name="Support network").first.click()
    page.get_by_role("link", name="Abogadas del Sur").click()
    expect(page.locator("#vetting-status")).to_contain_text("New")
    page.get_by_label("Vetting:", exact=True).select_option("approved")
    later = (clock.today() + timedelta(days=180)).isoformat()
    page.get_by_label("Re-vetting date").fill(later)
    page.get_by_role("button", name="Record the decision").click()
    # Refused on the form, with the status and date chosen kept.
    expect(page.get_by_role("alert").first).to_contain_text("at least two references")
    expect(page.get_by_label("Re-vetting date")).to_have_value(later)
    page.get_by_label("Reference's name").fill("Ref B")
    page.get_by_label("How to reach the reference").fill("b@x.org")
    page.get_by_role("button", name="Add the reference").click()
    page.get_by_label("Vetting:", exact=True).select_option("approved")
    page.get_by_label("Re-vetting date").fill(later)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_contain_text("The vetting decision is recorded.")
    expect(page.locator("#vetting-status")).to_contain_text("Approved")
    expect(page.locator("#vetting-status")).to_contain_text("karim")


def _refer(page: Page, base: str, team, provider) -> None:
    response = page.goto(base + reverse("support:referral-new") + f"?case={team.case.reference}")
    assert_csp(response)
    page.get_by_label("Provider").select_option(str(provider.pk))
    page.get_by_label("Purpose").fill("Legal defence at the hearing")
    page.get_by_label("Pseudonym").check()
    page.get_by_role("button", name="Save the referral as a draft").click()


def test_a_referral_is_refused_without_consent_then_made_with_it(browser, tab, team):  # noqa: F811
    provider = team.provider()
    page = signed_in(browser, tab.base, team.lucia)
    _refer(page, tab.base, team, provider)
    expect(page.get_by_role("alert").first).to_contain_text("Nothing is saved yet")
    # The refusal of the whole form is an alert of its own, said once.
    refusal = page.get_by_role("alert").filter(has_text="no live consent")
    expect(refusal).to_have_count(1)
    expect(
        page.get_by_text("no live consent to “Share with a partner organisation”")
    ).to_be_visible()
    team.consent()
    _refer(page, tab.base, team, provider)
    expect(page.get_by_role("status")).to_contain_text("The referral is saved as a draft.")
    expect(page.locator("#referral-status")).to_have_text("Draft")
    page.get_by_label("New status").select_option("sent")
    page.get_by_role("button", name="Update the referral").click()
    expect(page.locator("#referral-status")).to_have_text("Sent")


def test_a_grant_from_request_to_close(browser, tab, team):  # noqa: F811
    karim = signed_in(browser, tab.base, team.karim)
    karim.goto(tab.base + reverse("support:grant-new") + f"?case={team.case.reference}")
    karim.get_by_label("Case").select_option(team.case.reference)
    karim.get_by_label("Type of grant").select_option("digital")
    karim.get_by_label("The need (encrypted)").fill("Laptop seized in a raid")
    karim.get_by_label("Amount asked").fill("1000")
    karim.get_by_label("Currency:", exact=True).select_option("EUR")
    karim.get_by_label("Budget lines").fill("Laptop; 800\nPhone; 200")
    karim.get_by_role("button", name="Request the grant").click()
    expect(karim.get_by_role("status")).to_contain_text("is requested")
    grant_url = karim.url
    grant = Grant.objects.get()

    lucia = signed_in(browser, tab.base, team.lucia)
    lucia.goto(grant_url)
    lucia.get_by_label("Due diligence: what was checked").fill("Partner confirmed the raid")
    lucia.get_by_role("button", name="Record due diligence").click()
    expect(lucia.locator("#grant-status")).to_have_text("Due diligence done")

    # The requester is told another coordinator approves, and offered no button that would
    # only be refused (the services refuse it all the same: test_grants).
    karim.goto(grant_url)
    expect(karim.get_by_text("another coordinator must approve it")).to_be_visible()
    expect(karim.get_by_role("button", name="Approve")).to_have_count(0)

    ana = signed_in(browser, tab.base, team.ana)
    ana.goto(grant_url)
    ana.get_by_role("button", name="Approve").click()
    expect(ana.locator("#grant-status")).to_have_text("Approved")

    for amount, method in (("600", "bank"), ("400", "mobile")):
        ana.get_by_label("Method").select_option(method)
        ana.get_by_label("Amount paid").fill(amount)
        ana.get_by_label("Currency paid").select_option("EUR")
        ana.get_by_label("Payment details (encrypted)").fill(f"Account for {method}")
        ana.get_by_role("button", name="Disburse this tranche").click()
        expect(ana.get_by_role("status")).to_contain_text("recorded in the ledger")
    expect(ana.locator("#grant-paid")).to_have_text("1000.00 EUR")
    assert LedgerEntry.objects.count() == 2

    lucia.goto(grant_url)
    lucia.get_by_role("button", name="Acknowledge receipt").first.click()
    for kind, text in (("narrative", "Devices replaced"), ("financial", "Invoices attached")):
        lucia.get_by_label("Report:", exact=True).select_option(kind)
        lucia.get_by_label("The report (encrypted)").fill(text)
        lucia.get_by_role("button", name="Record the report").click()
        expect(lucia.get_by_role("status")).to_contain_text("The report is recorded.")
    expect(lucia.locator("#grant-status")).to_have_text("Reported")

    ana.goto(grant_url)
    ana.get_by_role("button", name="Close the grant").click()
    expect(ana.locator("#grant-status")).to_have_text("Closed")
    assert Grant.objects.get(pk=grant.pk).status == "closed"
