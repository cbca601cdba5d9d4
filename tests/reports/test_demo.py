"""The demo's documented incidents make /public/ show real numbers: some cells published,
some withheld."""

from __future__ import annotations

import pytest
from django.test import Client

from aegis.reports import demo
from aegis.reports import release as releases
from aegis.reports.disclosure import TOTAL, Status
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db


def test_the_demo_public_page_shows_published_and_withheld_counts(team):
    with unlocked(team.worker.keychain()):
        demo.create_demo_data(team.compartment, team.worker.user)
    release = releases.public_release()
    assert release.incident_total.value == demo.INCIDENTS
    statuses = {
        cell.status
        for spec in ("incidents-by-month", "incidents-by-country", "acts-by-violation")
        for cell in release.table(spec).cells.values()
        if cell.value != 0
    }
    assert statuses == {Status.PUBLISHED, Status.PRIMARY, Status.SECONDARY}
    by_country = release.table("incidents-by-country")
    assert by_country.cell("CO", TOTAL).value  # the largest country is published
    page = Client().get("/public/").content.decode()
    assert "fewer than 5" in page
