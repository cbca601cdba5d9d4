"""The search key given from the web, in Debian's Chromium with JavaScript off: a new
caseworker is told what is missing when she adds a person, a coordinator gives her the key
from the dashboard's "Search access" page, and she can then add and find the person."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from aegis.roles import Role
from tests.cases.test_browser_cases import sign_in
from tests.test_browser import assert_csp, tab  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def fill_new_person_case(page: Page) -> None:
    page.get_by_label("Summary").fill("Threats after the radio interview")
    page.get_by_label("Pseudonym").fill("Ceiba")
    page.get_by_label("Legal name").fill("Marisol Quintero Arango")
    page.get_by_label("Sex or gender").select_option("woman")
    page.get_by_role("button", name="Open the case").click()


def test_a_coordinator_gives_the_search_key_from_the_web(tab, make_person, make_compartment):  # noqa: F811
    nina = make_person(Role.CASEWORKER, "nina", index_key=False)
    karim = make_person(Role.COORDINATOR, "karim")
    make_compartment(nina, karim, name="Andes")
    page = tab.page

    sign_in(page, tab.base, nina)
    page.goto(tab.url("/cases/new/"))
    expect(
        page.locator(".notice").filter(has_text="You do not hold the search key yet")
    ).to_be_visible()
    fill_new_person_case(page)
    expect(page.get_by_role("alert").first).to_contain_text("The case is not opened yet")
    expect(page.get_by_text("Nothing was saved.")).to_be_visible()
    expect(page.get_by_label("Legal name")).to_have_value("Marisol Quintero Arango")
    sign_out(page)

    sign_in(page, tab.base, karim)
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Search access"
    ).click()
    assert_csp(page.reload())
    expect(page.get_by_role("heading", name="Search access", level=1)).to_be_visible()
    page.get_by_role("button", name="Give the search key to nina").click()
    expect(page.get_by_role("status")).to_contain_text("nina now holds the search key")
    expect(page.get_by_text("Nobody is waiting")).to_be_visible()
    sign_out(page)

    sign_in(page, tab.base, nina)
    page.goto(tab.url("/cases/new/"))
    expect(page.get_by_text("You do not hold the search key yet")).to_have_count(0)
    fill_new_person_case(page)
    expect(page.get_by_role("heading", name=re.compile(r"^Case AEG-\d{4}-\d{5}$"))).to_be_visible()
    page.goto(tab.url("/cases/search/"))
    page.get_by_label("Exact name, phone number").fill("marisol quintero arango")
    page.get_by_role("button", name="Search").last.click()
    expect(page.get_by_role("link", name="Ceiba")).to_be_visible()
    assert not tab.csp_violations()
