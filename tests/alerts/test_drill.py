"""Drills, end to end with a real SMTP server and the loopback SMS gateway: a drill climbs
its whole ladder on a controlled clock, every message it sends carries the drill marking,
and it ends with a report of times to acknowledgement per level and per person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from aegis import clock
from aegis.alerts import selectors, sending, services
from aegis.alerts.models import Alert
from aegis.alerts.vocabulary import AlertKind, Channel
from aegis.roles import Role
from tests.conftest import api_client, comparable, sign_in

from .conftest import ACK_LINK, CONTACT_EMAIL, CONTACT_PHONE, SECOND_PHONE
from .standins import Step, case_policy, partner

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
DESK_PHONE = "+254733000111"
DESK = "Nairobi Lawyers Network"


def _three_levels(team: Any) -> None:
    """Responders and contacts (10 min), then coordinators (20 min), then a partner
    organisation reached by SMS (30 min)."""
    desk = partner(DESK, Channel.SMS, DESK_PHONE)
    case_policy(
        team.person,
        Step(10, "responders,contacts"),
        Step(20, "coordinators"),
        Step(30, "partners", channels="sms", partners=(desk,)),
    )


def _ack_path(text: str) -> str:
    match = ACK_LINK.search(text)
    assert match, text
    return f"/ack/{match.group(1)}/"


def _acknowledge(text: str) -> None:
    response = Client().post(_ack_path(text))
    assert response.status_code == 200 and "[DRILL]" in response.content.decode()


def _every_message_is_marked(smtp: Any, sms: Any) -> int:
    for mail in smtp.received:
        assert mail.subject.startswith("[DRILL] "), mail.subject
        assert mail.text.startswith("[DRILL] "), mail.text
    for message in sms.received:
        assert message["title"].startswith("[DRILL] "), message
        assert message["message"].startswith("[DRILL] "), message
    return len(smtp.received) + len(sms.received)


def _by_label(level: selectors.ReportLevel) -> dict[str, timedelta | None]:
    return {r.label: r.after for r in level.recipients}


def test_a_drill_runs_its_ladder_and_produces_its_report(team, smtp, sms):
    """The acceptance test: nobody answers until the last level is reached; then a contact
    of level 1 and the partner of level 3 answer, each timed from their own level."""
    _three_levels(team)
    thandi, karim = team.thandi.user.username, team.karim.user.username
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.MANUAL, is_drill=True)
        assert sending.deliver_due() == 3
        clock.advance(timedelta(minutes=10))
        assert services.escalate_due() == 1
        assert sending.deliver_due() == 1
        clock.advance(timedelta(minutes=19, seconds=59))
        assert services.escalate_due() == 0, "level 2 keeps its own 20 minutes"
        clock.advance(timedelta(seconds=1))
        assert services.escalate_due() == 1
        assert sending.deliver_due() == 1
        clock.advance(timedelta(minutes=1))
        _acknowledge(sms.to(SECOND_PHONE)[0]["message"])  # at 31 min from the trigger
        clock.advance(timedelta(minutes=2, seconds=15))
        _acknowledge(sms.to(DESK_PHONE)[0]["message"])  # 3 min 15 s after level 3
        clock.advance(timedelta(minutes=60))
        assert services.escalate_due() == 0, "there is no level 4"
        sending.deliver_due()

        assert _every_message_is_marked(smtp, sms) == 5
        assert sorted(a for m in smtp.received for a in m.to) == sorted(
            ["thandi@example.org", CONTACT_EMAIL, "karim@example.org"]
        )
        assert [m["to"] for m in sms.received] == [SECOND_PHONE, DESK_PHONE]
        assert not sms.to(CONTACT_PHONE), "the first contact's email went through"

        alert = Alert.objects.get(pk=alert.pk)
        assert alert.is_drill and alert.level == 3
        report = selectors.drill_report(alert)
        assert report.next_deadline is None, "the ladder has run to its end"
    assert [(lv.number, lv.reached_at) for lv in report.levels] == [
        (1, START),
        (2, START + timedelta(minutes=10)),
        (3, START + timedelta(minutes=30)),
    ]
    one, two, three = report.levels
    assert _by_label(one) == {
        thandi: None,
        "Emergency contact 1": None,
        "Emergency contact 2": timedelta(minutes=31),
    }
    assert _by_label(two) == {karim: None}
    assert _by_label(three) == {DESK: timedelta(minutes=3, seconds=15)}
    assert (report.recipients, report.acknowledged) == (5, 2)
    assert [[d.channel for d in r.deliveries] for r in one.recipients] == [
        ["email"],
        ["email"],
        ["sms"],
    ]

    responder = sign_in(Client(), team.thandi)
    page = responder.get(reverse("alerts:drill_report", kwargs={"alert_id": alert.pk}))
    assert page.status_code == 200
    body = page.content.decode()
    for text in ("[DRILL]", "Level 1", "Level 2", "Level 3", thandi, karim, DESK):
        assert text in body
    assert "Emergency contact 1" in body and "Emergency contact 2" in body
    assert "31 min 0 s" in body and "3 min 15 s" in body
    assert body.count("no acknowledgement") == 3
    assert "The drill has run its ladder to the end." in body
    for secret in ("Achieng", "Peter", CONTACT_EMAIL, SECOND_PHONE, DESK_PHONE):
        assert secret not in body, "contacts by rank, never by name or address"

    [row] = api_client(team.thandi).get("/api/v1/alerts/history").json()["items"]
    assert row["is_drill"] and row["seconds_to_first_acknowledgement"] == 31 * 60
    console = responder.get(reverse("alerts:console")).content.decode()
    assert f'#{alert.pk}</a> <span class="drill">DRILL</span>' in console


def test_acknowledgements_do_not_stop_a_drill(team, smtp, sms):
    """A real alert stops at its first acknowledgement; a drill records each one and climbs
    on, so its report covers every level (services.acknowledge and escalate)."""
    _three_levels(team)
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.MANUAL, is_drill=True)
        sending.deliver_due()
        clock.advance(timedelta(minutes=4))
        _acknowledge(sms.to(SECOND_PHONE)[0]["message"])
        clock.advance(timedelta(minutes=6))
        assert services.escalate_due() == 1, "a drill runs the whole ladder"
        sending.deliver_due()
        clock.advance(timedelta(minutes=2))
        _acknowledge(smtp.to("karim@example.org")[0].text)
        clock.advance(timedelta(minutes=18))
        assert services.escalate_due() == 1
        sending.deliver_due()
        clock.advance(timedelta(minutes=30))
        assert services.escalate_due() == 0
        report = selectors.drill_report(Alert.objects.get(pk=alert.pk))
    assert _every_message_is_marked(smtp, sms) == 5
    one, two, three = report.levels
    assert one.first_after == timedelta(minutes=4)
    assert _by_label(two) == {team.karim.user.username: timedelta(minutes=2)}
    assert _by_label(three) == {DESK: None}
    assert report.next_deadline is None


def test_a_running_drill_says_when_its_current_level_ends(team, smtp, sms):
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.MANUAL, is_drill=True)
        sending.deliver_due()
        page = sign_in(Client(), team.karim).get(
            reverse("alerts:drill_report", kwargs={"alert_id": alert.pk})
        )
    body = page.content.decode()
    assert "The drill is still running: it is at level 1" in body
    assert "2 Mar 2026, 03:10" in body
    assert "Not reached." in body, "level 2 of the built-in ladder"
    assert "Emergency contact 1" in body and "Achieng" not in body


def test_an_acknowledgement_on_the_alerts_page_is_in_the_report(team, smtp, sms):
    """A coordinator with no message at the level reached acknowledges on the alert's page:
    the report had said "0 acknowledged" and named nobody."""
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.MANUAL, is_drill=True)
        sending.deliver_due()
        clock.advance(timedelta(minutes=3))
        assert not alert.deliveries.filter(recipient_user=team.karim.user).exists()
        services.acknowledge_as(alert, team.karim.user)
        report = selectors.drill_report(Alert.objects.get(pk=alert.pk))
        page = sign_in(Client(), team.karim).get(
            reverse("alerts:drill_report", kwargs={"alert_id": alert.pk})
        )
    assert report.on_page == [(team.karim.user.username, timedelta(minutes=3))]
    body = page.content.decode()
    assert "Acknowledged on the alert's page" in body
    assert "3 min 0 s after the drill was raised" in body


def test_the_report_is_for_drills_in_reach_only(team, make_person):
    drill = services.raise_alert(team.person, AlertKind.MANUAL, is_drill=True)
    real = services.raise_alert(team.person, AlertKind.PANIC)

    def url(alert_id: int) -> str:
        return reverse("alerts:drill_report", kwargs={"alert_id": alert_id})

    member = sign_in(Client(), team.thandi)
    assert member.get(url(drill.pk)).status_code == 200
    assert member.get(url(real.pk)).status_code == 404, "a real alert has no drill report"
    outsider = sign_in(Client(), team.ola)
    missing = url(drill.pk + 1000)
    assert comparable(outsider.get(url(drill.pk)), url(drill.pk)) == comparable(
        outsider.get(missing), missing
    )
    assert outsider.get(url(drill.pk)).status_code == 404
    for role in (Role.CASEWORKER, Role.ANALYST, Role.DEFENDER):
        assert sign_in(Client(), make_person(role)).get(url(drill.pk)).status_code == 403
