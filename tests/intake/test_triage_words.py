"""The triage pages name what they show in the reader's language: the report's language by
name ("ar" and "idioma ar" had been shown), the date it happened and when each candidate
duplicate arrived as the language writes dates (ISO "2026-02-15" had been shown), countries
by name, and a place in the same order on the list and the report ("Region, Country")."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from aegis.intake import selectors, services
from aegis.intake.models import Submission
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_reader(intake_team, submit):
    submit("Earlier report", country="PH", language="en")
    submit(
        "Threats at the checkpoint",
        country="CO",
        region="CO-ANT",
        language="ar",
        when=services.When(2026, 2, 15),
    )
    reader = sign_in(Client(), intake_team[1])
    reader.cookies["django_language"] = "es"
    return reader


def _cells(page: str, column: int) -> list[str]:
    rows = re.findall(r"<tr>\n(.*?)</tr>", page, re.S)
    return [re.findall(r"<td>(.*?)</td>", row)[column] for row in rows]


def test_the_list_names_the_language_and_the_place(spanish_reader):
    page = spanish_reader.get("/triage/").content.decode()
    assert _cells(page, 2) == ["Árabe", "Inglés"]
    assert _cells(page, 3) == ["Antioquia, Colombia", "Filipinas"]


def test_the_report_names_its_language_date_and_place(spanish_reader):
    submission = Submission.objects.get(language="ar")
    page = spanish_reader.get(f"/triage/{submission.pk}/").content.decode()
    assert "idioma Árabe" in page and "idioma ar" not in page
    assert "<td>15/02/2026 (Fecha exacta)</td>" in page
    assert "<td>Antioquia, Colombia</td>" in page


def test_a_candidate_duplicate_is_named_with_a_local_date_and_country(intake_team, submit):
    submit("Earlier report", country="PH")
    [earlier] = Submission.objects.all()
    _compartment, lucia = intake_team
    with unlocked(lucia.keychain()), timezone.override("UTC"):
        earlier.received_at = datetime.datetime(2026, 12, 8, 0, 4, tzinfo=datetime.UTC)
        from django.utils import translation

        with translation.override("es"):
            label = selectors.duplicate_label(earlier)
    assert label == f"{earlier.reference} · 08/12/2026 00:04 · Filipinas"
