"""Writing and changing a safety plan in Debian's Chromium with JavaScript off: the empty
state leads to the edit page, fixed contact rows need no script, a mistake is shown by its
field with what was typed kept, and each save is a new version listed with who saved it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from aegis.roles import Role
from tests.test_browser import assert_csp, fill_sign_in, tab  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def setting(tab, make_person, make_compartment, make_case):  # noqa: F811
    lucia = make_person(Role.CASEWORKER, "lucia")  # fill_sign_in types this username
    compartment = make_compartment(lucia, name="Andes")
    return lucia, make_case(compartment, lucia).person


def test_a_caseworker_writes_and_changes_a_plan_without_javascript(tab, setting):  # noqa: F811
    lucia, person = setting
    page = tab.page
    page.goto(tab.url("/accounts/login/"))
    fill_sign_in(page, lucia.password, lucia.next_backup_code())
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()

    assert_csp(page.goto(tab.url(reverse("safety:plan", kwargs={"person_id": person.pk}))))
    expect(page.get_by_text("This person has no safety plan yet.")).to_be_visible()
    page.get_by_role("link", name="Write the safety plan").click()

    first = page.get_by_role("group", name="Contact 1")
    first.get_by_label("Name").fill("Achieng Otieno")
    first.get_by_label("Relation").fill("Sister")
    page.get_by_role("group", name="Contact 2").get_by_label("Name").fill("Peter Mwangi")
    page.get_by_label("Check in every (hours)").fill("24")
    page.get_by_label("New duress word").fill("mango season")
    arrest = page.get_by_role("group", name="Arrest or detention")
    arrest.get_by_label("Steps").fill("Ask for the lawyer. Sign nothing.")
    page.get_by_role("button", name="Save as a new version").click()

    # Neither contact can be reached yet: the page says so, by the rows, and keeps the text.
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved yet")
    expect(first.get_by_text("Give at least one way to reach this contact")).to_be_visible()
    expect(first.get_by_label("Name")).to_have_value("Achieng Otieno")
    first.get_by_label("Phone (calls and SMS)").fill("+254 722 555 031")
    page.get_by_role("group", name="Contact 2").get_by_label("Email").fill("peter@example.org")
    page.get_by_role("button", name="Save as a new version").click()

    expect(page.get_by_role("status")).to_contain_text("Version 1 of the safety plan is saved.")
    expect(page.get_by_role("cell", name="Achieng Otieno")).to_be_visible()
    expect(page.get_by_text("Check in every 24 hours.")).to_be_visible()
    page.get_by_text("Show the duress word").click()
    expect(page.get_by_text("mango season")).to_be_visible()

    page.get_by_role("link", name="Change the plan (saves a new version)").click()
    expect(first.get_by_label("Name")).to_have_value("Achieng Otieno")
    page.get_by_label("Check in every (hours)").fill("12")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_role("status")).to_contain_text("Version 2 of the safety plan is saved.")
    expect(page.get_by_text("Check in every 12 hours.")).to_be_visible()

    page.get_by_role("link", name="All versions").click()
    rows = page.get_by_role("row")
    expect(rows).to_have_count(3)  # header, version 2, version 1
    expect(rows.nth(1)).to_contain_text("lucia")
    page.get_by_role("link", name="1", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("an earlier version kept for the record")
    expect(page.get_by_text("Check in every 24 hours.")).to_be_visible()
    assert tab.csp_violations() == [], tab.console
    assert tab.failed_requests == []
