"""The dashboard reads each case's current assessment, its rank, the previous level and
whether a newer incident makes it due from the assessment's row, kept up to date as
assessments are made and incidents recorded, changed or linked. Worked out afresh in SQL
(refresh_review_state, for rows written in bulk) it gives the same answer."""

from __future__ import annotations

import datetime

import pytest

from aegis import clock
from aegis.cases import services as cases
from aegis.incidents import services as incidents
from aegis.risk import services
from aegis.risk.models import Assessment
from aegis.risk.vocabulary import LEVEL_RANK
from aegis.vault.keychain import unlocked

from .test_review import START, _assess

pytestmark = pytest.mark.django_db


def _state() -> list[tuple]:
    return list(
        Assessment.objects.order_by("pk").values_list(
            "pk", "is_current", "rank", "previous_level", "new_incident"
        )
    )


def _row(assessment: Assessment) -> dict:
    fields = ("is_current", "rank", "previous_level", "new_incident")
    return Assessment.objects.filter(pk=assessment.pk).values(*fields).get()


def test_the_kept_state_follows_every_change_and_matches_a_fresh_computation(team, make_case):
    other = make_case(team.compartment, team.worker)
    earlier = team.record()
    with clock.frozen(START):
        first = _assess(team, "low")
        _assess(team, "moderate", case=other)
        assert _row(first) == {
            "is_current": True,
            "rank": 0,
            "previous_level": "",
            "new_incident": False,
        }
        clock.advance(datetime.timedelta(hours=1))
        team.record(cases=[other])  # about the other case only
        assert not _row(first)["new_incident"]
        with unlocked(team.worker.keychain()):
            incidents.add_act(
                earlier, violation_type="threat", actor_id=None, victims=[team.case.person]
            )
        assert _row(first)["new_incident"], "a victim added to an older incident makes it due"
        second = _assess(team, "high")
        assert not _row(first)["is_current"]
        assert _row(second) == {
            "is_current": True,
            "rank": LEVEL_RANK["high"],
            "previous_level": "low",
            "new_incident": False,
        }
        clock.advance(datetime.timedelta(hours=1))
        with unlocked(team.worker.keychain()):
            moved = cases.open_case(
                team.compartment,
                subject_kind="person",
                person=team.case.person,
                actor_id=None,
                summary="A second case about the same defender",
            )
        team.record(cases=[moved])  # linked to another case of the same person
        assert _row(second)["new_incident"]
    kept = _state()
    Assessment.objects.update(is_current=False, rank=0, previous_level="", new_incident=False)
    services.refresh_review_state()
    assert _state() == kept
