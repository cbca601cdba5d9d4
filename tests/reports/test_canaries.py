"""Seizure-style: incidents seeded with canary names, places and narratives; none of it
reaches any public page, open-data file, chart, or the annual report (HTML and PDF)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.test import Client

from aegis.incidents.services import DescribedVictim
from aegis.reports.statistics import TABLES

pytestmark = pytest.mark.django_db

CANARIES = [
    "Canarylegalname Zq",
    "Canarytitle Zq",
    "Canarynarrative Zq",
    "Canaryplace Zq",
    "Canaryvictim Zq",
    "Defender Canarypseudo",
]


def test_no_canary_reaches_anything_published(team, tmp_path):
    for i in range(6):
        person = team.person(name=f"{CANARIES[0]} {i}")
        team.incident(
            people=[person],
            title=CANARIES[1],
            description=CANARIES[2],
            exact_location=CANARIES[3],
            described=[DescribedVictim(description=CANARIES[4], sex="man", age_group="18_29")],
        )
    client = Client()
    outputs: dict[str, bytes] = {}
    for url in [
        "/public/",
        "/public/codebook",
        "/public/methods",
        "/public/map.svg",
        "/public/?country=CO&year=2026",
    ]:
        outputs[url] = client.get(url).content
    for url in ["/public/data.csv", "/public/data.json"]:
        outputs[url] = b"".join(client.get(url).streaming_content)
    for spec in TABLES:
        url = f"/public/chart/{spec.slug}.svg"
        outputs[url] = client.get(url).content
    call_command(
        "report", "annual", "--year", "2026", "--output", str(tmp_path), "--language", "en"
    )
    outputs["report.html"] = (tmp_path / "annual-report-2026-en.html").read_bytes()
    pdf = (tmp_path / "annual-report-2026-en.pdf").read_bytes()
    outputs["report.pdf"] = pdf  # compressed streams: the text is checked below as well
    if shutil.which("pdftotext"):
        outputs["report.pdf text"] = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout
    assert b"6" in outputs["/public/data.csv"]  # the incidents are counted
    for where, content in outputs.items():
        for canary in ("Canary", "canary", "CANARY"):
            assert canary.encode() not in content, f"{canary} in {where}"
