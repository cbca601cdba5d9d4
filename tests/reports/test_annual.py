"""The annual report: built by the command in every language, its PDF's numbers (read back
with pdftotext) are those of the open data, and sections appear only with data."""

from __future__ import annotations

import csv
import datetime
import io
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.test import Client

from aegis.reports import annual

pytestmark = pytest.mark.django_db

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def _text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


@needs_pdftotext
def test_the_pdf_numbers_are_the_open_data_numbers(team, tmp_path):
    for month, count in ((1, 6), (2, 7), (3, 2)):
        for _ in range(count):
            team.incident(date=datetime.date(2026, month, 3), violation="death_threat")
    call_command(
        "report", "annual", "--year", "2026", "--output", str(tmp_path), "--language", "en"
    )
    text = _text((tmp_path / "annual-report-2026-en.pdf").read_bytes())
    rows = list(csv.DictReader(io.StringIO(b"".join(Client().get("/public/data.csv")).decode())))

    def published(table, row, col):
        (found,) = [
            r for r in rows if (r["table"], r["row_value"], r["column_value"]) == (table, row, col)
        ]
        return found["count"]

    months = ["January", "February", "March"]
    shown = []
    for number, name in enumerate(months, start=1):
        (row,) = [
            r
            for r in rows
            if (r["table"], r["row_value"], r["column_value"])
            == ("incidents-by-month", str(number), "2026")
        ]
        expected = {"published": row["count"], "fewer_than_k": "<5", "withheld": "×"}[row["status"]]
        assert re.search(rf"{name}\s+{re.escape(expected)}(\s|$)", text, re.M), (name, expected)
        shown.append(row["status"])
    assert "fewer_than_k" in shown and "published" in shown  # March's 2 is never printed
    assert not re.search(r"March\s+2\b", text)
    total = published("incidents-by-month", "total", "2026")
    if total:
        assert re.search(rf"Incidents\s+{total}\b", text)
    assert "Methods" in text
    assert "Median time from an alert" not in text  # no alert: no section


def test_every_language_is_built_and_arabic_reads_right_to_left(team, tmp_path):
    for _ in range(5):
        team.incident()
    call_command("report", "annual", "--year", "2026", "--output", str(tmp_path))
    for code in annual.languages():
        assert (tmp_path / f"annual-report-2026-{code}.pdf").read_bytes().startswith(b"%PDF")
    assert 'dir="rtl"' in (tmp_path / "annual-report-2026-ar.html").read_text()
    # Every heading in the report's language: the tables' had stayed English, translated
    # once as the module was imported.
    spanish = (tmp_path / "annual-report-2026-es.html").read_text()
    assert "Incidentes mes a mes" in spanish and "Incidents month by month" not in spanish
    assert "Violations" not in spanish


def test_a_year_without_incidents_has_only_its_methods(team):
    report = annual.build(2019, "en")
    assert "Methods" in report.html and "The year in numbers" not in report.html


def test_coordinators_build_it_from_the_page(signed_in, team):
    team.incident()
    from aegis.roles import Role

    client, _person = signed_in(Role.COORDINATOR)
    page = client.get("/reports/annual/?year=2026").content.decode()
    assert "/reports/annual/2026.pdf" in page and "takes a few seconds to prepare" in page
    response = client.get("/reports/annual/2026.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert client.get("/reports/annual/2026/").status_code == 200


def test_the_section_list_takes_a_new_section(team):
    def grants(context):
        return annual.Section(
            "grants", "Grants by type", "reports/annual/_response.html", {"count": 9, "median": "x"}
        )

    annual.SECTIONS.insert(-1, grants)
    try:
        assert "Grants by type" in annual.build(2026, "en").html
    finally:
        annual.SECTIONS.remove(grants)
