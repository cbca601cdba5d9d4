"""Pattern findings: seeded sets of incidents at and above the configured minimum make
findings; sets below it, or outside the window, do not."""

from __future__ import annotations

import datetime

import pytest

from aegis import clock
from aegis.cases import services as cases
from aegis.risk import configuration, describe, selectors
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2024, 6, 30, 12, tzinfo=datetime.UTC)


def days_ago(n: int) -> datetime.date:
    return TODAY.date() - datetime.timedelta(days=n)


def _findings(user):
    with clock.frozen(TODAY):
        return selectors.findings_for(user)


def _kinds(findings):
    return sorted((f.kind, f.count) for f in findings)


def test_three_incidents_against_one_person_in_the_window_make_findings(team):
    person = team.case.person
    for n in (0, 10, 29):
        team.record(date_start=days_ago(n), country="CO", region="CO-ANT", victims=[person])
    # Out: the window's 30 days start on 1 June, and months are counted whole (the days are
    # sealed), so 31 May is out of it.
    team.record(date_start=days_ago(30), country="CO", region="CO-ANT", victims=[person])
    findings = _findings(team.worker.user)
    assert _kinds(findings) == [("person", 3), ("region", 3), ("sector", 3)]
    by_kind = {f.kind: f for f in findings}
    assert by_kind["person"].person_id == person.pk
    assert (by_kind["person"].first_date, by_kind["person"].last_date) == (
        datetime.date(2024, 6, 1),
        datetime.date(2024, 6, 1),
    )
    assert by_kind["sector"].sector == "land_environment"
    assert describe.finding_text(by_kind["sector"]) == (
        "3 incidents against defenders of “Land and environment” in Antioquia, Colombia "
        "since June 2024"
    )
    assert describe.finding_text(by_kind["person"], "Defender 0") == (
        "3 incidents against Defender 0 since June 2024"
    )
    assert (
        describe.finding_text(by_kind["region"])
        == "3 incidents in Antioquia, Colombia since June 2024"
    )


def test_below_the_minimum_there_is_no_finding(team):
    for n in (1, 2):
        team.record(
            date_start=days_ago(n), country="CO", region="CO-ANT", victims=[team.case.person]
        )
    assert _findings(team.worker.user) == []


def test_incidents_against_one_sector_in_one_region_from_different_cases(team, make_case):
    others = [make_case(team.compartment, team.worker) for _ in range(2)]
    for n, case in enumerate([team.case, *others]):
        team.record(date_start=days_ago(n), country="CO", region="CO-ANT", cases=[case])
    team.record(date_start=days_ago(3), country="CO", region="CO-CAU", cases=[team.case])
    findings = _findings(team.worker.user)
    # Three defenders, one incident each: no person finding, but the sector and the region.
    assert _kinds(findings) == [("region", 3), ("sector", 3)]
    assert all((f.country, f.region) == ("CO", "CO-ANT") for f in findings)
    # The finding concerns every case of that sector in that region.
    with clock.frozen(TODAY):
        assert len(selectors.findings_for_case(team.worker.user, others[0])) == 2


def test_an_organisation_under_repeated_attack(team):
    with unlocked(team.worker.keychain()):
        cooperative = cases.open_case(
            team.compartment,
            subject_kind="organisation",
            subject_name="Cooperativa ficticia La Unión",
            actor_id=None,
            country="HN",
            region="HN-CL",
            sector="labour",
        )
    for n in (0, 5, 9):
        team.record(date_start=days_ago(n), cases=[cooperative])  # place unknown
    findings = _findings(team.worker.user)
    assert _kinds(findings) == [("organisation", 3)]
    assert findings[0].case_id == cooperative.pk
    assert (findings[0].country, findings[0].sector) == ("HN", "labour")


def test_the_window_and_minimum_are_the_administrators(team):
    for n in (0, 20, 40):
        team.record(date_start=days_ago(n), victims=[team.case.person])
    assert _findings(team.worker.user) == []  # only two in 30 days
    configuration.update_settings(actor_id=None, pattern_window_days=45)
    assert _kinds(_findings(team.worker.user)) == [("person", 3)]
    configuration.update_settings(actor_id=None, pattern_min_count=4)
    assert _findings(team.worker.user) == []


def test_findings_only_cover_incidents_the_reader_may_see(team, outsider):
    for n in (0, 1, 2):
        team.record(date_start=days_ago(n), country="CO", region="CO-ANT", cases=[team.case])
    assert len(_findings(team.worker.user)) == 3
    assert _findings(outsider.user) == []


def test_a_finding_names_months_even_over_rows_from_before_the_days_were_sealed(team):
    """A row made before the days were sealed keeps its day in the month column until it is
    corrected: the finding still says its months, not that day."""
    from aegis.incidents.models import Incident

    person = team.case.person
    made = [team.record(date_start=days_ago(n), victims=[person]) for n in (2, 5, 9)]
    Incident.objects.filter(pk=made[0].pk).update(month_start=days_ago(2), days=None)
    Incident.objects.filter(pk=made[2].pk).update(month_start=days_ago(9), days=None)
    [found] = [f for f in _findings(team.worker.user) if f.kind == "person"]
    assert (found.count, found.first_date, found.last_date) == (
        3,
        datetime.date(2024, 6, 1),
        datetime.date(2024, 6, 1),
    )
