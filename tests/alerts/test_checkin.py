"""The defender's check-in page, and the missed check-in (dead man's switch with a grace
period and quiet hours) on a controlled clock, delivered through a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from aegis import clock
from aegis.alerts import checkins, sending
from aegis.alerts.models import Alert, CheckIn
from aegis.alerts.vocabulary import AlertKind
from aegis.roles import Role
from aegis.safety import selectors as safety_selectors
from aegis.safety import services as safety
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

from .conftest import CONTACT_EMAIL, SECOND_PHONE

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def replan(team, **changes):
    """A new version of the defender's plan: the same contacts, with `changes`."""
    with unlocked(team.lucia.keychain()):
        draft = safety_selectors.draft_of(safety_selectors.current_version(team.person))
        for name, value in changes.items():
            setattr(draft, name, value)
        return safety.save_plan(team.person, draft, actor_id=team.lucia.user.pk)


def page(client: Client) -> str:
    response = client.get(reverse("alerts:checkin"))
    assert response.status_code == 200
    return response.content.decode()


# --- The page -----------------------------------------------------------------------------


def test_a_check_in_is_recorded_and_shows_the_next_due_time(team):
    with clock.frozen(START):
        replan(team, checkin_interval_hours=24, checkin_grace_minutes=90)
    client = sign_in(Client(), team.rosa)
    with clock.frozen(START + timedelta(hours=2)):
        before = page(client)
        assert "You have not checked in yet." in before
        assert "3 Mar 2026, 03:00" in before  # due a day after the plan asked for check-ins
        response = client.post(reverse("alerts:checkin"), {"word": ""})
        assert response.status_code == 302 and response["Location"] == reverse("alerts:checkin")
        after = page(client)
    [checkin] = CheckIn.objects.all()
    assert checkin.person == team.person and checkin.checked_in_at == START + timedelta(hours=2)
    assert "Thank you. Your check-in is recorded." in after
    assert "2 Mar 2026, 05:00" in after  # the last check-in
    assert "3 Mar 2026, 05:00" in after  # the next one is due a day later
    assert "90 minutes after it is due (3 Mar 2026, 06:30 UTC)" in after
    assert not Alert.objects.exists()


def test_the_page_works_without_a_schedule_or_a_plan(team, make_person, make_compartment):
    client = sign_in(Client(), team.rosa)
    text = page(client)
    assert "does not ask for regular check-ins" in text
    assert 'name="word"' in text
    assert client.post(reverse("alerts:checkin"), {"word": "hello"}).status_code == 302
    assert client.post(reverse("alerts:checkin")).status_code == 302  # the field is optional
    assert CheckIn.objects.filter(person=team.person).count() == 2

    # A defender whose file has no plan yet may check in all the same.
    tomas = make_person(Role.DEFENDER)
    from aegis.cases import services as cases

    with unlocked(team.lucia.keychain()):
        other = cases.create_person(team.compartment, actor_id=team.lucia.user.pk, pseudonym="T")
    other.account = tomas.user
    other.save(update_fields=["account"])
    client = sign_in(Client(), tomas)
    assert "do not have a safety plan yet" in page(client)
    assert client.post(reverse("alerts:checkin"), {"word": ""}).status_code == 302
    assert CheckIn.objects.filter(person=other).count() == 1


def test_an_unlinked_defender_is_told_why_and_cannot_check_in(make_person):
    client = sign_in(Client(), make_person(Role.DEFENDER))
    assert "not linked to a defender's file" in page(client)
    assert 'name="word"' not in page(client)
    assert client.post(reverse("alerts:checkin"), {"word": ""}).status_code == 404
    assert not CheckIn.objects.exists()


def test_a_word_too_long_is_refused_in_plain_words_and_nothing_is_written(team):
    client = sign_in(Client(), team.rosa)
    response = client.post(reverse("alerts:checkin"), {"word": "x" * 201})
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_nobody_else_checks_in_for_a_defender(team, make_person):
    url = reverse("alerts:checkin")
    for staff in (team.lucia, team.thandi, team.karim):
        client = sign_in(Client(), staff)
        assert client.get(url).status_code == 403
        assert client.post(url, {"word": ""}).status_code == 403
    assert Client().post(url, {"word": ""}).status_code == 302  # to the sign-in page
    # Another defender's check-in is recorded on their own file, never on Rosa's.
    other = sign_in(Client(), make_person(Role.DEFENDER))
    assert other.post(url, {"word": ""}).status_code == 404
    assert not CheckIn.objects.exists()


# --- Missed check-ins ---------------------------------------------------------------------


def test_a_missed_check_in_alerts_after_the_grace_period_once(team, smtp, sms):
    with clock.frozen(START):
        replan(team, checkin_interval_hours=24, checkin_grace_minutes=60)
        clock.advance(timedelta(hours=25))  # due + grace, to the second: not yet
        assert checkins.raise_missed_checkins() == 0
        clock.advance(timedelta(seconds=1))
        assert checkins.raise_missed_checkins() == 1
        assert checkins.raise_missed_checkins() == 0  # a second pass raises nothing
        clock.advance(timedelta(hours=3))
        assert checkins.raise_missed_checkins() == 0  # nor a later one
        assert sending.deliver_due() == 3
    alert = Alert.objects.get()
    assert alert.kind == AlertKind.MISSED_CHECKIN and alert.person == team.person
    assert alert.trigger_key == f"missed:{team.person.pk}:20260303T0300"
    assert alert.triggered_by is None
    assert sorted(a for m in smtp.received for a in m.to) == sorted(
        ["thandi@example.org", CONTACT_EMAIL]
    )
    assert [m["to"] for m in sms.received] == [SECOND_PHONE]


def test_a_plan_saved_for_another_reason_does_not_put_off_a_check_in_due(team, smtp, sms):
    """A caseworker correcting a contact's phone within the grace period had restarted the
    clock: the missed check-in came a whole interval later. Only a new schedule restarts it."""
    with clock.frozen(START):
        replan(team, checkin_interval_hours=24, checkin_grace_minutes=60)
        clock.advance(timedelta(hours=24, minutes=30))  # due, within the grace period
        replan(team, safe_places="Parish hall")
        assert checkins.status(team.person).due == START + timedelta(hours=24)
        clock.advance(timedelta(minutes=31))
        assert checkins.raise_missed_checkins() == 1
        replan(team, checkin_interval_hours=12)  # a new schedule: counted from now
        assert checkins.status(team.person).due == clock.now() + timedelta(hours=12)
    assert Alert.objects.get().trigger_key == f"missed:{team.person.pk}:20260303T0300"


def test_a_check_in_resets_the_switch(team):
    client = sign_in(Client(), team.rosa)
    with clock.frozen(START):
        replan(team, checkin_interval_hours=24, checkin_grace_minutes=60)
        clock.advance(timedelta(hours=20))
        assert client.post(reverse("alerts:checkin"), {"word": ""}).status_code == 302
        clock.advance(timedelta(hours=6))  # the first due time and its grace are past
        assert checkins.raise_missed_checkins() == 0
        clock.advance(timedelta(hours=19))  # 25 h after the check-in, to the second
        assert checkins.raise_missed_checkins() == 0
        clock.advance(timedelta(minutes=1))
        assert checkins.raise_missed_checkins() == 1
    assert Alert.objects.get().trigger_key == f"missed:{team.person.pk}:20260303T2300"


@pytest.mark.parametrize(
    ("zone", "raised_at"),
    [
        # Quiet 22:00-06:00 in Nairobi (UTC+3): the deadline at 19:30 UTC is 22:30 there,
        # so the alert waits for 06:00 Nairobi time (03:00 UTC).
        ("Africa/Nairobi", datetime(2026, 3, 3, 3, 0, tzinfo=UTC)),
        # The same plan read in UTC: 19:30 is outside the quiet hours.
        ("UTC", datetime(2026, 3, 2, 19, 31, tzinfo=UTC)),
    ],
)
def test_quiet_hours_postpone_the_alert_to_their_end(team, settings, zone, raised_at):
    settings.TIME_ZONE = zone
    with clock.frozen(START):
        replan(
            team,
            checkin_interval_hours=16,
            checkin_grace_minutes=30,
            quiet_from=time(22, 0),
            quiet_until=time(6, 0),
        )
    deadline = datetime(2026, 3, 2, 19, 30, tzinfo=UTC)
    # Every half hour after the deadline until the alert may go, and the minute before.
    passes = [deadline + timedelta(minutes=1 + 30 * n) for n in range(16)]
    passes = [at for at in passes if at < raised_at] + [raised_at - timedelta(minutes=1)]
    for at in passes:
        with clock.frozen(at):
            assert checkins.raise_missed_checkins() == 0, at
    with clock.frozen(raised_at):
        assert checkins.raise_missed_checkins() == 1
    alert = Alert.objects.get()
    assert alert.triggered_at == raised_at
    assert alert.trigger_key == f"missed:{team.person.pk}:20260302T1900"


def test_plans_without_a_schedule_never_raise(team):
    with clock.frozen(START):
        replan(team, checkin_interval_hours=None)
        clock.advance(timedelta(days=30))
        assert checkins.raise_missed_checkins() == 0
    assert not Alert.objects.exists()


def test_only_the_current_version_counts(team):
    with clock.frozen(START):
        replan(team, checkin_interval_hours=1, checkin_grace_minutes=0)
        clock.advance(timedelta(minutes=30))
        replan(team, checkin_interval_hours=48)  # the new version asks less often
        clock.advance(timedelta(hours=2))
        assert checkins.raise_missed_checkins() == 0
    assert not Alert.objects.exists()
