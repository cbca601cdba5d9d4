"""Grants (support) and communications to mechanisms (advocacy) in the public statistics and
the annual report: protected like every other table (a small count is "fewer than k", a sum
only where its count is published), present only with data, and never naming anyone."""

from __future__ import annotations

import csv
import datetime
import io
import json
import shutil
import subprocess
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.test import Client

from aegis.advocacy.selectors import MechanismCounts
from aegis.reports import annual, programmes
from aegis.reports.disclosure import TOTAL, Status
from tests.reports.conftest import GRANT_CANARIES as CANARIES

pytestmark = pytest.mark.django_db

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def _at(month: int, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, 10, 12, tzinfo=datetime.UTC)


def _demo_like(grant: Any) -> None:
    """Six security grants (published), five digital-security ones (withheld as the partner
    of) two legal ones (fewer than 5), and one that is only requested (not counted)."""
    for month in (1, 2, 3, 4, 5, 6):
        grant("security", "1000.00", _at(month))
    for month in (1, 2, 3, 4, 5):
        grant("digital", "900.00", _at(month))
    grant("legal", "700.00", _at(2))
    grant("legal", "800.00", _at(6))
    grant("medical", "500.00", _at(6), approved=False)


def test_grant_counts_and_sums_follow_the_disclosure_control(granting):
    _demo_like(granting)
    found = programmes.grants(5)
    assert found is not None
    by_type = found.release.table("grants-by-type")
    assert by_type.cell("security", "2026").value == 6
    # One column: a row's total is its cell. The zeros beside legal's few are withheld with
    # them ("fewer than 5": 0 to 4), so legal's count hides among them and digital's is
    # published; medical (requested only: not counted) is one of those zeros.
    assert by_type.cell("digital", "2026").value == 5
    assert by_type.cell("legal", "2026").status is Status.PRIMARY
    assert by_type.cell("medical", "2026").status is Status.PRIMARY
    # A zero sums to nothing, so it hides no money: digital's sum is withheld as the partner
    # of legal's.
    assert found.sums["grants-by-type"].cell("digital", "2026").status is Status.SECONDARY
    # A withheld count withholds its sum; the published total sum then only gives the sum of
    # the two withheld cells together.
    (counts, amounts) = programmes.grant_views(found, {"year": "2026"})[0]
    shown = {
        r: (cells[0], a[0])
        for (r, _l, cells, _t), (_r, _a, a, _u) in zip(counts.rows, amounts.rows, strict=True)
    }
    assert shown["security"][1].text == "6,000.00"
    assert shown["digital"][1].text == "×"
    assert shown["legal"][0].text == "<5"
    assert shown["legal"][1].text == "×"
    for (_r, _l, cells, _t), (_r2, _l2, sums, _t2) in zip(counts.rows, amounts.rows, strict=True):
        for count, amount in zip(cells, sums, strict=True):
            assert count.cell.published or amount.text == "×"
    assert by_type.cell(TOTAL, "2026").value == 13
    assert amounts.totals is not None and amounts.totals[0].text == "12,000.00"
    assert found.amounts["grants-by-type"][("legal", "2026")] == Decimal("1500.00")


def test_public_page_shows_grants_protected_and_without_identities(granting):
    _demo_like(granting)
    client = Client()
    page = client.get("/public/").content.decode()
    assert "Emergency grants by type and year" in page
    assert "Amounts granted, in EUR" in page
    assert "fewer than 5" in page
    assert "6,000.00" in page
    filtered = client.get("/public/?year=2026&country=CO").content.decode()
    assert "Emergency grants by country and year" in filtered
    for address in ("/public/", "/public/?year=2026", "/public/data.csv", "/public/data.json"):
        response = client.get(address)
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        for canary in CANARIES:
            assert canary not in body, (address, canary)


def test_public_page_without_grants_has_no_grant_section():
    page = Client().get("/public/").content.decode()
    assert "Emergency grants" not in page


def _text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _mechanisms(**sent: tuple[int, int]) -> list[MechanismCounts]:
    return [
        MechanismCounts(code, code.replace("_", " ").title(), sent=n, communications=n, answered=a)
        for code, (n, a) in sent.items()
    ]


@needs_pdftotext
def test_annual_report_has_grants_and_communications_with_small_counts_withheld(
    granting, monkeypatch
):
    _demo_like(granting)
    asked = []

    def outcome_counts(**bounds: Any) -> list[MechanismCounts]:
        asked.append(bounds)
        return _mechanisms(special_rapporteur=(9, 6), working_group=(2, 1), ohchr_office=(0, 0))

    monkeypatch.setattr(programmes.advocacy, "outcome_counts", outcome_counts)
    report = annual.build(2026, "en")
    assert asked[0] == {
        "since": datetime.date(2026, 1, 1),
        "until": datetime.date(2026, 12, 31),
    }
    for title in ("Emergency grants by type", "Communications sent to mechanisms and replies"):
        assert title in report.html
    assert "fewer than 5" in report.html
    assert "Ohchr Office" not in report.html  # nothing sent: not a row
    for canary in CANARIES:
        assert canary not in report.html
    text = _text(annual.pdf(report))
    assert "Emergency grants by type" in text
    assert "Communications sent to mechanisms and replies" in text
    assert "Security" in text and "6,000.00" in text
    assert "Legal" in text and "<5" in text
    assert "Special Rapporteur" in text
    for canary in CANARIES:
        assert canary not in text
    methods = report.html[report.html.index('id="methods"') :]
    assert "A sum of money is published only where the number of grants" in methods


def test_annual_sections_absent_without_data_for_the_year(granting):
    granting("digital", "1000.00", _at(3, 2025))
    report = annual.build(2026, "en")
    # The real advocacy selector: no communication sent, so no section.
    assert 'id="communications"' not in report.html
    assert 'id="grants"' not in report.html
    assert 'id="grants"' in annual.build(2025, "en").html


def test_communications_are_split_into_replied_and_not_yet(monkeypatch):
    monkeypatch.setattr(
        programmes.advocacy,
        "outcome_counts",
        lambda **_b: _mechanisms(special_rapporteur=(9, 6), working_group=(7, 7)),
    )
    table = programmes.communications(2026, 5)
    assert table is not None
    rows = {code: [c.text for c in cells] for code, _l, cells, _t in table.rows}
    # 6 replied, 3 not yet ("fewer than 5"), so a partner is withheld too.
    assert rows["special_rapporteur"][1] == "<5"
    assert "×" in rows["special_rapporteur"] + rows["working_group"]
    assert table.grand is not None and table.grand.text == "16"


def test_open_data_holds_the_grant_tables_with_sums_only_where_counts_are_published(granting):
    _demo_like(granting)
    client = Client()
    body = b"".join(client.get("/public/data.csv").streaming_content).decode()
    rows = {
        (r["table"], r["row_value"], r["column_value"]): r
        for r in csv.DictReader(io.StringIO(body))
    }
    security = rows[("grants-by-type", "security", "2026")]
    assert (security["count"], security["amount"], security["currency"]) == ("6", "6000.00", "EUR")
    legal = rows[("grants-by-type", "legal", "2026")]
    assert (legal["count"], legal["status"], legal["amount"]) == ("", "fewer_than_k", "")
    assert rows[("grants-by-type", "digital", "total")]["amount"] == ""
    assert rows[("incidents-by-month", "total", "total")]["amount"] == ""
    for row in rows.values():
        assert (row["amount"] == "") == (row["amount_status"] != "published")
        assert row["status"] == "published" or row["amount"] == ""
    data = json.loads(b"".join(client.get("/public/data.json").streaming_content))
    assert "amount" in data["columns"]
    assert any(c["table"] == "grants-by-country" and c["amount"] for c in data["cells"])
    codebook = client.get("/public/codebook").content.decode()
    assert "grants-by-month" in codebook and "grant_type" in codebook


def test_grant_section_speaks_every_language_of_the_instance(granting):
    granting("digital", "1000.00", _at(3))
    titles = {"es": "Subvenciones de emergencia por tipo", "fr": "Subventions d'urgence par type"}
    titles["ar"] = "منح الطوارئ حسب النوع"
    for language, title in titles.items():
        html = unescape(annual.build(2026, language).html)
        assert title in html, language
        assert "Emergency grants by type" not in html, language


@needs_pdftotext
def test_a_grant_without_consent_to_public_statistics_is_counted_nowhere(granting):
    """As for incidents: the person granted must hold an unwithdrawn public_statistics
    consent, or the grant is left out of the page, the open data and the annual report."""
    for _n in range(5):
        granting("security", "1000.00", _at(3))
    granting("security", "1000.00", _at(3), consent=False)
    granting("legal", "700.00", _at(6), consent=False)
    found = programmes.grants(5)
    assert found is not None
    assert found.release.table("grants-by-type").cell(TOTAL, TOTAL).value == 5
    assert found.amounts["grants-by-type"][(TOTAL, TOTAL)] == Decimal("5000.00")
    client = Client()
    page = client.get("/public/").content.decode()
    assert "5,000.00" in page and "6,000.00" not in page
    body = b"".join(client.get("/public/data.csv").streaming_content).decode()
    rows = {
        (r["table"], r["row_value"], r["column_value"]): r
        for r in csv.DictReader(io.StringIO(body))
    }
    assert rows[("grants-by-type", "security", "2026")]["count"] == "5"
    assert rows[("grants-by-type", "legal", "2026")]["count"] == "0"
    data = json.loads(b"".join(client.get("/public/data.json").streaming_content))
    grand = [
        c
        for c in data["cells"]
        if c["table"] == "grants-by-month" and c["row_value"] == c["column_value"] == "total"
    ]
    assert grand[0]["count"] == 5 and grand[0]["amount"] == "5000.00"
    text = _text(annual.pdf(annual.build(2026, "en")))
    assert "5,000.00" in text and "6,000.00" not in text


def test_a_sum_most_of_which_is_one_grant_is_withheld_with_its_count_published(granting):
    for _n in range(4):
        granting("security", "50.00", _at(3))
    granting("security", "4800.00", _at(3))  # 96 % of the security sum (one approver)
    for _n in range(5):
        granting("digital", "900.00", _at(3))
    found = programmes.grants(5)
    assert found is not None
    assert found.release.table("grants-by-type").cell("security", "2026").value == 5
    assert found.sum_status("grants-by-type", ("security", "2026")) == "dominated"
    # Another sum of its column is withheld too (a partner or the total), or the total less
    # the other sums would give it away.
    partners = [("digital", "2026"), (TOTAL, "2026")]
    assert "withheld" in [found.sum_status("grants-by-type", key) for key in partners]
    (_counts, amounts) = programmes.grant_views(found, {})[0]
    security = next(line for line in amounts.rows if line[0] == "security")
    assert security[2][0].text == "×"
    assert security[2][0].title == "withheld: one or two grants make most of it"
    assert "5,000.00" not in Client().get("/public/").content.decode()
    body = b"".join(Client().get("/public/data.csv").streaming_content).decode()
    rows = {
        (r["table"], r["row_value"], r["column_value"]): r
        for r in csv.DictReader(io.StringIO(body))
    }
    cell = rows[("grants-by-type", "security", "2026")]
    assert (cell["count"], cell["amount"], cell["amount_status"]) == ("5", "", "dominated")
