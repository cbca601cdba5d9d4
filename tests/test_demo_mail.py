"""The demo's mail catcher: a real SMTP conversation on loopback, kept as files, shown to
staff newest first with clickable links; no such page where the demo did not start one."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest
from django.test import Client

from aegis.demo_mail import caught, start_catcher
from aegis.roles import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def send(port: int, to: str, subject: str, text: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "aegis@example.org", to, subject
    message.set_content(text)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


@pytest.fixture
def catcher(tmp_path):
    controller = start_catcher(tmp_path / "demo-mail")
    yield controller, tmp_path / "demo-mail"
    controller.stop()


def test_caught_mail_is_kept_and_shown_to_staff_newest_first(catcher, settings, make_person):
    controller, folder = catcher
    send(controller.port, "first@example.org", "First", "Nothing to open.")
    send(controller.port, "second@example.org", "Second", "Open: http://127.0.0.1:8123/ack/a:b-c/")
    mails = caught(folder)
    assert [(m.to, m.subject) for m in mails] == [
        ("second@example.org", "Second"),
        ("first@example.org", "First"),
    ]
    assert oct(next(folder.iterdir()).stat().st_mode & 0o777) == "0o600"

    settings.AEGIS_DEMO_MAIL_DIR = str(folder)
    staff = sign_in(Client(), make_person(Role.RESPONDER))
    assert 'href="/demo-mail/"' in staff.get("/").content.decode()  # in the menu
    page = staff.get("/demo-mail/").content.decode()
    assert page.index("Second") < page.index("First")
    assert '<a href="http://127.0.0.1:8123/ack/a:b-c/"' in page
    assert "second@example.org" in page


def test_without_the_demo_there_is_no_mail_page(settings, make_person):
    settings.AEGIS_DEMO_MAIL_DIR = ""
    staff = sign_in(Client(), make_person(Role.ADMIN))
    assert staff.get("/demo-mail/").status_code == 404
    assert "/demo-mail/" not in staff.get("/").content.decode()
