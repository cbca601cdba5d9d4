"""The demo's mail catcher and its SMS and Signal stand-in: a real SMTP conversation and
real HTTP requests on loopback, kept as files, shown to staff newest first with clickable
links; no such page where the demo did not start one."""

from __future__ import annotations

import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage

import pytest
from django.test import Client

from aegis.alerts import channels
from aegis.alerts.models import Delivery
from aegis.demo_gateway import SIGNAL_FROM, caught_texts, start_gateway
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
    staff = sign_in(Client(), make_person(Role.CASEWORKER))
    assert 'href="/demo-mail/"' in staff.get("/").content.decode()  # in the menu
    page = staff.get("/demo-mail/").content.decode()
    assert page.index("Second") < page.index("First")
    assert '<a href="http://127.0.0.1:8123/ack/a:b-c/"' in page
    assert "second@example.org" in page
    # The contacts are the safety plan's: not for the responder nor the administrator.
    for role in (Role.RESPONDER, Role.ADMIN):
        other = sign_in(Client(), make_person(role))
        assert other.get("/demo-mail/").status_code == 403
        assert 'href="/demo-mail/"' not in other.get("/").content.decode()


def test_without_the_demo_there_is_no_mail_page(settings, make_person):
    settings.AEGIS_DEMO_MAIL_DIR = ""
    staff = sign_in(Client(), make_person(Role.CASEWORKER))
    assert staff.get("/demo-mail/").status_code == 404
    assert "/demo-mail/" not in staff.get("/").content.decode()


@pytest.fixture
def gateway(tmp_path, settings):
    """The demo's SMS and Signal stand-in, with the channels pointed at it as `aegis demo`
    points them."""
    stand_in = start_gateway(tmp_path / "demo-texts")
    settings.AEGIS_SMS_GATEWAY_URL = stand_in.sms_url
    settings.AEGIS_SIGNAL_REST_URL = stand_in.signal_url
    settings.AEGIS_SIGNAL_FROM = SIGNAL_FROM
    yield stand_in, tmp_path / "demo-texts"
    stand_in.stop()


def test_sms_and_signal_reach_the_stand_in_and_are_shown_to_staff(gateway, settings, make_person):
    _stand_in, folder = gateway
    # Through the real channels (apprise's JSON to the SMS gateway, the signal-cli REST call).
    delivery = Delivery(pk=7, address="+57 310 555 0142")
    sms = channels.get("sms").send(delivery, "ALERT", "Open: http://127.0.0.1:8123/ack/s:m-s/")
    assert sms is None  # taken
    delivery.address = "+573105550143"
    assert (
        channels.get("signal").send(delivery, "ALERT", "Open: http://127.0.0.1:8123/ack/x/") is None
    )
    texts = caught_texts(folder)
    assert [(t.channel, t.to) for t in texts] == [
        ("signal", "+573105550143"),
        ("sms", "+57 310 555 0142"),
    ]
    assert "http://127.0.0.1:8123/ack/s:m-s/" in texts[1].text
    assert texts[0].sender == SIGNAL_FROM
    assert oct(next(folder.iterdir()).stat().st_mode & 0o777) == "0o600"

    settings.AEGIS_DEMO_MAIL_DIR = str(folder.parent / "demo-mail")
    settings.AEGIS_DEMO_TEXT_DIR = str(folder)
    staff = sign_in(Client(), make_person(Role.COORDINATOR))
    page = staff.get("/demo-mail/").content.decode()
    assert "Text messages (SMS and Signal)" in page
    assert page.index("+573105550143") < page.index("+57 310 555 0142")  # newest first
    assert '<a href="http://127.0.0.1:8123/ack/s:m-s/"' in page


def test_the_stand_in_refuses_what_is_no_message(gateway):
    stand_in, folder = gateway
    for body in (b"not json", b"[]", b'{"title": "no recipient"}'):
        request = urllib.request.Request(stand_in.sms_url, data=body, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 400
    assert caught_texts(folder) == []
