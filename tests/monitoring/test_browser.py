"""An analyst works the proposal queue in Debian's Chromium with JavaScript off: the queue,
the proposal beside its article, a correction kept, and the acceptance that drafts an
incident for a compartment; then the same analyst is refused the incident itself."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from aegis.incidents.models import Incident
from aegis.monitoring import articles
from aegis.monitoring.vocabulary import ArticleOrigin
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.test_browser import assert_csp, fill_sign_in, tab  # noqa: F401

from .conftest import STORY

pytestmark = pytest.mark.browser


def _signed_in_analyst_with_an_article(tab, make_person):  # noqa: F811
    """An analyst ("lucia": fill_sign_in types this username) signed in, a pasted article
    about an arrest waiting in the queue."""
    analyst = make_person(Role.ANALYST, "lucia")
    with unlocked(analyst.keychain()):
        article = articles.ingest(
            origin=ArticleOrigin.PASTED,
            title="Defender arrested in Bogota",
            text=STORY,
            published=datetime.date(2026, 11, 20),
            language="en",
        )
    page = tab.page
    page.goto(tab.url("/accounts/login/"))
    fill_sign_in(page, analyst.password, analyst.next_backup_code())
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page, article


def test_an_analyst_accepts_a_proposal_without_javascript(tab, make_person, make_compartment):  # noqa: F811
    caseworker = make_person(Role.CASEWORKER)
    make_compartment(caseworker, name="Andes")
    page = _signed_in_analyst_with_an_article(tab, make_person)[0]
    page.get_by_role("link", name="News monitoring").first.click()
    expect(page.get_by_role("heading", name="Proposals from the news", level=1)).to_be_visible()
    page.get_by_role("link", name="Defender arrested in Bogota").click()
    assert_csp(page.reload())

    page.get_by_label("Victim 1, as described").fill("A woman defender of land rights")
    page.get_by_role("button", name="Save the corrections").click()
    expect(page.get_by_text("Your corrections are saved.")).to_be_visible()
    expect(page.get_by_label("Victim 1, as described")).to_have_value(
        "A woman defender of land rights"
    )

    page.get_by_label("Compartment").select_option(label="Andes")
    page.get_by_role("button", name="Draft the incident for this compartment").click()
    incident = Incident.objects.get()
    expect(page.get_by_text(f"Incident {incident.reference} is drafted")).to_be_visible()
    response = page.goto(
        tab.url(reverse("incidents:detail", kwargs={"incident_ref": incident.reference}))
    )
    assert response is not None and response.status == 403
    assert tab.csp_violations() == []


def test_enter_in_a_field_saves_the_corrections(tab, make_person):  # noqa: F811
    """Enter presses a form's first submit button. On the proposal page that had been "Show
    the regions": the page was drawn again and nothing was saved, without a word."""
    page, article = _signed_in_analyst_with_an_article(tab, make_person)
    page.goto(tab.url(reverse("monitoring:proposal", kwargs={"proposal_id": article.proposal.pk})))
    title = page.get_by_label("Title:", exact=True)
    title.fill("Land defender held in Bogota")
    title.press("Enter")
    expect(page.get_by_text("Your corrections are saved.")).to_be_visible()
    expect(page.get_by_label("Title:", exact=True)).to_have_value("Land defender held in Bogota")
