"""The communication's page in Debian's Chromium (JavaScript off): the missing element is
listed, "Mark as sent" is refused with a message naming it, and nothing breaks the page's
Content Security Policy; a screenshot is kept for review."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from aegis.advocacy import seed
from aegis.advocacy.models import Mandate, Mechanism
from aegis.roles import Role
from tests.test_browser import assert_csp, fill_sign_in, tab  # noqa: F401

from .conftest import Team, draft_for, reviewed, variant

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parent / "artifacts"


def test_sending_without_an_element_is_refused_on_the_page(tab, make_person, make_compartment):  # noqa: F811
    seed.ensure(Mechanism, Mandate)  # the transactional database starts empty
    writer = make_person(Role.CASEWORKER)
    reviewer = make_person(Role.COORDINATOR, "lucia")  # fill_sign_in types this username
    team = Team(writer, reviewer, writer, writer, make_compartment(writer, reviewer))
    communication = reviewed(team, draft_for(team, "wgeid", variant(drop=("family_steps",))))
    page = tab.page
    page.goto(tab.url("/accounts/login/"))
    fill_sign_in(page, reviewer.password, reviewer.next_backup_code())
    response = page.goto(tab.url(f"/advocacy/{communication.pk}/"))
    assert_csp(response)
    expect(page.get_by_text("Missing: The steps taken by the family")).to_be_visible()
    page.get_by_role("button", name="Mark as sent").click()
    refusal = page.locator(".error", has_text="cannot be marked sent")
    expect(refusal).to_contain_text("Missing: the steps taken by the family")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "refused.png"), full_page=True)
    page.goto(tab.url(f"/advocacy/{communication.pk}/export/sheet/"))
    expect(page.get_by_role("rowheader", name="Alleged victims")).to_be_visible()
    assert tab.csp_violations() == []


def test_the_online_form_sheet_passes_axe(tab, browser, make_person, make_compartment):  # noqa: F811
    """axe had reported landmark-one-main and region: the sheet had no <main>."""
    from axe_playwright_python.sync_playwright import Axe

    seed.ensure(Mechanism, Mandate)
    writer = make_person(Role.CASEWORKER)
    reviewer = make_person(Role.COORDINATOR, "lucia")
    team = Team(writer, reviewer, writer, writer, make_compartment(writer, reviewer))
    communication = draft_for(team, "special_procedures")
    page = tab.page
    page.goto(tab.url("/accounts/login/"))
    fill_sign_in(page, reviewer.password, reviewer.next_backup_code())
    checker = browser.new_context(java_script_enabled=True, bypass_csp=True)
    try:  # axe needs script: a second tab, signed in as the first
        checker.add_cookies(page.context.cookies())
        axe_page = checker.new_page()
        axe_page.goto(tab.url(f"/advocacy/{communication.pk}/export/sheet/"))
        results = Axe().run(axe_page)
        assert results.violations_count == 0, results.generate_report()
        expect(axe_page.get_by_role("main")).to_contain_text("Alleged victims")
    finally:
        checker.close()
