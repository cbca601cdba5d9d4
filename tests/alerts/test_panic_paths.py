"""The defender's "Ask for help" page tells the ways to raise an alert that need no sign-in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from aegis.vault import service_keys
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked
from tests.conftest import api_client, sign_in

pytestmark = pytest.mark.django_db


def test_the_help_page_tells_the_ways_that_need_no_sign_in(team, settings, organisation):
    settings.AEGIS_SMS_PANIC_KEYWORD = "AUXILIO"
    settings.AEGIS_SMS_WEBHOOK_SECRET = ""
    client = sign_in(Client(), team.rosa)
    without_sms = client.get(reverse("alerts:panic")).content.decode()
    assert "When you cannot sign in" in without_sms
    assert "a missed check-in alerts your support team by itself" in without_sms
    assert "AUXILIO" not in without_sms  # no promise the gateway cannot keep
    settings.AEGIS_SMS_WEBHOOK_SECRET = "gateway secret"  # too short: the webhook is closed
    assert "AUXILIO" not in client.get(reverse("alerts:panic")).content.decode()
    settings.AEGIS_SMS_WEBHOOK_SECRET = "a gateway secret of 32 characters"
    # Nor until the alert service holds the search key: it could not tell who texted.
    assert "AUXILIO" not in client.get(reverse("alerts:panic")).content.decode()
    keypair = service_keys.service_keypair()
    assert keypair is not None
    with unlocked(vault.recovery_keychain(organisation)):
        vault.grant(vault.index_key_id(), keypair)  # the key ceremony
    with_sms = client.get(reverse("alerts:panic")).content.decode()
    assert "Send a text message with only the word <strong>AUXILIO</strong>" in with_sms
    # The duress word is told in person only, never on a page someone may be made to show.
    assert "duress" not in with_sms.lower()


def test_pressing_panic_again_while_the_alert_is_open_sends_nothing_more(team):
    """Pressed again (on the page or through the API) while the person's panic alert is open
    and under 15 minutes old, the button gives that alert: its ladder is already reaching
    people, and a button pressed over and over had sent every contact a message per press.
    A resolved alert is never reused, and a press 15 minutes on is a new alert."""
    import datetime

    from aegis import clock
    from aegis.alerts import services
    from aegis.alerts.models import Alert, Delivery

    start = datetime.datetime(2026, 5, 4, 10, tzinfo=datetime.UTC)
    page, api = sign_in(Client(), team.rosa), api_client(team.rosa)
    with clock.frozen(start):
        page.post(reverse("alerts:panic"))
    [first] = Alert.objects.all()
    sent = Delivery.objects.count()
    with clock.frozen(start + datetime.timedelta(minutes=14)):
        page.post(reverse("alerts:panic"))
        assert api.post("/api/v1/alerts/panic").status_code == 201
    assert list(Alert.objects.all()) == [first] and Delivery.objects.count() == sent
    with clock.frozen(start + datetime.timedelta(minutes=16)):
        page.post(reverse("alerts:panic"))
    assert Alert.objects.count() == 2
    with clock.frozen(start + datetime.timedelta(minutes=17)):
        with unlocked(team.thandi.keychain()):
            for alert in Alert.objects.all():
                services.resolve(alert, "Safe.", actor=team.thandi.user)
        page.post(reverse("alerts:panic"))
    assert Alert.objects.count() == 3
    # Acknowledged (the ladder stopped), a press 5 minutes on alerts again: things may have
    # got worse, or whoever acknowledged may not be who they seem.
    with clock.frozen(start + datetime.timedelta(minutes=20)):
        third = Alert.objects.order_by("pk").last()
        services.acknowledge(Delivery.objects.filter(alert=third).order_by("pk").first().pk)
        page.post(reverse("alerts:panic"))
    assert Alert.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_presses_the_worker_raises_are_one_alert(team, monkeypatch):
    """Where this process cannot raise the alert (no service key: the worker raises it), the
    presses queued meanwhile are one alert too, not one per press."""
    from django.core.management import call_command

    from aegis.alerts.models import Alert
    from aegis.vault import service_keys

    unlock = service_keys.supplied_unlock()
    assert unlock is not None
    monkeypatch.delenv("AEGIS_ALERT_SERVICE_UNLOCK")
    service_keys.forget()  # this process was given no unlock secret
    page, api = sign_in(Client(), team.rosa), api_client(team.rosa)
    for _ in range(3):
        page.post(reverse("alerts:panic"))
        assert api.post("/api/v1/alerts/panic").status_code == 201
    assert not Alert.objects.exists()
    monkeypatch.setenv("AEGIS_ALERT_SERVICE_UNLOCK", unlock.secret)
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0.1")
    [alert] = Alert.objects.all()
    assert alert.kind == "panic" and alert.person_id == team.person.pk


def test_a_press_that_cannot_look_for_the_open_alert_still_raises_one(team, monkeypatch):
    """Where the look for an open alert fails (a locked database), the press is raised or
    deferred as any other, never refused: the SMS gateway had got an error."""
    from django.db import OperationalError

    from aegis.alerts import services
    from aegis.alerts.models import Alert

    def locked(person):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "_open_panic", locked)
    services.raise_panic(team.person, actor_id=None)
    assert Alert.objects.filter(kind="panic", person=team.person).count() == 1
