"""A drill is marked in the reader's language on every page a drill shows: the pages its
acknowledgement link opens (in the language of the message) and the drill report. Their
headings had begun with an English "[DRILL]" in every language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from aegis import clock
from aegis.alerts import sending, services
from aegis.alerts.vocabulary import AlertKind
from aegis.safety import services as safety
from aegis.safety.drafts import ContactDraft, PlanDraft
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

from .conftest import ACK_LINK, CONTACT_EMAIL

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def _spanish_contact(team) -> None:
    draft = PlanDraft(
        language="en",
        contacts=[ContactDraft(name="Achieng Otieno", email=CONTACT_EMAIL, language="es")],
    )
    with unlocked(team.lucia.keychain()):
        safety.save_plan(team.person, draft, actor_id=team.lucia.user.pk)


def _heading(response) -> str:
    html = response.content.decode()
    return html[html.index("<h1>") : html.index("</h1>")]


def test_the_acknowledgement_pages_mark_a_drill_in_the_messages_language(team, smtp, sms):
    _spanish_contact(team)
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC, is_drill=True)
        sending.deliver_due()
        [mail] = smtp.to(CONTACT_EMAIL)
        match = ACK_LINK.search(mail.text)
        assert match
        path = f"/ack/{match.group(1)}/"
        browser = Client(HTTP_ACCEPT_LANGUAGE="en")
        shown = [_heading(browser.get(path)), _heading(browser.post(path))]
        with unlocked(team.thandi.keychain()):
            services.resolve(alert, "Drill over.", actor=team.thandi.user)
        ended = browser.get(path)
    assert ended.status_code == 410
    shown.append(_heading(ended))
    for heading in shown:
        assert heading.startswith("<h1>[SIMULACRO] ") and "DRILL" not in heading, heading


@pytest.mark.parametrize(("language", "marking"), [("es", "[SIMULACRO]"), ("ar", "[تمرين]")])
def test_the_drill_report_is_marked_in_the_readers_language(team, smtp, sms, language, marking):
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.MANUAL, is_drill=True)
        reader = sign_in(Client(), team.karim)
        reader.cookies["django_language"] = language
        page = reader.get(reverse("alerts:drill_report", kwargs={"alert_id": alert.pk}))
    heading = _heading(page)
    assert heading.startswith(f"<h1>{marking} ") and "DRILL" not in heading, heading


def test_an_english_reader_still_reads_drill(team, smtp, sms):
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.MANUAL, is_drill=True)
        page = sign_in(Client(), team.karim).get(
            reverse("alerts:drill_report", kwargs={"alert_id": alert.pk})
        )
    assert _heading(page).startswith("<h1>[DRILL] Drill report")
