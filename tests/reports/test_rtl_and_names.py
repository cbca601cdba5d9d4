"""What the public page and the annual report show in the reader's language and direction:
a small count's "<5" is set apart left to right (an Arabic table cell had shown "5>"), and
the mechanisms of the communications table are named in the report's language (their
English names had stayed in every language)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from typing import Any

import pytest
from django.test import Client

from aegis.advocacy.selectors import MechanismCounts
from aegis.reports import annual, programmes

pytestmark = pytest.mark.django_db

SMALL = re.compile(r"<td>(.*?)</td>")


def _small_cells(html: str) -> list[str]:
    return [cell for cell in SMALL.findall(html) if "&lt;5" in cell]


def _two_small_counts(team: Any) -> None:
    for _ in range(2):
        team.incident(violation="killing")
    for _ in range(6):
        team.incident(violation="threat")


def test_a_small_count_reads_left_to_right_on_the_arabic_public_page(team):
    _two_small_counts(team)
    page = Client(headers={"accept-language": "ar"}).get("/public/").content.decode()
    cells = _small_cells(page)
    assert cells, "a count below 5 on the page"
    for cell in cells:
        assert cell.startswith('<bdi dir="ltr" class="nowrap"><abbr title="') and cell.endswith(
            "</bdi>"
        ), cell
    assert '"<bdi dir="ltr">&lt;5</bdi>"' in page, "the legend's sign too"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_a_small_count_reads_left_to_right_in_the_arabic_annual_report(team):
    _two_small_counts(team)
    report = annual.build(2026, "ar")
    cells = _small_cells(report.html)
    assert cells, "a count below 5 in the report"
    for cell in cells:
        assert cell.startswith('<bdi dir="ltr" class="nowrap">') and cell.endswith("</bdi>"), cell
    # In the PDF's own order (as laid out, left to right): "5<" before the fix.
    laid_out = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=annual.pdf(report), capture_output=True, check=True
    ).stdout.decode()
    assert "<5" in laid_out and "5<" not in laid_out


NAMES = {
    "special_procedures": "UN Special Procedures",
    "achpr_hrd": "African Commission: Special Rapporteur on human rights defenders",
}


def _sent(**_bounds: Any) -> list[MechanismCounts]:
    return [
        MechanismCounts(code, name, sent=7, communications=7, answered=3)
        for code, name in NAMES.items()
    ]


def test_the_annual_report_names_the_mechanisms_in_its_language(monkeypatch):
    monkeypatch.setattr(programmes.advocacy, "outcome_counts", _sent)
    english = unescape(annual.build(2026, "en").html)
    assert all(f'<th scope="row">{name}</th>' in english for name in NAMES.values())
    spanish = unescape(annual.build(2026, "es").html)
    assert '<th scope="row">Procedimientos Especiales de la ONU</th>' in spanish
    assert "Comisión Africana: Relatoría Especial sobre defensores" in spanish
    assert not any(name in spanish for name in NAMES.values())
    arabic = unescape(annual.build(2026, "ar").html)
    assert "الإجراءات الخاصة للأمم المتحدة" in arabic
