"""An emergency contact reads the alert in the language their safety plan gives them, and so
does the acknowledgement page their link opens; staff get the instance's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from aegis import clock
from aegis.alerts import sending, services
from aegis.alerts.vocabulary import AlertKind
from aegis.safety import services as safety
from aegis.safety.drafts import ContactDraft, PlanDraft
from aegis.vault.keychain import unlocked

from .conftest import ACK_LINK, CONTACT_EMAIL, CONTACT_PHONE, SECOND_PHONE

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
SPANISH = "Aegis: una persona a la que usted apoya le necesita. Abra: "
ARABIC = "Aegis: شخص تدعمه يحتاج إليك. افتح: "
ENGLISH = "Aegis: someone you support needs you. Open: "


@pytest.fixture
def contacts_in_their_languages(team):
    draft = PlanDraft(
        language="en",
        contacts=[
            ContactDraft(name="Achieng Otieno", email=CONTACT_EMAIL, language="es"),
            ContactDraft(name="Peter Mwangi", phone=SECOND_PHONE, language="ar"),
            ContactDraft(name="Amina Yusuf", phone=CONTACT_PHONE),  # the plan's: English
        ],
    )
    with unlocked(team.lucia.keychain()):
        safety.save_plan(team.person, draft, actor_id=team.lucia.user.pk)
    return team


@pytest.mark.parametrize("drill", [False, True], ids=["real", "drill"])
def test_each_contact_reads_the_alert_in_their_own_language(
    contacts_in_their_languages, smtp, sms, drill
):
    team = contacts_in_their_languages
    with clock.frozen(START):
        services.raise_alert(team.person, AlertKind.PANIC, is_drill=drill)
        sending.deliver_due()
    # The drill's marking in the contact's language too: an English "[DRILL]" had stood
    # before the Spanish and Arabic text.
    marking = "[SIMULACRO] " if drill else ""
    [spanish] = smtp.to(CONTACT_EMAIL)
    assert spanish.subject == f"{marking}Alerta de Aegis"
    assert spanish.text.strip().startswith(marking + SPANISH)
    [arabic] = sms.to(SECOND_PHONE)
    assert arabic["message"].startswith(("[تمرين] " if drill else "") + ARABIC)
    marking = "[DRILL] " if drill else ""
    [english] = sms.to(CONTACT_PHONE)
    assert english["message"].startswith(marking + ENGLISH)
    [staff] = smtp.to("thandi@example.org")
    assert staff.subject == f"{marking}Aegis alert"
    assert staff.text.strip().startswith(marking + ENGLISH)


def test_the_acknowledgement_page_speaks_the_messages_language(
    contacts_in_their_languages, smtp, sms
):
    with clock.frozen(START):
        services.raise_alert(contacts_in_their_languages.person, AlertKind.PANIC)
        sending.deliver_due()
    [arabic] = sms.to(SECOND_PHONE)
    match = ACK_LINK.search(arabic["message"])
    assert match
    with clock.frozen(START):  # while the alert's link is open (it ends with the alert)
        page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/ack/{match.group(1)}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'<html[^>]*lang="ar"[^>]*dir="rtl"|<html[^>]*dir="rtl"[^>]*lang="ar"', html)
    [staff] = smtp.to("thandi@example.org")
    match = ACK_LINK.search(staff.text)
    assert match
    with clock.frozen(START):
        page = Client(HTTP_ACCEPT_LANGUAGE="es").get(f"/ack/{match.group(1)}/")
    assert '<html lang="es"' in page.content.decode(), "no language of its own: the browser's"
