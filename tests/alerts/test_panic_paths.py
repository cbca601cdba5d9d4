"""The defender's "Ask for help" page tells the ways to raise an alert that need no sign-in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_the_help_page_tells_the_ways_that_need_no_sign_in(team, settings):
    settings.AEGIS_SMS_PANIC_KEYWORD = "AUXILIO"
    settings.AEGIS_SMS_WEBHOOK_SECRET = ""
    client = sign_in(Client(), team.rosa)
    without_sms = client.get(reverse("alerts:panic")).content.decode()
    assert "When you cannot sign in" in without_sms
    assert "a missed check-in alerts your support team by itself" in without_sms
    assert "AUXILIO" not in without_sms  # no promise the gateway cannot keep
    settings.AEGIS_SMS_WEBHOOK_SECRET = "gateway secret"
    with_sms = client.get(reverse("alerts:panic")).content.decode()
    assert "Send a text message with only the word <strong>AUXILIO</strong>" in with_sms
    # The duress word is told in person only, never on a page someone may be made to show.
    assert "duress" not in with_sms.lower()
