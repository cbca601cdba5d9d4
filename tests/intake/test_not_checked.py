"""A report or follow-up message that cannot be accepted as sent is shown again with what
was typed, never lost: sent without the CSRF cookie it came with (a new identity in Tor
Browser, a closed browser) or with a stale token, or with a file whose name is too long for
Django's parser (about a kilobyte). The page says it was NOT sent, asks for the files again,
and carries a fresh CSRF token, so pressing Send again sends it. Nothing is stored before
that, nothing typed reaches the log, and every other form keeps Django's refusal as it was."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.test import Client

from aegis.intake.models import Submission, SubmissionMessage

from .conftest import blobs, form_data, png_bytes, receipt_code, token_of, upload

pytestmark = pytest.mark.django_db
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NARRATIVE = "CANARY-7731 Two men followed me from the community meeting to my house."
PLACE = "CANARY-7732 Vereda El Roble, near the school"
MESSAGE = "CANARY-7733 They came back this morning and asked for me by name."


def _csrf(page) -> str:
    found = CSRF_TOKEN.search(page.content.decode())
    assert found, page.content.decode()[:2000]
    return found.group(1)


def _typed_report(form_page, **overrides) -> dict:
    data = form_data(
        narrative=NARRATIVE, place_details=PLACE, anonymous="no", contact_channel="Signal"
    )
    data.update(overrides, form_token=token_of(form_page))
    return data


def _long_named(length: int = 2000) -> io.BytesIO:
    """A file as a browser sends one with a very long name (the test client's uploaded files
    cut names to 255 characters)."""
    file = io.BytesIO(png_bytes())
    file.name = "a" * length + ".png"
    return file


def _assert_kept(page: str) -> None:
    assert NARRATIVE in page
    assert PLACE + "</textarea>" in page
    assert 'value="Signal"' in page
    assert '<option value="paramilitary" selected>' in page


def test_a_report_sent_without_its_cookie_is_shown_again_and_sent_by_a_second_press(
    intake_team,
):
    typing = Client(enforce_csrf_checks=True)
    form = typing.get("/report/")
    data = _typed_report(form, csrfmiddlewaretoken=_csrf(form))
    data["files"] = [upload("photo.png", png_bytes(), "image/png")]
    # A new identity in Tor Browser: the same page, sent from a browser with no cookie.
    renewed = Client(enforce_csrf_checks=True)
    refused = renewed.post("/report/", data)
    assert refused.status_code == 403
    page = refused.content.decode()
    assert "Your report was NOT sent" in page and "“Send the report” again" in page
    assert "Your report has not been sent yet" not in page  # said once, not twice
    assert "Attach your files again" in page
    _assert_kept(page)
    assert "no-store" in refused["Cache-Control"]
    assert "csrftoken" in refused.cookies, "a fresh CSRF cookie comes with the page"
    assert Submission.objects.count() == 0 and blobs() == []
    # Send pressed again: the page's own tokens, the text as it was kept.
    again = _typed_report(refused, csrfmiddlewaretoken=_csrf(refused))
    sent = renewed.post("/report/", again)
    assert sent.status_code == 200 and receipt_code(sent)
    assert Submission.objects.count() == 1


def test_a_report_sent_with_a_stale_token_is_shown_again(intake_team):
    client = Client(enforce_csrf_checks=True)
    form = client.get("/report/")
    other = Client(enforce_csrf_checks=True).get("/report/")
    refused = client.post("/report/", _typed_report(form, csrfmiddlewaretoken=_csrf(other)))
    assert refused.status_code == 403
    _assert_kept(refused.content.decode())
    assert "Attach your files again" not in refused.content.decode()
    sent = client.post("/report/", _typed_report(refused, csrfmiddlewaretoken=_csrf(refused)))
    assert sent.status_code == 200 and receipt_code(sent)


def test_a_report_from_another_site_is_refused_without_showing_its_text(intake_team):
    """Only a missing or stale cookie or token brings the form back: a post whose Origin is
    another site gets the refusal page, with nothing of what it carried."""
    client = Client(enforce_csrf_checks=True, headers={"origin": "https://elsewhere.example"})
    form = client.get("/report/")
    refused = client.post("/report/", _typed_report(form, csrfmiddlewaretoken=_csrf(form)))
    assert refused.status_code == 403
    page = refused.content.decode()
    assert "Nothing was sent" in page and "CANARY" not in page
    assert Submission.objects.count() == 0


def test_other_forms_keep_their_refusal_page(intake_team):
    refused = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "CANARY-7734", "password": "x"}
    )
    assert refused.status_code == 403
    page = refused.content.decode()
    assert "Nothing was sent" in page and "CANARY" not in page


def test_a_file_with_a_very_long_name_keeps_the_report(intake_team):
    """Django's parser refuses a part whose headers are over a kilobyte: a bare 400 page,
    with everything typed lost. The form comes back, nothing stored, and the report is sent
    once the file has a shorter name."""
    client = Client(enforce_csrf_checks=True)
    form = client.get("/report/")
    # The file before most of the text, as the browser sends the form: what comes after the
    # unreadable part is kept too.
    data = {"csrfmiddlewaretoken": _csrf(form), "files": [_long_named()]}
    data.update(_typed_report(form))
    refused = client.post("/report/", data)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Your report was NOT sent: the name of a file you attached is too long" in page
    assert "“Send the report” again" in page
    _assert_kept(page)
    assert Submission.objects.count() == 0 and blobs() == []
    again = _typed_report(refused, csrfmiddlewaretoken=_csrf(refused))
    again["files"] = [upload("photo.png", png_bytes(), "image/png")]
    sent = client.post("/report/", again)
    assert sent.status_code == 200 and receipt_code(sent)
    assert Submission.objects.get().files.count() == 1


def _thread(client: Client) -> tuple[str, object]:
    """A report sent and its thread opened in `client`: (code, the thread page)."""
    form = client.get("/report/")
    code = receipt_code(
        client.post("/report/", _typed_report(form, csrfmiddlewaretoken=_csrf(form)))
    )
    page = client.get("/report/follow-up/")
    opened = client.post(
        "/report/follow-up/", {"action": "open", "code": code, "csrfmiddlewaretoken": _csrf(page)}
    )
    assert opened.status_code == 302
    return code, client.get("/report/follow-up/")


def test_a_message_sent_without_the_csrf_cookie_is_shown_again_in_the_thread(intake_team):
    client = Client(enforce_csrf_checks=True)
    _code, thread = _thread(client)
    del client.cookies["csrftoken"]
    data = {
        "action": "message",
        "body": MESSAGE,
        "files": [upload("photo.png", png_bytes(), "image/png")],
        "csrfmiddlewaretoken": _csrf(thread),
    }
    refused = client.post("/report/follow-up/", data)
    assert refused.status_code == 403
    page = refused.content.decode()
    assert "Your message was NOT sent" in page and "“Send the message” again" in page
    assert "Attach your files again" in page
    assert MESSAGE + "</textarea>" in page and "Write to the team" in page
    assert "no-store" in refused["Cache-Control"]
    assert SubmissionMessage.objects.count() == 0
    sent = client.post(
        "/report/follow-up/",
        {"action": "message", "body": MESSAGE, "csrfmiddlewaretoken": _csrf(refused)},
    )
    assert sent.status_code == 302
    assert SubmissionMessage.objects.count() == 1


@pytest.mark.parametrize("lost", ["every cookie", "the session only"])
def test_a_message_from_a_session_that_ended_goes_on_with_the_code(intake_team, lost):
    """A new identity clears the follow-up session with the CSRF cookie; a long pause ends
    the session alone. Either way the message is carried through the code page and waits
    in the thread's form for Send."""
    client = Client(enforce_csrf_checks=True)
    code, thread = _thread(client)
    data = {"action": "message", "body": MESSAGE, "csrfmiddlewaretoken": _csrf(thread)}
    if lost == "every cookie":
        client = Client(enforce_csrf_checks=True)
    else:
        del client.cookies["sessionid"]
    refused = client.post("/report/follow-up/", data)
    page = refused.content.decode()
    assert "Your message was NOT sent: your follow-up session has ended" in page
    assert MESSAGE + "</textarea>" in page and 'name="code"' in page
    assert code not in page
    # A wrong code keeps it too.
    wrong = client.post(
        "/report/follow-up/",
        {
            "action": "open",
            "code": "0000-0000-0000-0000-0000",
            "body": MESSAGE,
            "csrfmiddlewaretoken": _csrf(refused),
        },
    )
    assert MESSAGE + "</textarea>" in wrong.content.decode()
    opened = client.post(
        "/report/follow-up/",
        {"action": "open", "code": code, "body": MESSAGE, "csrfmiddlewaretoken": _csrf(wrong)},
    )
    assert opened.status_code == 200
    page = opened.content.decode()
    assert "Your message is NOT sent yet" in page and MESSAGE + "</textarea>" in page
    assert "Write to the team" in page
    assert SubmissionMessage.objects.count() == 0
    sent = client.post(
        "/report/follow-up/",
        {"action": "message", "body": MESSAGE, "csrfmiddlewaretoken": _csrf(opened)},
    )
    assert sent.status_code == 302
    assert SubmissionMessage.objects.count() == 1


def test_a_code_sent_without_the_csrf_cookie_is_asked_for_again(intake_team):
    client = Client(enforce_csrf_checks=True)
    form = client.get("/report/")
    code = receipt_code(
        client.post("/report/", _typed_report(form, csrfmiddlewaretoken=_csrf(form)))
    )
    page = client.get("/report/follow-up/")
    refused = Client(enforce_csrf_checks=True).post(
        "/report/follow-up/", {"action": "open", "code": code, "csrfmiddlewaretoken": _csrf(page)}
    )
    assert refused.status_code == 403
    text = refused.content.decode()
    assert "Your code was not checked" in text and code not in text and 'name="code"' in text


def test_a_message_with_a_file_of_a_very_long_name_keeps_the_text(intake_team):
    client = Client(enforce_csrf_checks=True)
    _code, thread = _thread(client)
    refused = client.post(
        "/report/follow-up/",
        {
            "action": "message",
            "csrfmiddlewaretoken": _csrf(thread),
            "files": [_long_named()],
            "body": MESSAGE,
        },
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Your message was NOT sent: the name of a file you attached is too long" in page
    assert MESSAGE + "</textarea>" in page
    assert SubmissionMessage.objects.count() == 0


@pytest.fixture
def server_log():
    """What the settings' log handlers write (they stream to stderr), read back."""
    written = io.StringIO()
    swapped = []
    for name in ("", "django", "django.request", "django.security"):
        for handler in logging.getLogger(name).handlers:
            if type(handler) is logging.StreamHandler:
                swapped.append((handler, handler.setStream(written)))
    yield written
    for handler, stream in swapped:
        handler.setStream(stream)


def test_nothing_typed_reaches_the_log(intake_team, server_log):
    client = Client(enforce_csrf_checks=True)
    form = client.get("/report/")
    Client(enforce_csrf_checks=True).post(
        "/report/", {**_typed_report(form), "files": [_long_named()]}
    )
    client.post(
        "/report/",
        {**_typed_report(form), "files": [_long_named()], "csrfmiddlewaretoken": _csrf(form)},
    )
    _thread(client)
    del client.cookies["csrftoken"]
    client.post("/report/follow-up/", {"action": "message", "body": MESSAGE})
    log = server_log.getvalue()
    assert "Refused a form sent without a valid CSRF token." in log
    assert "CANARY" not in log and "aaaaaaaa" not in log
