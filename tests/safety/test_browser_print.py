"""The printable safety plan in Debian's Chromium (JavaScript off): a realistically full plan
fits one A4 page, in English and in Arabic (right to left), with print media emulated and a
screenshot kept for a person to look at."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from aegis.roles import Role
from aegis.safety import services
from aegis.safety.demo import draft
from aegis.safety.demo_plans import MVULE, SIDRA_PLAN
from aegis.vault.keychain import unlocked
from tests.test_browser import assert_csp, fill_sign_in, tab  # noqa: F401

pytestmark = pytest.mark.browser

A4_AT_96_DPI = {"width": 794, "height": 1123}
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?!s)")


def pdf_pages(pdf: bytes) -> int:
    """Page objects in the PDF (the page tree's own '/Type /Pages' is not counted)."""
    assert pdf.startswith(b"%PDF-")
    return len(PAGE_OBJECT.findall(pdf))


@pytest.fixture
def plans(tab, make_person, make_compartment, make_case):  # noqa: F811
    lucia = make_person(Role.CASEWORKER, "lucia")  # fill_sign_in types this username
    compartment = make_compartment(lucia, name="Andes")
    people = {}
    for language, spec in (("en", MVULE), ("ar", SIDRA_PLAN)):
        person = make_case(compartment, lucia).person
        with unlocked(lucia.keychain()):
            services.save_plan(person, draft(spec), actor_id=lucia.user.pk)
        people[language] = person
    return lucia, people


def test_the_page_counter_sees_more_than_one_page(tab):  # noqa: F811
    page = tab.page
    page.set_content("<!doctype html><body>" + "<p>line</p>" * 400)
    assert pdf_pages(page.pdf(format="A4", print_background=False)) > 1
    page.set_content("<!doctype html><body><p>one line</p>")
    assert pdf_pages(page.pdf(format="A4", print_background=False)) == 1


@pytest.mark.parametrize(
    ("language", "direction", "heading", "contact"),
    [
        ("en", "ltr", "Safety plan", "Advocate Fatma Said"),
        ("ar", "rtl", "خطة السلامة", "الأستاذ كريم الحداد"),
    ],
)
def test_the_printed_plan_fits_one_a4_page(
    tab,  # noqa: F811
    plans,
    tmp_path,
    language,
    direction,
    heading,
    contact,
):
    lucia, people = plans
    page = tab.page
    page.goto(tab.url("/accounts/login/"))
    fill_sign_in(page, lucia.password, lucia.next_backup_code())
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()

    person = people[language]
    plan_page = reverse("safety:plan", kwargs={"person_id": person.pk})
    page.goto(tab.url(plan_page))
    page.get_by_role("link", name="Printable page").click()
    expect(page).to_have_url(tab.url(reverse("safety:print", kwargs={"person_id": person.pk})))
    assert_csp(page.request.get(page.url))

    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", direction)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("cell", name=contact)).to_be_visible()
    assert page.locator("article").count() == 6  # every scenario is on the page
    assert page.locator("script").count() == 0

    page.emulate_media(media="print")
    page.set_viewport_size(A4_AT_96_DPI)  # the screenshot shows the sheet as printed
    expect(page.locator("nav.screen-only")).to_be_hidden()
    shot = tmp_path / f"safety-plan-{language}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and shot.stat().st_size > 10_000

    pdf = page.pdf(format="A4", print_background=False)
    assert pdf_pages(pdf) == 1
    assert tab.csp_violations() == [], tab.console
    assert tab.failed_requests == [] and tab.error_responses == []
