"""Assessing a case's risk in Debian's Chromium with JavaScript off: one more threat row
without scripts, the checklist ratings, the result with its parts, and the comparison."""

from __future__ import annotations

import pytest

from aegis.risk.models import Assessment
from aegis.roles import Role
from tests.test_browser import assert_csp, tab  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture
def worker_and_case(make_person, make_compartment, make_case, async_unsafe_allowed):
    person = make_person(Role.CASEWORKER)
    compartment = make_compartment(person)
    return person, make_case(compartment, person)


def test_assess_a_case_without_javascript(tab, worker_and_case):  # noqa: F811
    worker, case = worker_and_case
    page = tab.page
    page.goto(tab.url(f"/risk/cases/{case.reference}/"))
    page.get_by_label("Username").fill(worker.user.username)
    page.get_by_label("Password").fill(worker.password)
    page.get_by_label("Code from your authenticator app").fill(worker.next_backup_code())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("No assessment yet")).to_be_visible()

    page.get_by_role("link", name="New assessment").click()
    assert_csp(page.reload())
    threat = page.locator("fieldset", has_text="Threat 1")
    threat.get_by_label("Threat, in a few words").fill("Amenaza por panfleto")
    threat.get_by_label("4. Who is behind it: type").select_option("armed_group")
    threat.get_by_label("4. Who is behind it: identity").fill("Frente ficticio")
    threat.get_by_label("Likelihood (1 to 5)").select_option("4")
    threat.get_by_label("Impact (1 to 5)").select_option("5")
    # No script adds the row: the form comes back with one more, keeping what was typed.
    page.get_by_role("button", name="One more threat").click()
    expect(page.locator("fieldset", has_text="Threat 3")).to_be_visible()
    expect(threat.get_by_label("Threat, in a few words")).to_have_value("Amenaza por panfleto")
    page.get_by_label("Devices without encryption or screen lock").select_option("4")
    page.get_by_label("A lawyer reachable at any hour").select_option("2")
    page.get_by_label("Threshold of acceptable risk").select_option("moderate")
    page.get_by_role("button", name="Save the assessment").click()

    expect(page.get_by_role("status")).to_contain_text("the risk is high")
    expect(page.get_by_text("20.00 × 4.00 / 2.00 = 40.00")).to_be_visible()
    expect(page.get_by_text("Risk level: High")).to_be_visible()
    assert Assessment.objects.get().score == 40
    expect(page.get_by_text("Non-state armed group: Frente ficticio")).to_be_visible()
    assert tab.csp_violations() == []
    assert tab.failed_requests == []
