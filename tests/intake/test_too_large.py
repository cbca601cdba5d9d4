"""A public form that is too large reaches the view's own page, with the CSRF check on as in
production (the test client skips it unless asked): the reporter's text is kept in the form
and only what is beyond the limits (files past the tenth, a field of megabytes) is left out.
Nothing is stored, and the CSRF check still refuses a forged post."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from aegis.intake.models import Submission, SubmissionMessage

from .conftest import form_data, png_bytes, receipt_code, token_of, upload

pytestmark = pytest.mark.django_db
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NARRATIVE = "Two men followed me from the community meeting to my house. It was late."


def _csrf(page) -> str:
    found = CSRF_TOKEN.search(page.content.decode())
    assert found
    return found.group(1)


def _report(client: Client, files=(), **overrides):
    form = client.get("/report/")
    data = form_data(**overrides)
    data.update(form_token=token_of(form), csrfmiddlewaretoken=_csrf(form))
    if files:
        data["files"] = [upload(*f) for f in files]
    return client.post("/report/", data)


def test_eleven_files_keep_the_text_and_store_nothing(intake_team):
    client = Client(enforce_csrf_checks=True)
    files = [(f"{i}.png", png_bytes(), "image/png") for i in range(11)]
    response = _report(client, files=files, narrative=NARRATIVE, contact_channel="Signal")
    assert response.status_code == 413
    page = response.content.decode()
    assert "too large to be received in one go: at most 5 files" in page
    assert NARRATIVE in page, "the narrative is shown again"
    assert "Vereda El Roble, near the school</textarea>" in page
    assert 'value="Signal"' in page
    assert 'name="form_token"' in page
    assert Submission.objects.count() == 0


def test_a_field_of_megabytes_is_left_out_and_the_rest_is_kept(intake_team):
    client = Client(enforce_csrf_checks=True)
    response = _report(client, narrative=NARRATIVE, place_details="x" * (5 * 1024 * 1024))
    assert response.status_code == 413
    page = response.content.decode()
    assert "too large to be received" in page
    assert NARRATIVE in page
    assert "x" * 1000 not in page
    assert Submission.objects.count() == 0
    # The same client, with the text as it was kept, then sends the report.
    assert _report(client, narrative=NARRATIVE).status_code == 200
    assert Submission.objects.count() == 1


def test_a_follow_up_message_too_large_keeps_the_text(intake_team):
    client = Client(enforce_csrf_checks=True)
    code = receipt_code(_report(client))
    page = client.get("/report/follow-up/")
    client.post(
        "/report/follow-up/", {"action": "open", "code": code, "csrfmiddlewaretoken": _csrf(page)}
    )
    thread = client.get("/report/follow-up/")
    body = "They came back this morning and asked for me by name."
    files = [upload(f"{i}.png", png_bytes(), "image/png") for i in range(11)]
    response = client.post(
        "/report/follow-up/",
        {"action": "message", "body": body, "files": files, "csrfmiddlewaretoken": _csrf(thread)},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "too large to be received" in page and "Write to the team" in page
    assert body in page
    assert SubmissionMessage.objects.count() == 0


def test_an_unreadable_plain_form_gets_the_page_not_a_bare_400(intake_team):
    """A body of another kind cannot be read in part: the page says so, and nothing is done."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/report/follow-up/",
        "action=open&code=" + "y" * 5_000_000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "too large to be received" in response.content.decode()
    report = client.post(
        "/report/", "narrative=" + "y" * 5_000_000, content_type="application/x-www-form-urlencoded"
    )
    assert report.status_code == 413 and "too large to be received" in report.content.decode()
    assert Submission.objects.count() == 0


def test_the_csrf_check_still_refuses_a_forged_post(intake_team):
    client = Client(enforce_csrf_checks=True)
    form = client.get("/report/")
    data = form_data(narrative=NARRATIVE)
    data["form_token"] = token_of(form)
    assert client.post("/report/", data).status_code == 403
    files = [upload(f"{i}.png", png_bytes(), "image/png") for i in range(11)]
    assert client.post("/report/", {**data, "files": files}).status_code == 403
    assert Submission.objects.count() == 0
