"""Review dates follow the level, and a new incident linked to the case or its person makes
the review due at once, on the controllable clock."""

from __future__ import annotations

import datetime

import pytest

from aegis import clock
from aegis.risk import configuration, overview, selectors

from .conftest import ratings, threat

pytestmark = pytest.mark.django_db

START = datetime.datetime(2024, 6, 1, 9, tzinfo=datetime.UTC)

# (likelihood, impact, vulnerability, capacity, imminent) → level with default thresholds
READINGS = {
    "low": (1, 2, 2, 4, False),  # 2 * 2 / 4 = 1
    "moderate": (3, 3, 3, 3, False),  # 9
    "high": (5, 4, 3, 3, False),  # 20
    "critical": (1, 1, 1, 5, True),
}


def _assess(team, level, case=None):
    likelihood, impact, v, c, imminent = READINGS[level]
    return team.assess(
        case=case,
        threats=[threat(likelihood, impact)],
        ratings=ratings([v], [c]),
        imminent=imminent,
    )


def _due(team, case=None):
    assessment = selectors.assessments_of(team.worker.user, case or team.case).first()
    return selectors.review_status(team.worker.user, assessment)


def _overdue(team):
    return {a.case_id for a in overview.dashboard(team.worker.user).overdue}


@pytest.mark.parametrize(
    ("level", "days"), [("low", 180), ("moderate", 90), ("high", 30), ("critical", 7)]
)
def test_the_review_date_follows_the_level(team, level, days):
    with clock.frozen(START):
        assessment = _assess(team, level)
        assert assessment.level == level
        assert assessment.next_review_on == START.date() + datetime.timedelta(days=days)
        assert not _due(team).due and _overdue(team) == set()
        clock.advance(datetime.timedelta(days=days - 1))
        assert not _due(team).due
        clock.advance(datetime.timedelta(days=1))
        status = _due(team)
        assert status.due and status.date_passed and status.new_incidents == []
        assert _overdue(team) == {team.case.pk}


def test_the_intervals_are_the_administrators(team):
    configuration.update_settings(actor_id=None, review_days_high=10, review_days_critical=2)
    with clock.frozen(START):
        assert _assess(team, "high").next_review_on == datetime.date(2024, 6, 11)
        assert _assess(team, "critical").next_review_on == datetime.date(2024, 6, 3)


def test_a_new_incident_linked_to_the_case_makes_the_review_due_at_once(team):
    old = team.record(cases=[team.case])  # recorded before the assessment: already weighed
    with clock.frozen(START):
        _assess(team, "low")
        assert not _due(team).due
        clock.advance(datetime.timedelta(hours=1))
        unrelated = team.record()  # linked to nobody
        assert not _due(team).due
        new = team.record(cases=[team.case])
        status = _due(team)
        assert status.due and not status.date_passed
        assert status.new_incidents == [new]
        assert old not in status.new_incidents and unrelated not in status.new_incidents
        assert _overdue(team) == {team.case.pk}
        assert overview.dashboard(team.worker.user).overdue[0].new_incident
        # A reassessment weighs the incident: no longer due.
        _assess(team, "moderate")
        assert not _due(team).due and _overdue(team) == set()


def test_an_older_incident_newly_linked_to_the_case_or_person_makes_it_due(team):
    from aegis.incidents import services as incidents
    from aegis.vault.keychain import unlocked

    older, earlier = team.record(), team.record()
    with clock.frozen(START):
        _assess(team, "low")
        assert not _due(team).due
        with unlocked(team.worker.keychain()):
            incidents.update_incident(older, actor_id=None, reason="Linked", cases=[team.case])
        assert _due(team).new_incidents == [older]
        _assess(team, "low")
        assert not _due(team).due
        with unlocked(team.worker.keychain()):
            incidents.add_act(
                earlier, violation_type="threat", actor_id=None, victims=[team.case.person]
            )
        assert _due(team).new_incidents == [earlier]


def test_an_incident_against_the_person_makes_every_case_of_theirs_due(team, make_case):
    with clock.frozen(START):
        _assess(team, "moderate")
        assert not _due(team).due
        team.record(victims=[team.case.person])  # the person is a victim; no case linked
        assert _due(team).due


def test_an_incident_linked_to_another_case_of_the_same_person_counts(team):
    from aegis.cases import services as cases
    from aegis.vault.keychain import unlocked

    with unlocked(team.worker.keychain()):
        second = cases.open_case(
            team.compartment,
            subject_kind="person",
            person=team.case.person,
            actor_id=None,
            summary="A second case",
        )
    with clock.frozen(START):
        _assess(team, "moderate")
        team.record(cases=[second])
        assert _due(team).due


def test_an_incident_about_someone_else_does_not(team, make_case):
    other = make_case(team.compartment, team.worker)
    with clock.frozen(START):
        _assess(team, "moderate")
        _assess(team, "low", case=other)
        team.record(cases=[other], victims=[other.person])
        assert not _due(team).due
        assert _due(team, other).due
        assert _overdue(team) == {other.pk}
