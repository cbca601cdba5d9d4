"""The alert's page for staff: a manual alert asks first and says whether it is a drill;
the caseworker who raised it lands on its page; responders and coordinators acknowledge and
write notes there, notes sealed under the alert's key."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from aegis.accounts import channels
from aegis.alerts import services
from aegis.alerts.models import Acknowledgement, Alert, AlertNote
from aegis.alerts.vocabulary import AlertKind, AlertStatus
from aegis.rules import RuleError
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in
from tests.seizure import find

pytestmark = pytest.mark.django_db(transaction=True)


def _manual(team):
    return reverse("alerts:manual", kwargs={"person_id": team.person.pk})


def test_a_manual_alert_asks_first_then_lands_on_its_page(team):
    caseworker = sign_in(Client(), team.lucia)
    asked = caseworker.post(_manual(team))
    page = asked.content.decode()
    assert asked.status_code == 200 and "Raise a real alert?" in page and "not a drill" in page
    assert not Alert.objects.exists()

    raised = caseworker.post(_manual(team), {"confirmed": "on"}, follow=True)
    alert = Alert.objects.get()
    assert not alert.is_drill and alert.kind == AlertKind.MANUAL
    assert raised.redirect_chain[-1][0] == reverse("alerts:detail", kwargs={"alert_id": alert.pk})
    page = raised.content.decode()
    assert raised.status_code == 200
    assert "The alert was raised." in page and "Nobody has acknowledged yet." in page
    # The case team sees the alert but acts through responders: no forms for it.
    assert "Resolve alert" not in page
    assert reverse("alerts:acknowledge", args=[alert.pk]) not in page


def test_the_drill_confirmation_says_it_is_a_drill(team):
    caseworker = sign_in(Client(), team.lucia)
    page = caseworker.post(_manual(team), {"is_drill": "on"}).content.decode()
    assert "Raise a drill alert?" in page and 'name="is_drill" value="on"' in page
    caseworker.post(_manual(team), {"is_drill": "on", "confirmed": "on"})
    assert Alert.objects.get().is_drill


def test_responders_and_coordinators_acknowledge_on_the_page(team):
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    url = reverse("alerts:acknowledge", kwargs={"alert_id": alert.pk})
    coordinator = sign_in(Client(), team.karim)  # not on the first step: no message of theirs
    page = coordinator.post(url, follow=True).content.decode()
    assert "You acknowledged the alert." in page and team.karim.user.username in page
    ack = Acknowledgement.objects.get(alert=alert)
    assert ack.user == team.karim.user and ack.delivery is None
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    # A responder the alert messaged acknowledges through their own message.
    if alert.deliveries.filter(recipient_user=team.thandi.user).exists():
        sign_in(Client(), team.thandi).post(url)
        assert Acknowledgement.objects.filter(
            alert=alert, delivery__recipient_user=team.thandi.user
        ).exists()
    # Acknowledging twice records nothing more.
    count = Acknowledgement.objects.count()
    coordinator.post(url)
    assert Acknowledgement.objects.count() == count


def test_notes_are_sealed_and_read_by_the_alerts_team(team):
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    url = reverse("alerts:note-add", kwargs={"alert_id": alert.pk})
    responder = sign_in(Client(), team.thandi)
    empty = responder.post(url, {"text": "   "})
    assert empty.status_code == 400 and not AlertNote.objects.exists()
    text = "Called the sister: Achieng is at the clinic on Moi Avenue"
    saved = responder.post(url, {"text": text}, follow=True).content.decode()
    assert "The note is saved." in saved and text in saved
    assert find([text.encode()]) == []
    detail = reverse("alerts:detail", kwargs={"alert_id": alert.pk})
    assert text in sign_in(Client(), team.lucia).get(detail).content.decode()
    outsider = sign_in(Client(), team.ola)
    assert outsider.post(url, {"text": "x"}).status_code == 404
    assert AlertNote.objects.count() == 1


def test_a_step_that_would_reach_nobody_is_refused_with_the_reason(team):
    from aegis.alerts import policies
    from aegis.alerts.models import EscalationPolicy
    from aegis.alerts.vocabulary import Audience
    from aegis.cases.models import Case

    case = Case.objects.get(person=team.person)
    channels.set_channels(team.thandi.user, {}, actor_id=None)
    with pytest.raises(RuleError, match="Row 1: this step would reach nobody"):
        policies.save_case_policy(
            case, [policies.StepInput(1, 5, [Audience.RESPONDERS])], actor=team.karim.user
        )
    # The coordinator and the emergency contacts of the step have addresses: accepted.
    with unlocked(team.karim.keychain()):
        policies.save_case_policy(
            case,
            [
                policies.StepInput(1, 5, [Audience.RESPONDERS, Audience.CONTACTS], ["email"]),
                policies.StepInput(2, 5, [Audience.COORDINATORS]),
            ],
            actor=team.karim.user,
        )
    assert EscalationPolicy.objects.filter(case=case).exists()
    # Through the page, the coordinator reads why, and nothing is written.
    from tests.alerts.test_policies import form_data

    channels.set_channels(team.ola.user, {}, actor_id=None)
    url = reverse("alerts:level-policy", kwargs={"risk_level": "high"})
    blank = {"number": "", "deadline_minutes": "", "channel_1": "email", "channel_2": "sms"}
    rows = [{**blank, "number": "1", "deadline_minutes": "5", "audiences": ["responders"]}]
    rows += [blank] * (policies.MAX_STEPS - 1)
    page = sign_in(Client(), team.karim).post(url, form_data(*rows, name="High"))
    assert page.status_code == 400
    assert "Row 1: this step would reach nobody" in page.content.decode()
    assert not EscalationPolicy.objects.filter(risk_level="high").exists()


def test_an_alert_whose_step_reaches_nobody_needs_a_human_at_once(team):
    from aegis.alerts import policies
    from aegis.alerts.vocabulary import Audience
    from aegis.cases.models import Case

    case = Case.objects.get(person=team.person)
    with unlocked(team.karim.keychain()):
        policies.save_case_policy(
            case, [policies.StepInput(1, 5, [Audience.RESPONDERS])], actor=team.karim.user
        )
    # The responder's address went after the policy was saved.
    channels.set_channels(team.thandi.user, {}, actor_id=None)
    services.raise_alert(team.person, AlertKind.PANIC)
    console = sign_in(Client(), team.karim).get(reverse("alerts:console")).content.decode()
    assert "Needs a human" in console
    assert "nobody could be sent a message" in console or "reached nobody" in console


def test_the_console_reads_one_page_and_the_newest_alerts_only(team, monkeypatch):
    """Ten thousand open alerts had made each refresh of the console read every one's
    deliveries and steps (2 s); the table is a page, and what needs a human is looked for
    among the newest few hundred, which the page says."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aegis.alerts import selectors, views

    monkeypatch.setattr(views, "CONSOLE_PAGE", 2)
    monkeypatch.setattr(selectors, "ATTENTION_SCAN", 3)
    from aegis.alerts import policies
    from aegis.alerts.vocabulary import Audience
    from aegis.cases.models import Case

    with unlocked(team.karim.keychain()):
        policies.save_case_policy(
            Case.objects.get(person=team.person),
            [policies.StepInput(1, 5, [Audience.RESPONDERS])],
            actor=team.karim.user,
        )
    channels.set_channels(team.thandi.user, {}, actor_id=None)  # each alert reaches nobody
    raised = [services.raise_alert(team.person, AlertKind.MANUAL) for _ in range(5)]
    client = sign_in(Client(), team.karim)
    with CaptureQueriesContext(connection) as read:
        console = client.get(reverse("alerts:console")).content.decode()
    assert console.count('<td data-label="Alert"><a href="/alerts/') == 2  # the table's page
    assert "Among the newest 3 open alerts." in console
    for alert in raised[:2]:  # the oldest two: neither on the page nor among the newest
        assert f">#{alert.pk}</a>" not in console
    monkeypatch.setattr(selectors, "ATTENTION_SCAN", 500)
    more = [services.raise_alert(team.person, AlertKind.MANUAL) for _ in range(5)]
    with CaptureQueriesContext(connection) as again:
        client.get(reverse("alerts:console"))
    assert len(again) == len(read), "the same queries whatever the number of alerts"
    assert more
