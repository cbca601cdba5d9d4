"""Recording and documenting an incident in Debian's Chromium with JavaScript off: the
region list follows the country without scripts, and every step is a plain form."""

from __future__ import annotations

import re

import pytest

from aegis.incidents.models import Incident
from aegis.roles import Role
from tests.test_browser import (  # noqa: F401
    PASSWORD,
    assert_csp,
    tab,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture
def worker(make_person, make_compartment, make_case, async_unsafe_allowed):
    person = make_person(Role.CASEWORKER)
    compartment = make_compartment(person)
    make_case(compartment, person)
    return person


def test_record_and_document_an_incident_without_javascript(tab, worker):  # noqa: F811
    page = tab.page
    page.goto(tab.url("/incidents/"))
    page.get_by_label("Username").fill(worker.user.username)
    page.get_by_label("Password").fill(worker.password)
    page.get_by_label("Code from your authenticator app").fill(worker.next_backup_code())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Incidents", level=1)).to_be_visible()
    expect(page.get_by_text("No incidents recorded yet")).to_be_visible()

    assert_csp(page.goto(tab.url("/incidents/new/")))
    page.get_by_label("Title").fill("Amenaza en la asamblea comunitaria")
    page.get_by_label("What happened").fill("Un hombre armado interrumpió la asamblea.")
    page.get_by_label("Date (or first day)").fill("2024-05-02")
    page.get_by_label("Country").select_option("CO")
    # No script refreshes the regions: the form is sent back with the country's regions.
    page.get_by_role("button", name="Show the regions").click()
    expect(page.get_by_label("Region").locator("option[value='CO-CAU']")).to_have_count(1)
    expect(page.get_by_label("Title")).to_have_value("Amenaza en la asamblea comunitaria")
    page.get_by_label("Region").select_option("CO-CAU")
    page.get_by_label("Exact location").fill("Casa comunal, vereda La Palma")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Amenaza en la asamblea comunitaria")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("recorded")
    expect(page.get_by_text("Cauca")).to_be_visible()
    reference = Incident.objects.get().reference

    page.get_by_role("link", name="Add an act").click()
    page.get_by_label("Violation").select_option("death_threat")
    page.get_by_label("Other victim, described").fill("Presidente de la junta")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="1. Death threat")).to_be_visible()

    for kind in ("testimony", "media"):
        page.get_by_role("link", name="Add a source").click()
        page.get_by_label("Kind of source").select_option(kind)
        page.get_by_label("Reliability").select_option("B")
        page.get_by_label("Description").fill(f"A {kind} about the threat")
        page.get_by_label("Independent of the other sources").check()
        page.get_by_role("button", name="Save").click()
    page.get_by_label("Verification").select_option("corroborated")
    page.get_by_role("button", name="Change the verification status").click()
    expect(page.get_by_role("status")).to_contain_text("Verification status changed")
    expect(page.get_by_role("cell", name="Corroborated")).to_be_visible()
    assert Incident.objects.get().verification == "corroborated"
    expect(page).to_have_url(re.compile(re.escape(reference)))
    assert tab.csp_violations() == []
    assert tab.failed_requests == []
