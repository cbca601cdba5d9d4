"""The cases pages in Debian's Chromium with JavaScript off: a caseworker opens a case about
a new person (choosing the region after 'Show regions'), adds a note and a task, changes the
status, records consent and finds the person by phone; a group case needs no person fields."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from aegis.roles import Role
from tests.test_browser import assert_csp, tab  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, person) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(person.user.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_label("Code from your authenticator app").fill(person.next_backup_code())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()


@pytest.fixture
def lucia(tab, make_person, make_compartment):  # noqa: F811
    person = make_person(Role.CASEWORKER, "lucia")
    make_compartment(person, name="Andes")
    return person


def test_a_caseworker_documents_a_case_without_javascript(tab, lucia):  # noqa: F811
    page = tab.page
    sign_in(page, tab.base, lucia)
    assert_csp(page.goto(tab.url("/cases/")))
    expect(page.get_by_text("There are no cases yet.")).to_be_visible()
    page.get_by_role("link", name="Open a case").last.click()
    expect(page.get_by_role("heading", name="Open a case", level=1)).to_be_visible()

    page.get_by_label("Summary").fill("Death threats after the land claim")
    page.get_by_label("Pseudonym").fill("Ceiba")
    page.get_by_label("Legal name").fill("Marisol Quintero Arango")
    page.get_by_label("Phone").fill("+57 310 555 0142")
    page.get_by_label("Sex or gender").select_option("woman")
    page.get_by_label("Country").nth(1).select_option("CO")
    page.get_by_label("Languages").fill("es")
    # Without JavaScript the regions follow the country after one round trip.
    page.get_by_role("button", name="Show regions for the chosen countries").click()
    expect(page.get_by_label("Legal name")).to_have_value("Marisol Quintero Arango")
    page.get_by_label("Region (first level)").nth(1).select_option(label="Antioquia")
    page.get_by_role("button", name="Open the case").click()

    expect(page.get_by_role("heading", name=re.compile(r"^Case AEG-\d{4}-\d{5}$"))).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("is open")
    expect(page.get_by_text("Antioquia, Colombia")).to_be_visible()
    reference = page.get_by_role("heading", level=1).inner_text().removeprefix("Case ")

    page.get_by_role("link", name="Add a note").first.click()
    page.get_by_label("Note").fill("She keeps a log of the calls.")
    page.get_by_role("button", name="Add the note").click()
    expect(page.get_by_text("She keeps a log of the calls.")).to_be_visible()

    page.get_by_role("link", name="Add a task").first.click()
    page.get_by_label("What needs to be done").fill("Request protective measures")
    overdue = datetime.date.today() - datetime.timedelta(days=2)
    page.get_by_label("Due on").fill(overdue.isoformat())
    page.get_by_role("button", name="Add the task").click()
    expect(page.get_by_role("cell", name="Overdue")).to_be_visible()
    page.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_role("cell", name=re.compile("^Done on"))).to_be_visible()

    page.get_by_role("link", name="Change the status").click()
    page.get_by_label("New status").select_option("active")
    page.get_by_role("button", name="Change the status").click()  # no reason given
    expect(page).to_have_url(tab.url(f"/cases/{reference}/status/"))  # the browser holds it
    page.get_by_label("Reason").fill("Threats are specific")
    page.get_by_role("button", name="Change the status").click()
    expect(page.get_by_role("cell", name="Threats are specific")).to_be_visible()

    page.get_by_role("link", name="Ceiba").first.click()
    expect(page.get_by_text("Marisol Quintero Arango")).to_be_visible()
    page.get_by_label("Consent to").select_option("un_mechanism")
    page.get_by_label("How it was given").fill("Orally, by Signal")
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_role("cell", name="Orally, by Signal")).to_be_visible()

    page.get_by_role("main").get_by_role("link", name="Search").click()
    page.get_by_label(re.compile("^Exact name")).fill("0057 3105550142")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Ceiba")).to_be_visible()
    expect(page.get_by_role("link", name=reference)).to_be_visible()

    # A case about a group: the new-person fields stay empty and the browser does not object.
    page.goto(tab.url("/cases/new/"))
    page.get_by_label("The case is about").select_option("group")
    page.get_by_label("Name of the group or organisation").fill("Red de Defensoras")
    page.get_by_label("Summary").fill("Office broken into")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_text("A group: Red de Defensoras")).to_be_visible()

    assert tab.csp_violations() == []
    assert tab.failed_requests == []
    assert tab.error_responses == []
