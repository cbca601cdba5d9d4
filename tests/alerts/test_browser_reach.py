"""In Debian's Chromium, JavaScript off: a coordinator saving a policy step that would reach
nobody is told so and nothing is saved; an alert whose step reached nobody is on the console
under "Needs a human" with the reason."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from aegis.alerts import services
from aegis.alerts.models import EscalationPolicy
from aegis.alerts.vocabulary import AlertKind
from aegis.cases.models import Case
from aegis.roles import Role
from tests.safety.test_browser_linking import sign_in
from tests.test_browser import tab  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def unreachable(make_person, make_compartment, make_case):
    """A compartment whose responder has no contact channel, and a person without a plan."""
    karim = make_person(Role.COORDINATOR, "karim")
    thandi = make_person(Role.RESPONDER, "thandi")
    lucia = make_person(Role.CASEWORKER, "lucia")
    compartment = make_compartment(karim, thandi, lucia)
    person = make_case(compartment, lucia).person
    return karim, Case.objects.get(person=person)


def test_a_step_that_reaches_nobody_is_refused_and_an_unreached_alert_needs_a_human(
    tab,  # noqa: F811
    unreachable,
):
    karim, case = unreachable
    page = tab.page
    sign_in(page, tab.base, karim)
    page.goto(tab.url(reverse("alerts:case-policy", kwargs={"reference": case.reference})))
    page.get_by_label("Step number").first.fill("1")
    page.get_by_label("Minutes to acknowledge before the next step").first.fill("5")
    page.get_by_label("Responders of the compartment").first.check()
    page.get_by_role("button", name="Save the policy").click()
    expect(page.get_by_text("Row 1: this step would reach nobody")).to_be_visible()
    assert not EscalationPolicy.objects.filter(case=case).exists()

    alert = services.raise_alert(case.person, AlertKind.PANIC)
    assert not alert.deliveries.exists()
    page.goto(tab.url(reverse("alerts:console")))
    attention = page.get_by_role("region", name="Needs a human")
    expect(attention).to_contain_text(f"#{alert.pk}")
    expect(attention).to_contain_text("nobody could be sent a message")
