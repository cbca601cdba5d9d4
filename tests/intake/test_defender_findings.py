"""What a defender on a phone over Tor met on the public form: the report is not shown again
by Back after it was sent; a form sent without its cookie says in the reader's language that
nothing was sent; a report of invisible characters is no report; the region button sends no
files; HEAD is answered; the markup is valid."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from .conftest import form_data, post_report, submission_count, token_of

pytestmark = pytest.mark.django_db


def test_the_forms_are_not_refilled_by_the_browser_after_sending(intake_team):
    """Back after sending had shown the whole account again (on a shared or seized phone),
    and sending it again filed it twice."""
    page = Client().get("/report/").content.decode()
    assert re.search(r'<form [^>]*id="report"[^>]*autocomplete="off"', page)


def test_a_form_sent_without_its_cookie_says_it_was_not_sent_in_the_readers_language(
    intake_team,
):
    client = Client(enforce_csrf_checks=True)
    token = token_of(client.get("/report/"))
    fresh = Client(enforce_csrf_checks=True, headers={"accept-language": "es"})
    response = fresh.post("/report/", {**form_data(), "form_token": token})
    assert response.status_code == 403
    text = response.content.decode()
    assert "Su denuncia NO se envió" in text and "CSRF" not in text
    english = Client(enforce_csrf_checks=True).post("/report/", {**form_data()})
    assert "Your report was NOT sent" in english.content.decode()
    assert submission_count() == 0


@pytest.mark.parametrize("invisible", ["\u200b\u200b\u200b", "\u200f \u2060\n\ufeff"])
def test_a_report_of_invisible_characters_is_no_report(intake_team, invisible):
    response = post_report(Client(), narrative=invisible)
    assert response.status_code == 200
    assert "Tell us what happened." in response.content.decode()
    assert submission_count() == 0


def test_the_region_button_sends_no_files_and_asks_for_them_again(intake_team):
    client = Client()
    page = client.get("/report/").content.decode()
    button = re.search(r'<button[^>]*name="show_regions"[^>]*>', page)
    assert button and 'formenctype="application/x-www-form-urlencoded"' in button.group(0)
    # As the browser sends it then: the file's name as a field, no file.
    redrawn = client.post(
        "/report/",
        {
            **form_data(),
            "form_token": token_of(client.get("/report/")),
            "show_regions": "1",
            "files": "photo.jpg",
        },
    )
    text = redrawn.content.decode()
    assert "Attach your files again" in text and "photo.jpg" not in text


def test_head_is_answered_and_the_markup_is_valid(intake_team):
    client = Client()
    assert client.head("/report/").status_code == 200
    page = client.get("/report/").content.decode()
    (file_input,) = re.findall(r'<input type="file"[^>]*>', page)
    assert file_input.count("multiple") == 1
    country = re.search(r'<select[^>]*name="country"[^>]*>', page)
    assert country and "maxlength" not in country.group(0)


def test_a_language_the_site_does_not_offer_keeps_the_page_s_own(intake_team):
    """The chooser sends the page's form: a language the site does not offer is no error,
    stores nothing, and the page comes back in its own language with what was typed."""
    client = Client()
    token = token_of(client.get("/report/"))
    for language in ("xx", "", "es" * 100):
        shown = client.post(
            "/report/",
            {**form_data(), "form_token": token, "switch_language": "1", "language": language},
        )
        assert shown.status_code == 200 and shown["Content-Language"] == "en"
        assert "Two men followed me from the community meeting" in shown.content.decode()
    assert submission_count() == 0
