"""A panic through a real SMTP server and a loopback SMS gateway, followed to
acknowledgement or escalation on a controlled clock (no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from aegis import clock
from aegis.alerts import sending, services
from aegis.alerts.models import Alert, Delivery
from aegis.alerts.vocabulary import AlertKind, AlertStatus, DeliveryState
from tests.conftest import sign_in

from .conftest import ACK_LINK, CONTACT_EMAIL, CONTACT_PHONE, SECOND_PHONE

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
NEUTRAL = "Aegis: someone you support needs you. Open: "


def _path(text: str) -> str:
    match = ACK_LINK.search(text)
    assert match, text
    return f"/ack/{match.group(1)}/"


def test_panic_reaches_every_first_level_recipient(team, smtp, sms):
    client = sign_in(Client(), team.rosa)
    with clock.frozen(START):
        response = client.post(reverse("alerts:panic"), follow=True)
        assert response.status_code == 200
        assert "Your request has been received." in response.content.decode()
        # Its address says nothing of the press, and the neutral page is shown once.
        assert response.redirect_chain == [(reverse("alerts:panic"), 302)]
        again = client.get(reverse("alerts:panic")).content.decode()
        assert "Your request has been received." not in again
        assert sending.deliver_due() == 3

    assert sorted(a for m in smtp.received for a in m.to) == sorted(
        ["thandi@example.org", CONTACT_EMAIL]
    )
    assert [m["to"] for m in sms.received] == [SECOND_PHONE]
    assert not smtp.to("karim@example.org"), "level 2 is not reached before its deadline"
    texts = [m.text for m in smtp.received] + [m["message"] for m in sms.received]
    for text in texts:
        assert text.startswith(NEUTRAL), text
        assert "[DRILL]" not in text
        for secret in (team.person.pseudonym, "Legal Name", "Achieng", "Peter"):
            assert secret not in text
    # Each recipient gets their own link.
    assert len({_path(t) for t in texts}) == 3
    alert = Alert.objects.get()
    assert alert.kind == AlertKind.PANIC and alert.triggered_at == START
    assert set(alert.deliveries.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_one_acknowledgement_stops_the_ladder(team, smtp, sms):
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC, actor_id=team.rosa.user.pk)
        sending.deliver_due()
        link = _path(sms.to(SECOND_PHONE)[0]["message"])
        anonymous = Client()
        page = anonymous.get(link)
        assert page.status_code == 200 and "I am responding" in page.content.decode()
        alert.refresh_from_db()
        assert alert.status == AlertStatus.OPEN, "opening the link (a scanner) acknowledges nothing"
        clock.advance(timedelta(minutes=4))
        done = anonymous.post(link)
        assert done.status_code == 200 and "Your response is recorded" in done.content.decode()
        alert.refresh_from_db()
        assert alert.status == AlertStatus.ACKNOWLEDGED
        assert alert.acknowledged_at == START + timedelta(minutes=4)
        acked = alert.deliveries.get(state=DeliveryState.ACKNOWLEDGED)
        assert acked.contact_index == 2 and acked.acked_at == alert.acknowledged_at

        clock.advance(timedelta(minutes=30))
        assert services.escalate_due() == 0
        sending.deliver_due()
    alert.refresh_from_db()
    assert alert.level == 1
    assert not smtp.to("karim@example.org")
    assert not alert.deliveries.filter(level=2).exists()

    console = sign_in(Client(), team.thandi).get(reverse("alerts:console"))
    body = console.content.decode()
    assert f"#{alert.pk}" in body and "emergency contact 2" in body


def test_nobody_acknowledges_and_level_two_is_reached_on_time(team, smtp, sms):
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        sending.deliver_due()
        clock.advance(timedelta(minutes=9, seconds=59))
        assert services.escalate_due() == 0
        clock.advance(timedelta(seconds=1))
        assert services.escalate_due() == 1
        assert sending.deliver_due() == 1
        # Level 2 has its own deadline; there is no level 3 to move to.
        clock.advance(timedelta(minutes=60))
        assert services.escalate_due() == 0
    alert.refresh_from_db()
    assert alert.level == 2 and alert.status == AlertStatus.OPEN
    level_two = alert.levels.get(number=2)
    assert level_two.reached_at == START + timedelta(minutes=10)
    [mail] = smtp.to("karim@example.org")
    assert mail.text.startswith(NEUTRAL)
    assert len(smtp.received) == 3, "level 1 was not sent a second time"


def test_smtp_down_retries_with_backoff_then_falls_back_to_sms(team, smtp, sms, settings):
    settings.AEGIS_SMTP_PORT = 1  # nothing listens there
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        assert sending.deliver_due() == 1  # only the phone-only contact's SMS
        email_rows = alert.deliveries.filter(channel="email")
        assert {(d.state, d.attempts) for d in email_rows} == {(DeliveryState.QUEUED, 1)}
        assert {d.next_attempt_at for d in email_rows} == {START + timedelta(seconds=30)}

        clock.advance(timedelta(seconds=29))
        assert sending.deliver_due() == 0
        assert set(email_rows.values_list("attempts", flat=True)) == {1}, "not due yet"
        clock.advance(timedelta(seconds=1))
        sending.deliver_due()
        assert {d.next_attempt_at for d in email_rows.all()} == {START + timedelta(seconds=30 + 60)}
        clock.advance(timedelta(seconds=60))
        assert sending.deliver_due() == 1  # the contact's fallback SMS
    assert {(d.state, d.attempts, d.last_error) for d in email_rows.all()} == {
        (DeliveryState.FAILED, 3, "channel_refused")
    }
    fallback = alert.deliveries.get(channel="sms", contact_index=1)
    assert fallback.state == DeliveryState.SENT
    assert sms.to(CONTACT_PHONE)[0]["message"].startswith(NEUTRAL)
    assert not smtp.received
    # The responder has no second channel: their delivery stays failed, visibly. The
    # contact the fallback SMS reached is not counted as unreached.
    responder = sign_in(Client(), team.thandi)
    console = responder.get(reverse("alerts:console")).content.decode()
    assert '<span class="error">1</span>' in console
    detail = responder.get(reverse("alerts:detail", kwargs={"alert_id": alert.pk}))
    assert detail.content.decode().count("The channel refused or could not be reached") == 2


def test_every_drill_message_carries_the_drill_marking(team, smtp, sms):
    caseworker = sign_in(Client(), team.lucia)
    with clock.frozen(START):
        url = reverse("alerts:manual", kwargs={"person_id": team.person.pk})
        response = caseworker.post(url, {"is_drill": "on", "confirmed": "on"}, follow=True)
        assert response.status_code == 200
        assert "A drill alert was raised." in response.content.decode()
        sending.deliver_due()
        clock.advance(timedelta(minutes=10))
        services.escalate_due()
        sending.deliver_due()
    alert = Alert.objects.get()
    assert alert.is_drill and alert.kind == AlertKind.MANUAL and alert.level == 2
    assert len(smtp.received) == 3 and len(sms.received) == 1
    for mail in smtp.received:
        assert mail.subject.startswith("[DRILL]") and mail.text.startswith("[DRILL] ")
    for message in sms.received:
        assert message["title"].startswith("[DRILL]")
        assert message["message"].startswith("[DRILL] ")
    page = Client().get(_path(sms.received[0]["message"]))
    assert "[DRILL]" in page.content.decode()


def test_a_sent_delivery_is_never_sent_again(team, smtp, sms):
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        sending.deliver_due()
        sent = list(alert.deliveries.values_list("pk", flat=True))
        for pk in sent:
            assert sending.deliver_one(pk) == ""
    assert len(smtp.received) == 2 and len(sms.received) == 1
    assert Delivery.objects.filter(alert=alert).count() == 3
