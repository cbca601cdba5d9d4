"""The programme summary names what it counts in the reader's language: grant types and
referral states by their labels, countries by name, months as the language writes them. It
had shown the stored codes ("digital", "draft: 1", "GT", "2026-12")."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import formats, translation

from aegis import clock
from aegis.support import services
from aegis.vault.keychain import unlocked

from .conftest import client

pytestmark = pytest.mark.django_db


def _cells(page: str) -> list[str]:
    return re.findall(r"<tr><td>([^<]*)</td>", page)


def test_the_summary_shows_labels_names_and_months_not_codes(team):
    team.approved_grant()
    team.consent()
    with unlocked(team.lucia.keychain()):
        services.create_referral(
            team.case,
            team.provider(),
            actor=team.lucia.user,
            purpose="Legal aid",
            shared=["pseudonym"],
        )
    reader = client(team.karim)
    reader.cookies["django_language"] = "es"
    page = reader.get(reverse("support:summary")).content.decode()
    with translation.override("es"):
        month = formats.date_format(clock.now(), "YEAR_MONTH_FORMAT")
    assert _cells(page) == ["Seguridad digital", month, "Colombia"]
    assert "<li>Borrador: 1</li>" in page and "draft" not in page
    reader.cookies["django_language"] = "ar"
    arabic = _cells(reader.get(reverse("support:summary")).content.decode())
    assert "كولومبيا" in arabic and not any(re.search(r"[a-z]|\d{4}-\d\d", c) for c in arabic)
