"""The analyst's view: levels and findings by country, region and sector, and none of the
identifying strings seeded (names, pseudonyms, references, narratives)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse

from aegis import clock
from aegis.cases import services as cases
from aegis.roles import Role
from aegis.vault.keychain import unlocked

from .conftest import api, ratings, threat, web

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2024, 8, 15, 12, tzinfo=datetime.UTC)


@pytest.fixture
def seeded(team, make_case):
    """Assessments and a wave of incidents full of identifying strings."""
    second = make_case(
        team.compartment, team.worker, legal_name="Ximena Quispe Huamán", summary="Río Verde"
    )
    with unlocked(team.worker.keychain()):
        cooperative = cases.open_case(
            team.compartment,
            subject_kind="organisation",
            subject_name="Cooperativa Tierra Libre",
            actor_id=None,
            country="HN",
            region="HN-CL",
            sector="labour",
        )
    with clock.frozen(NOW):
        team.assess(
            threats=[
                threat(5, 5, title="Pamphlet from Frente Norte", perpetrator_identity="Alias Tigre")
            ],
            ratings=ratings([5], [1]),
            summary="Relocate to Medellín safe house",
        )
        team.assess(case=second, threats=[threat(1, 2)], ratings=ratings([1], [5]))
        team.assess(case=cooperative, threats=[threat(3, 3)], ratings=ratings([3], [3]))
        incidents = [
            team.record(
                title=f"Attack on the Quispe farm {n}",
                date_start=NOW.date() - datetime.timedelta(days=n),
                country="CO",
                region="CO-ANT",
                cases=[team.case, second],
                victims=[team.case.person],
            )
            for n in range(4)
        ]
    return {
        "strings": [
            team.case.reference,
            second.reference,
            cooperative.reference,
            team.case.person.pseudonym,
            second.person.pseudonym,
            "Legal Name",
            "Ximena",
            "Río Verde",
            "Tierra Libre",
            "Pamphlet from Frente Norte",
            "Alias Tigre",
            "Medellín",
            "Quispe",
            *[i.reference for i in incidents],
        ]
    }


def test_the_analyst_sees_levels_and_findings_by_place_and_sector_only(seeded, make_person):
    analyst = make_person(Role.ANALYST)
    with clock.frozen(NOW):
        page = web(analyst).get(reverse("risk:analysis")).content.decode()
        data = api(analyst).get("/api/v1/risk/analysis").json()
    for needle in seeded["strings"]:
        assert needle not in page, needle
        assert needle not in json.dumps(data, ensure_ascii=False), needle
    # What the analyst does see: coded places, sectors, levels and counts.
    assert "Antioquia, Colombia" in page and "Land and environment" in page
    assert "Colón, Honduras" in page and "Labour rights" in page
    levels = {(r["country"], r["region"], r["sector"]): r["counts"] for r in data["levels"]}
    assert levels[("CO", "CO-ANT", "land_environment")] == {
        "low": 1,
        "moderate": 0,
        "high": 0,
        "critical": 1,
    }
    assert levels[("HN", "HN-CL", "labour")]["moderate"] == 1
    findings = {(r["kind"], r["region"], r["sector"]): r for r in data["findings"]}
    assert findings[("person", "CO-ANT", "land_environment")]["findings"] == 2  # two people
    assert findings[("sector", "CO-ANT", "land_environment")]["incidents"] == 4
    assert findings[("region", "CO-ANT", "")]["incidents"] == 4
    assert set(data["findings"][0]) == {
        "kind",
        "country",
        "region",
        "sector",
        "findings",
        "incidents",
    }
    assert (data["window_days"], data["min_count"]) == (30, 3)
    # The window is read in whole months (the days are sealed): it says since when.
    assert data["since"] == "2024-07-01"
    assert "A finding is 3 incidents or more since July 2024" in page
    assert "within 30 days" not in page


def test_case_staff_may_not_read_the_analysis(team, seeded):
    assert web(team.worker).get(reverse("risk:analysis")).status_code == 403
    assert api(team.worker).get("/api/v1/risk/analysis").status_code == 403


def test_an_empty_analysis_says_so(make_person):
    page = web(make_person(Role.ANALYST)).get(reverse("risk:analysis")).content.decode()
    assert "No risk assessment has been made yet." in page
    assert "No pattern found in the current window." in page
