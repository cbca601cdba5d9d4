"""In Debian's Chromium, JavaScript off: a caseworker links a defender's account to the
defender's file from the person's page; the defender signs in, reads their plan, checks in
and raises a panic that reaches a responder by email (aiosmtpd on loopback); the responder
acknowledges it from the alert's page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from aegis.accounts import channels
from aegis.alerts import sending
from aegis.alerts.models import Alert, CheckIn
from aegis.alerts.vocabulary import AlertKind, AlertStatus
from aegis.roles import Role
from aegis.safety import services as safety
from aegis.safety.drafts import ContactDraft, PlanDraft
from aegis.vault.keychain import unlocked
from tests.alerts.conftest import smtp  # noqa: F401  (the loopback mail server fixture)
from tests.test_browser import assert_csp, tab  # noqa: F401

pytestmark = pytest.mark.browser


def sign_in(page: Page, base: str, person) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(person.user.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_label("Code from your authenticator app").fill(person.next_backup_code())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)


@pytest.fixture
def setting(tab, make_person, make_compartment, make_case):  # noqa: F811
    lucia = make_person(Role.CASEWORKER, "lucia")
    thandi = make_person(Role.RESPONDER, "thandi")
    channels.set_channels(thandi.user, {"email": "thandi@example.org"}, actor_id=thandi.user.pk)
    tomas = make_person(Role.DEFENDER, "tomas")
    compartment = make_compartment(lucia, thandi, name="Andes")
    person = make_case(compartment, lucia).person
    plan = PlanDraft(
        language="en", contacts=[ContactDraft(name="Achieng Otieno", phone="+254722555031")]
    )
    with unlocked(lucia.keychain()):
        safety.save_plan(person, plan, actor_id=lucia.user.pk)
    return lucia, thandi, tomas, person


def test_a_linked_defender_raises_a_panic_that_a_responder_acknowledges(
    tab,  # noqa: F811
    browser,
    setting,
    smtp,  # noqa: F811
):
    lucia, thandi, tomas, person = setting
    page = tab.page

    # The caseworker links the account from the person's page.
    sign_in(page, tab.base, lucia)
    page.goto(tab.url(reverse("cases:person", kwargs={"person_id": person.pk})))
    page.get_by_label("Defender's account").select_option(label="tomas")
    page.get_by_role("button", name="Link the account").click()
    expect(page.get_by_role("status")).to_contain_text("The account tomas is linked")
    expect(page.get_by_role("button", name="Unlink the account")).to_be_visible()

    # The defender, in a browser of their own.
    defender = browser.new_context(java_script_enabled=False, locale="en-GB")
    mine = defender.new_page()
    sign_in(mine, tab.base, tomas)
    mine.get_by_role("link", name="My protection").first.click()
    expect(mine.get_by_role("heading", name="My safety plan")).to_be_visible()
    expect(mine.get_by_text("Achieng Otieno")).to_be_visible()

    assert_csp(mine.goto(tab.url(reverse("alerts:checkin"))))
    mine.get_by_role("button", name="I am fine: check in").click()
    expect(mine.get_by_role("status")).to_contain_text("Your check-in is recorded.")
    assert CheckIn.objects.filter(person=person).count() == 1

    mine.goto(tab.url(reverse("alerts:panic")))
    mine.get_by_role("button", name="Send alert now").click()
    expect(mine.get_by_text("Your request has been received.")).to_be_visible()
    defender.close()

    alert = Alert.objects.get(person=person)
    assert alert.kind == AlertKind.PANIC and alert.status == AlertStatus.OPEN
    assert sending.deliver_due() >= 1
    mails = smtp.to("thandi@example.org")
    assert len(mails) == 1 and "someone you support needs you" in mails[0].text

    # The responder acknowledges from the alert's page.
    responder = browser.new_context(java_script_enabled=False, locale="en-GB")
    console = responder.new_page()
    sign_in(console, tab.base, thandi)
    console.goto(tab.url(reverse("alerts:detail", kwargs={"alert_id": alert.pk})))
    console.get_by_role("button", name="I acknowledge: I am acting on it").click()
    expect(console.get_by_role("status")).to_contain_text("You acknowledged the alert.")
    responder.close()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert not tab.csp_violations()
