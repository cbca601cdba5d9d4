"""/public/ in Debian's Chromium with JavaScript off, in English and Arabic: the charts load
(as SVG images) beside their tables, nothing breaks the CSP, and axe-core finds no
accessibility violation (axe needs script, so it runs in a second tab that allows it)."""

from __future__ import annotations

import datetime

import pytest

from tests.test_browser import assert_csp, tab  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture
def counted(team, granting, async_unsafe_allowed):
    for _ in range(6):
        team.incident(violation="death_threat")
    team.incident(violation="killing")
    # Grants too, so that their tables (one count withheld) are checked by axe as well.
    for month in (1, 2, 3, 4, 5):
        granting("security", "1000.00", datetime.datetime(2026, month, 3, tzinfo=datetime.UTC))
    granting("legal", "500.00", datetime.datetime(2026, 2, 3, tzinfo=datetime.UTC))
    return team


@pytest.mark.parametrize("language", ["en", "ar"])
def test_public_statistics_without_javascript(tab, counted, browser, language):  # noqa: F811
    page = tab.page
    page.goto(tab.url("/public/"))
    if language != "en":  # the footer's plain form, as a reader without script would
        page.get_by_label("Language").select_option(language)
        with page.expect_navigation():
            page.get_by_role("button", name="Change").click()
        page.wait_for_load_state("load")
    tab.failed_requests.clear()  # the first page's images, cut short by leaving it
    response = page.goto(tab.url("/public/"))
    assert_csp(response)
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    images = page.locator("figure img")
    assert images.count() >= 5
    for i in range(images.count()):
        image = images.nth(i)
        assert image.get_attribute("alt")
    expect(page.locator("table").first).to_be_visible()
    assert page.locator("table").count() >= 5
    expect(page.locator("#t-grants")).to_be_visible()
    assert not tab.failed_requests, tab.failed_requests
    assert not tab.csp_violations(), tab.csp_violations()

    from axe_playwright_python.sync_playwright import Axe

    checker = browser.new_context(java_script_enabled=True, bypass_csp=True)
    try:
        checker.add_cookies([{"name": "django_language", "value": language, "url": tab.base}])
        axe_page = checker.new_page()
        axe_page.goto(tab.url("/public/"))
        results = Axe().run(axe_page)
        assert results.violations_count == 0, results.generate_report()
        for name in ("incidents-by-month", "acts-by-violation"):
            svg = axe_page.goto(tab.url(f"/public/chart/{name}.svg"))
            assert svg.headers["content-type"] == "image/svg+xml"
    finally:
        checker.close()
