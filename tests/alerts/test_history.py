"""The console's failures needing a human, the detail page's delivery states, and the
history with each alert's time to its first acknowledgement, scoped like the console."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from aegis import clock
from aegis.alerts import selectors, sending, services
from aegis.alerts.models import Alert, Delivery
from aegis.alerts.vocabulary import AlertKind, Channel, DeliveryState, RecipientKind
from aegis.roles import Role
from aegis.vault import service_keys
from aegis.vault.keychain import unlocked
from tests.conftest import api_client, comparable, sign_in

from .standins import Step, case_policy

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
OUTCOME = "Released after the lawyer arrived at the station."


def _history(client: Client, page: int | None = None) -> str:
    url = reverse("alerts:history") + (f"?page={page}" if page else "")
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _rows(body: str) -> list[str]:
    return [chunk.split("<", 1)[0] for chunk in body.split('">#')[1:]]


def _link(body: str, label: str) -> str | None:
    found = re.search(rf'<a href="([^"]*)">{label}</a>', body)
    return html.unescape(found.group(1)) if found else None


def test_the_history_shows_time_to_first_acknowledgement_newest_first(team, smtp, sms):
    with clock.frozen(START):
        first = services.raise_alert(team.person, AlertKind.PANIC)
        sending.deliver_due()
        clock.advance(timedelta(minutes=4, seconds=30))
        services.acknowledge(first.deliveries.get(contact_index=2).pk)
        clock.advance(timedelta(minutes=1))
        services.acknowledge(first.deliveries.get(recipient_kind=RecipientKind.USER).pk)
        clock.advance(timedelta(hours=1))
        drill = services.raise_alert(team.person, AlertKind.MANUAL, is_drill=True)
        with unlocked(team.thandi.keychain()):
            services.resolve(first, OUTCOME, actor=team.thandi.user)

    body = _history(sign_in(Client(), team.thandi))
    assert _rows(body) == [str(drill.pk), str(first.pk)], "newest first"
    newest, oldest = body.split(f'">#{first.pk}<')
    assert "DRILL" in newest and "not acknowledged" in newest
    assert "Manual" in newest and "not resolved yet" in newest
    assert "4 min 30 s" in oldest, "the first acknowledgement counts, not the second"
    assert "Panic" in oldest and OUTCOME in oldest and "DRILL" not in oldest
    report = reverse("alerts:drill_report", kwargs={"alert_id": drill.pk})
    assert f'href="{report}"' in newest

    items = api_client(team.karim).get("/api/v1/alerts/history").json()["items"]
    assert [(i["id"], i["is_drill"], i["seconds_to_first_acknowledgement"]) for i in items] == [
        (drill.pk, True, None),
        (first.pk, False, 270),
    ]
    assert items[1]["first_acknowledged_at"].startswith("2026-03-02T03:04:30")
    assert items[1]["status"] == "resolved" and "outcome" not in items[1]


def test_only_key_holders_read_the_outcome(team):
    """A responder of another compartment who was sent the alert sees it in their history,
    but holds no key that opens its outcome."""
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    outside = services.Recipient(
        RecipientKind.USER, team.ola.user.pk, None, ((Channel.EMAIL, "ola@example.org"),)
    )
    with unlocked(service_keys.service_keychain()):
        services.queue(alert, 1, outside, 0)
    with unlocked(team.thandi.keychain()):
        services.resolve(alert, OUTCOME, actor=team.thandi.user)

    body = _history(sign_in(Client(), team.ola))
    assert _rows(body) == [str(alert.pk)]
    assert OUTCOME not in body and "You hold no key that opens the outcome." in body
    assert OUTCOME in _history(sign_in(Client(), team.karim))


def test_the_history_is_paginated(team):
    with clock.frozen(START):
        alerts = []
        for _ in range(selectors.PAGE_SIZE + 1):
            alerts.append(services.raise_alert(team.person, AlertKind.PANIC))
            clock.advance(timedelta(minutes=1))
    client = sign_in(Client(), team.thandi)
    first_page = _history(client)
    assert len(_rows(first_page)) == selectors.PAGE_SIZE
    assert _rows(first_page)[0] == str(alerts[-1].pk)
    assert "Page 1 of 2" in first_page
    assert _rows(_history(client, page=2)) == [str(alerts[0].pk)], "a typed page number"
    # An alert raised between two loads: the next link seeks from the last row shown, so
    # the next page neither repeats that row nor skips one (by page number it repeated one).
    following = _link(first_page, "Next")
    assert following is not None
    with clock.frozen(START + timedelta(hours=1)):
        raised = services.raise_alert(team.person, AlertKind.PANIC)
    second_page = client.get(reverse("alerts:history") + following).content.decode()
    assert _rows(second_page) == [str(alerts[0].pk)]
    assert "after=" in following
    # Back to the first page: the newest alerts, the one raised meanwhile included.
    assert _link(second_page, "Previous") == "?page=1"
    assert _rows(_history(client, page=1))[:2] == [str(raised.pk), str(alerts[-1].pk)]
    items = api_client(team.thandi).get("/api/v1/alerts/history?limit=5").json()
    assert items["count"] == selectors.PAGE_SIZE + 2 and len(items["items"]) == 5


def test_a_cursor_past_the_end_or_mangled_shows_the_newest_alerts_and_says_so(team):
    """As the console does: a history link whose cursor points before the oldest alert (or
    after the newest), or that this list never made, opens the newest alerts and says why;
    a cursor past the end had shown an empty page that read as "no alerts yet"."""
    with clock.frozen(START):
        alerts = []
        for _ in range(selectors.PAGE_SIZE + 1):
            alerts.append(services.raise_alert(team.person, AlertKind.PANIC))
            clock.advance(timedelta(minutes=1))
    newest = [str(alert.pk) for alert in reversed(alerts)][: selectors.PAGE_SIZE]
    client = sign_in(Client(), team.thandi)
    restarted = "The page you asked for does not exist, or its link was damaged."
    assert restarted not in _history(client)
    for query in (
        "?after=2000-01-01T00:00:00%2B00:00~1",  # before the oldest alert
        f"?after=2026-03-02T02:00:00%2B00:00~{alerts[0].pk}&page=3",
        "?before=2030-01-01T00:00:00%2B00:00~1",  # after the newest
        "?after=garbage",
        "?before=2026-13-45T00:00:00%2B00:00~1",
    ):
        response = client.get(reverse("alerts:history") + query)
        assert response.status_code == 200, query
        body = response.content.decode()
        assert restarted in body, query
        assert _rows(body) == newest, query
        assert "No alerts yet" not in body, query
    # The last page, reached by its own link, is no restart.
    following = _link(_history(client), "Next")
    assert following is not None
    body = client.get(reverse("alerts:history") + following).content.decode()
    assert restarted not in body and _rows(body) == [str(alerts[0].pk)]


def test_the_history_is_scoped_like_the_console(team, make_person):
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    outsider = sign_in(Client(), team.ola)
    body = _history(outsider)
    assert f"#{alert.pk}" not in body
    assert "No alerts yet." in body, "an empty history says what will appear there"
    assert api_client(team.ola).get("/api/v1/alerts/history").json()["items"] == []
    analyst = make_person(Role.ANALYST)
    assert sign_in(Client(), analyst).get(reverse("alerts:history")).status_code == 403
    assert api_client(analyst).get("/api/v1/alerts/history").status_code == 403
    # The detail of an alert out of reach reads exactly like a missing one.
    url = reverse("alerts:detail", kwargs={"alert_id": alert.pk})
    missing = reverse("alerts:detail", kwargs={"alert_id": alert.pk + 1000})
    assert comparable(outsider.get(url), url) == comparable(outsider.get(missing), missing)


def test_the_console_flags_an_alert_nobody_was_reached_for(team, smtp, sms, settings):
    settings.AEGIS_SMTP_PORT = 1  # nothing listens there
    settings.AEGIS_SMS_GATEWAY_URL = "http://127.0.0.1:1/sms"
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        for seconds in (0, 30, 60, 120, 240):  # every retry, then the fallback's retries
            clock.advance(timedelta(seconds=seconds))
            sending.deliver_due()
    states = list(alert.deliveries.values_list("channel", "state"))
    assert sorted(states) == sorted(
        [("email", "failed"), ("email", "failed"), ("sms", "failed"), ("sms", "failed")]
    ), "the first contact fell back to SMS, which failed too"

    client = sign_in(Client(), team.thandi)
    console = client.get(reverse("alerts:console")).content.decode()
    assert "Needs a human" in console
    assert "every delivery failed: nobody has been reached." in console
    # Three people (the first contact's email and fallback SMS both failed): none reached.
    assert '<span class="error">3</span> <strong class="error">nobody reached</strong>' in console
    detail = client.get(reverse("alerts:detail", kwargs={"alert_id": alert.pk})).content.decode()
    assert "Every delivery of this alert failed: nobody has been reached." in detail


def test_the_console_flags_some_failures_and_an_alert_with_no_recipient(team, smtp, sms):
    with clock.frozen(START):
        partial = services.raise_alert(team.person, AlertKind.PANIC)
        sending.deliver_due()
    Delivery.objects.filter(pk=partial.deliveries.get(channel="sms").pk).update(
        state=DeliveryState.FAILED, attempts=3, last_error="channel_refused"
    )
    case_policy(team.person, Step(10, "partners"))  # a ladder that reaches nobody
    with clock.frozen(START + timedelta(minutes=5)):
        nobody = services.raise_alert(team.person, AlertKind.PANIC)
        console = sign_in(Client(), team.thandi).get(reverse("alerts:console"))
    body = console.content.decode()
    attention = body.split("Needs a human", 1)[1].split("</section>", 1)[0]
    assert f"#{partial.pk}" in attention and f"#{nobody.pk}" in attention
    assert "1 person was not reached by any delivery, after every retry and fallback." in (
        attention
    )
    assert "nobody could be sent a message: no recipient has an address." in attention


def test_a_quiet_console_has_no_attention_list(team, smtp, sms):
    client = sign_in(Client(), team.thandi)
    empty = client.get(reverse("alerts:console")).content.decode()
    assert "No open alerts." in empty and "Needs a human" not in empty
    with clock.frozen(START):
        services.raise_alert(team.person, AlertKind.PANIC)
        sending.deliver_due()
    body = client.get(reverse("alerts:console")).content.decode()
    assert "Needs a human" not in body and "nobody reached" not in body


def test_the_detail_page_shows_every_delivery_state(team, smtp, sms):
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        sending.deliver_due()
    sms_row = alert.deliveries.get(channel="sms")
    # What the gateway's delivery report and a worker's claim leave on the rows.
    Delivery.objects.filter(pk=sms_row.pk).update(
        state=DeliveryState.DELIVERED, delivered_at=START + timedelta(seconds=7)
    )
    Delivery.objects.filter(alert=alert, contact_index=1).update(
        state=DeliveryState.SENDING, sent_at=None, claimed_at=START
    )
    page = sign_in(Client(), team.thandi).get(
        reverse("alerts:detail", kwargs={"alert_id": alert.pk})
    )
    body = page.content.decode()
    assert "<td>Delivered</td>" in body and "2 March 2026, 03:00:07" in body
    assert "<td>Sending</td>" in body and "<td>Sent</td>" in body
    assert "not reported by this channel" in body
    assert "Every delivery" not in body
    assert Alert.objects.get(pk=alert.pk).status == "open"


def test_an_alert_past_its_last_deadline_needs_a_human(team, smtp, sms):
    start = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    with clock.frozen(start):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        sending.deliver_due()
        clock.advance(timedelta(minutes=10))
        services.escalate_due()
        sending.deliver_due()
        page = sign_in(Client(), team.thandi).get(reverse("alerts:console")).content.decode()
        assert "every step of the ladder passed its deadline" not in page
        clock.advance(timedelta(minutes=20))
        page = sign_in(Client(), team.thandi).get(reverse("alerts:console")).content.decode()
    assert alert.pk and "every step of the ladder passed its deadline" in page
    # A delivery that failed too had hidden the ladder's end: both are said.
    Delivery.objects.filter(pk=alert.deliveries.filter(channel="sms").first().pk).update(
        state=DeliveryState.FAILED, attempts=3, last_error="channel_refused"
    )
    with clock.frozen(start + timedelta(minutes=30)):
        page = sign_in(Client(), team.thandi).get(reverse("alerts:console")).content.decode()
    attention = page.split("Needs a human", 1)[1].split("</section>", 1)[0]
    assert "every step of the ladder passed its deadline" in attention
    assert "1 person was not reached by any delivery" in attention


def test_after_a_burst_the_console_pages_its_table_and_lists_every_alert_needing_a_human(
    team, smtp, sms, monkeypatch
):
    from aegis import work_queue
    from aegis.alerts import views

    with clock.frozen(START):
        raised = [services.raise_alert(team.person, AlertKind.PANIC) for _ in range(3)][::-1]
        sending.deliver_due()  # raised at one instant: newest first is the last raised first
    for alert in raised[1:]:  # the two oldest need a human: a delivery failed
        Delivery.objects.filter(pk=alert.deliveries.filter(channel="sms").first().pk).update(
            state=DeliveryState.FAILED, attempts=3, last_error="channel_refused"
        )
    newest = raised[0]
    monkeypatch.setattr(views, "CONSOLE_PAGE", 2)
    client = sign_in(Client(), team.thandi)
    pages = [client.get(reverse("alerts:console"), {"page": n}).content.decode() for n in (1, 2)]
    for body in pages:
        attention = body.split("Needs a human", 1)[1].split("</section>", 1)[0]
        assert all(f"#{a.pk}<" in attention for a in raised[1:])
        assert f"#{newest.pk}<" not in attention
    tables = [body.split('<table class="stacked">', 1)[1] for body in pages]
    assert _rows(tables[0]) == [str(a.pk) for a in raised[:2]]  # newest first
    assert _rows(tables[1]) == [str(raised[2].pk)]
    assert "Page 1 of 2" in pages[0] and "Page 2 of 2" in pages[1]

    found = selectors.attention(team.thandi.user)
    rows = selectors.console(team.thandi.user)
    assert (
        (found.open, found.needs_human) == (3, 2) == (len(rows), sum(r.needs_human for r in rows))
    )

    # The case team, which has no console, gets the newest few linked and a line for all.
    monkeypatch.setattr(work_queue, "CASE_ALERTS_SHOWN", 2)
    dashboard = sign_in(Client(), team.lucia).get("/").content.decode()
    for alert in raised:
        shown = reverse("alerts:detail", kwargs={"alert_id": alert.pk}) in dashboard
        assert shown == (alert != raised[2])
    assert "3 open alerts in all; the newest are listed above" in dashboard


def test_messages_waiting_past_their_time_say_the_worker_may_be_stopped(team, smtp, sms):
    """A stopped worker had shown nowhere: the deliveries stayed queued, the console and the
    dashboard said nothing."""
    start = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    with clock.frozen(start):
        services.raise_alert(team.person, AlertKind.PANIC)
        client = sign_in(Client(), team.thandi)
        assert "may be stopped" not in client.get(reverse("alerts:console")).content.decode()
        clock.advance(timedelta(minutes=3))  # no worker sent anything
        console = client.get(reverse("alerts:console")).content.decode()
        dashboard = client.get(reverse("dashboard")).content.decode()
        assert "have waited more than two minutes to be sent" in console
        assert "alert messages wait to be sent: is the worker running?" in dashboard
        sending.deliver_due()  # the worker is back
        assert "may be stopped" not in client.get(reverse("alerts:console")).content.decode()


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("x\x01\x07\x1by", "control characters"),
        ("\u200b\u200c\u2060", "Write"),
    ],
)
def test_alert_notes_and_outcomes_follow_the_text_rule_of_every_note(team, typed, said):
    """Control characters, and text of invisible characters alone, had been stored in an
    alert's notes and outcome while every other note refused them."""
    from aegis.alerts.models import AlertNote

    alert = services.raise_alert(team.person, AlertKind.PANIC)
    client = sign_in(Client(), team.thandi)
    note = client.post(reverse("alerts:note-add", kwargs={"alert_id": alert.pk}), {"text": typed})
    assert note.status_code == 400 and said in note.content.decode()
    assert not AlertNote.objects.exists()
    closed = client.post(
        reverse("alerts:resolve", kwargs={"alert_id": alert.pk}), {"outcome": typed}
    )
    assert said in closed.content.decode()
    assert Alert.objects.get(pk=alert.pk).status != "resolved"
