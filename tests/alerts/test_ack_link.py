"""Acknowledgement links end with their alert: once it is resolved, or once its whole
ladder and a margin (AEGIS_ACK_LINK_MARGIN_HOURS, default 24 h) have passed since the
trigger. An ended link shows a clear page (410) in the recipient's language, and
acknowledges nothing; a tampered one still shows "not valid" (404)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from aegis import clock
from aegis.alerts import selectors, sending, services
from aegis.alerts.models import Acknowledgement
from aegis.alerts.vocabulary import AlertKind, AlertStatus
from aegis.vault.keychain import unlocked

from .conftest import ACK_LINK, SECOND_PHONE

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def _link(sms) -> str:
    match = ACK_LINK.search(sms.to(SECOND_PHONE)[0]["message"])
    assert match
    return f"/ack/{match.group(1)}/"


def test_a_link_works_for_the_ladder_and_the_margin_then_expires(team, smtp, sms):
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        sending.deliver_due()
        link = _link(sms)
        ladder = sum(level.deadline_minutes for level in alert.levels.all())
        assert ladder > 0
        ends = selectors.ack_link_expires_at(alert)
        assert ends == START + timedelta(minutes=ladder, hours=24)

        clock.advance(ends - START - timedelta(seconds=1))
        assert Client().get(link).status_code == 200, "still open a second before"
        clock.advance(timedelta(seconds=1))
        page = Client().get(link)
        assert page.status_code == 410
        assert "This link has expired" in page.content.decode()
        posted = Client().post(link)
        assert posted.status_code == 410
    assert not Acknowledgement.objects.exists(), "an expired link acknowledges nothing"
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_the_margin_comes_from_the_settings(team, smtp, sms, settings):
    settings.AEGIS_ACK_LINK_MARGIN_HOURS = 2
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        ladder = sum(level.deadline_minutes for level in alert.levels.all())
        assert selectors.ack_link_expires_at(alert) == START + timedelta(minutes=ladder, hours=2)


def test_a_link_of_a_resolved_alert_says_the_alert_is_closed(team, smtp, sms):
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        sending.deliver_due()
        link = _link(sms)
        clock.advance(timedelta(minutes=5))
        with unlocked(team.thandi.keychain()):
            services.resolve(alert, "She is safe at home.", actor=team.thandi.user)
        for response in (Client().get(link), Client().post(link)):
            assert response.status_code == 410
            assert "This alert has been closed by the team" in response.content.decode()
    assert not Acknowledgement.objects.exists()


def test_a_tampered_link_is_still_not_valid(team, smtp, sms):
    with clock.frozen(START):
        services.raise_alert(team.person, AlertKind.PANIC)
        sending.deliver_due()
        link = _link(sms)
        page = Client().get(link[:-3] + "xx/")
    assert page.status_code == 404
    assert "This link is not valid" in page.content.decode()


def test_a_browser_without_cookies_acknowledges_and_the_link_stays_out_of_the_log(
    team, smtp, sms, caplog
):
    """The link is the capability: no CSRF cookie is needed (Django's refusal had written the
    link to the log, and a browser that keeps no cookies could not acknowledge)."""
    import logging

    caplog.set_level(logging.DEBUG)
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        sending.deliver_due()
        link = _link(sms)
        answer = Client(enforce_csrf_checks=True).post(link)
    assert answer.status_code == 200
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert link.split("/")[2] not in caplog.text


def test_a_link_opened_again_says_when_it_was_pressed(team, smtp, sms):
    """Opened again from the message, the link had offered its button as if nothing had been
    pressed: it says when it was, in the message's language."""
    with clock.frozen(START):
        services.raise_alert(team.person, AlertKind.PANIC)
        sending.deliver_due()
        link = _link(sms)
        assert "I am responding</button>" in Client().get(link).content.decode()
        assert Client().post(link).status_code == 200
        again = Client().get(link).content.decode()
    assert "I am responding</button>" not in again
    assert "Your response is recorded." in again and "You pressed" in again
    assert Acknowledgement.objects.count() == 1


def test_a_link_to_a_staff_member_deactivated_since_acknowledges_nothing(team, smtp, sms):
    """Offboarded, they no longer act for the team: the link still in their mailbox must not
    stop the ladder in their name. It says so (410); their colleagues' links still work."""
    from aegis.accounts import lifecycle
    from aegis.alerts.delivery import ack_token

    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        sending.deliver_due()
        theirs = alert.deliveries.filter(recipient_user=team.thandi.user).first()
        assert theirs is not None
        link = f"/ack/{ack_token(theirs)}/"
        lifecycle.deactivate(team.thandi.user, actor=team.karim.user)
        for response in (Client().get(link), Client().post(link)):
            assert response.status_code == 410
            assert "sent to an account that is closed now" in response.content.decode()
        assert not Acknowledgement.objects.exists()
        alert.refresh_from_db()
        assert alert.status == AlertStatus.OPEN
        assert Client().post(_link(sms)).status_code == 200, "a contact's link still works"
    assert Acknowledgement.objects.count() == 1
