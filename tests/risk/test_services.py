"""Assessments through the real services: the result and its parts, history, audit, the
rules on incidents and owners, and bad input that leaves nothing behind."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from aegis import clock
from aegis.audit.models import AuditEntry
from aegis.incidents import services as incidents
from aegis.risk import configuration, services
from aegis.risk.models import Assessment, ChecklistItem, Rating, Response, Threat
from aegis.risk.services import RatingInput, ResponseInput
from aegis.risk.vocabulary import DEFAULT_CHECKLIST
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault.keychain import VaultLocked, unlocked

from .conftest import capacity_ids, ratings, threat, vulnerability_ids

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2024, 6, 1, 12, tzinfo=datetime.UTC)


def _rows() -> tuple[int, ...]:
    return (
        Assessment.objects.count(),
        Threat.objects.count(),
        Rating.objects.count(),
        Response.objects.count(),
        Threat.incidents.through.objects.count(),
    )


def test_the_checklist_is_seeded_once_with_every_category_and_amplifier():
    items = configuration.checklist()
    assert len(items) == len(DEFAULT_CHECKLIST)
    assert {i.category for i in items} == {
        "physical",
        "digital",
        "legal",
        "psychosocial",
        "family",
        "economic",
        "organisational",
    }
    assert {i.amplifier for i in items} >= {
        "women",
        "lgbti",
        "indigenous",
        "young",
        "older",
        "disabled",
    }
    assert {i.kind for i in items} == {"vulnerability", "capacity"}
    assert configuration.seed_checklist() == 0  # never twice
    assert len(configuration.checklist()) == len(DEFAULT_CHECKLIST)


def test_an_assessment_keeps_its_parts_level_and_review_date(team):
    incident = team.record(cases=[team.case])
    with clock.frozen(NOON):
        assessment = team.assess(
            threats=[
                threat(4, 5, perpetrator_type="paramilitary", incidents=[incident]),
                threat(2, 2, title="Online smears"),
            ],
            ratings=ratings([4, 3], [2, 3]),
            responses=[
                ResponseInput("reduce", "Reinforce the door", team.worker.user, NOON.date()),
                ResponseInput("accept"),
            ],
            acceptable_level="moderate",
            summary="Serious, growing threats.",
        )
    assert assessment.number == 1
    assert (assessment.threat_score, assessment.vulnerability_score) == (
        Decimal("20.00"),
        Decimal("3.50"),
    )
    assert assessment.capacity_score == Decimal("2.50")
    assert assessment.score == Decimal("28.00")
    assert assessment.level == assessment.level_by_numbers == "high"
    assert assessment.assessed_on == NOON.date()
    assert assessment.next_review_on == NOON.date() + datetime.timedelta(days=30)
    assert assessment.data_key_id == team.case.data_key_id
    threats = list(assessment.threats.all())
    assert [t.score for t in threats] == [20, 4]
    assert list(threats[0].incidents.all()) == [incident]
    assert assessment.responses.count() == 2
    entry = AuditEntry.objects.filter(object_type="risk_assessment").get()
    assert (entry.action, entry.object_id) == ("record.create", f"{team.case.reference}/1")


def test_every_assessment_is_a_new_row_and_the_earlier_ones_stay(team):
    first = team.assess(threats=[threat(2, 2)])
    second = team.assess(threats=[threat(5, 5)], imminent=True)
    assert (first.number, second.number) == (1, 2)
    first = Assessment.objects.get(pk=first.pk)
    assert first.level == "low" and second.level == "critical"
    assert second.level_by_numbers == "high"  # 25 * 3 / 3 = 25: high by the numbers
    assert Assessment.objects.filter(case=team.case).count() == 2


def test_the_imminent_flag_makes_a_low_reading_critical(team):
    assessment = team.assess(threats=[threat(1, 1)], ratings=ratings([1], [5]), imminent=True)
    assert assessment.score == Decimal("0.20")
    assert assessment.level_by_numbers == "low"
    assert assessment.level == "critical"
    assert assessment.next_review_on - assessment.assessed_on == datetime.timedelta(days=7)


def test_zero_capacities_are_saved_with_the_floor(team):
    assessment = team.assess(threats=[threat(3, 3)], ratings=ratings([2], []))
    assert assessment.capacity_score == Decimal("1.00")
    assert assessment.score == Decimal("18.00")
    assert not assessment.ratings.filter(kind="capacity").exists()


@pytest.mark.parametrize(
    ("threats", "rating_list", "message"),
    [
        ([], None, "at least one threat"),
        ([threat(None, 3)], None, "Threat 1, likelihood: A rating is missing"),
        ([threat(3, 3), threat(4, None)], None, "Threat 2, impact: A rating is missing"),
        ([threat()], "no vulnerability", "at least one vulnerability"),
        ([threat()], "unrated item", "A rating is missing"),
    ],
)
def test_missing_ratings_are_a_clear_error_and_nothing_is_saved(
    team, threats, rating_list, message
):
    if rating_list == "no vulnerability":
        rating_list = ratings([], [3])
    elif rating_list == "unrated item":
        rating_list = [*ratings(), RatingInput(vulnerability_ids()[5], None, "a note")]
    else:
        rating_list = ratings()
    before, audit = _rows(), AuditEntry.objects.count()
    with pytest.raises(RuleError, match=message):
        team.assess(threats=threats, ratings=rating_list)
    assert _rows() == before
    assert AuditEntry.objects.count() == audit


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"threats": [threat(0, 3)]}, "outside the scale"),
        ({"threats": [threat(3, 6)]}, "outside the scale"),
        ({"threats": [threat("3", 3)]}, "whole number"),
        ({"threats": [threat(title="")]}, "short title"),
        ({"threats": [threat(title="x" * 1_000_000)]}, "too long"),
        ({"threats": [threat(facts="y" * 1_000_000)]}, "too long"),
        ({"threats": [threat(perpetrator_identity="nul\x00byte")]}, "control characters"),
        ({"threats": [threat(title="a\u202eb")]}, "hidden characters"),
        ({"threats": [threat(perpetrator_type="aliens")]}, "listed values"),
        ({"summary": "\x00"}, "control characters"),
        ({"summary": "z" * 1_000_000}, "too long"),
        ({"acceptable_level": "extreme"}, "listed values"),
        ({"responses": [ResponseInput("pray", "x")]}, "listed values"),
        ({"responses": [ResponseInput("reduce", "")]}, "describe the measure"),
        ({"responses": [ResponseInput("reduce", "x\x00")]}, "control characters"),
        ({"threats": [threat()] * 21}, "At most 20 threats"),
    ],
)
def test_bad_input_is_refused_in_plain_words_and_nothing_is_saved(team, fields, message):
    before = _rows()
    with pytest.raises(RuleError, match=message):
        team.assess(**fields)
    assert _rows() == before


def test_ratings_outside_the_scale_and_unknown_items_are_refused(team):
    v = vulnerability_ids()[0]
    for rating_list, message in [
        ([RatingInput(v, 0)], "outside the scale"),
        ([RatingInput(v, 6)], "outside the scale"),
        ([RatingInput(v, 3, "n\x00te")], "control characters"),
        ([RatingInput(v, 3, "n" * 1_000_000)], "too long"),
        ([RatingInput(v, 3), RatingInput(v, 4)], "rated twice"),
        ([RatingInput(999_999, 3)], "does not exist"),
    ]:
        with pytest.raises(RuleError, match=message):
            team.assess(ratings=rating_list)
    retired = ChecklistItem.objects.get(pk=capacity_ids()[0])
    retired.active = False
    retired.save()
    with pytest.raises(RuleError, match="retired"):
        team.assess(ratings=[RatingInput(v, 3), RatingInput(retired.pk, 3)])
    assert Assessment.objects.count() == 0


def test_only_incidents_of_the_case_compartment_may_support_a_threat(
    team, outsider, make_compartment
):
    elsewhere = make_compartment(team.worker)  # visible to the worker, another compartment
    with unlocked(team.worker.keychain()):
        foreign = incidents.create_incident(
            elsewhere, actor_id=None, title="Elsewhere", date_start=datetime.date(2024, 1, 1)
        )
    with unlocked(outsider.keychain()):
        hidden = incidents.create_incident(
            outsider_compartment(outsider),
            actor_id=None,
            title="Hidden",
            date_start=datetime.date(2024, 1, 1),
        )
    for incident in (foreign, hidden):
        with pytest.raises(RuleError, match="only incidents of this case's compartment"):
            team.assess(threats=[threat(incidents=[incident])])
    assert Assessment.objects.count() == 0


def outsider_compartment(person):
    from aegis.cases import selectors

    return selectors.compartments_of(person.user).get()


def test_owners_must_be_members_and_due_dates_not_past(team, make_person):
    stranger = make_person(Role.CASEWORKER)
    with clock.frozen(NOON):
        with pytest.raises(RuleError, match="member of the case's compartment"):
            team.assess(responses=[ResponseInput("share", "Tell the network", stranger.user)])
        with pytest.raises(RuleError, match="already passed"):
            team.assess(
                responses=[
                    ResponseInput(
                        "share", "Tell", team.worker.user, NOON.date() - datetime.timedelta(1)
                    )
                ]
            )
        # A mistyped year had been taken: a measure due in 9999 is never overdue.
        with pytest.raises(RuleError, match="is far from today; check the year") as far:
            team.assess(
                responses=[
                    ResponseInput("share", "Tell", team.worker.user, datetime.date(9999, 12, 31))
                ]
            )
        assert (far.value.field, far.value.row) == ("due_on", 0)
    assert Assessment.objects.count() == 0


def test_a_locked_vault_writes_nothing(team):
    before = _rows()
    with pytest.raises(VaultLocked):
        services.create_assessment(
            team.case, actor=team.worker.user, threats=[threat()], ratings=ratings()
        )
    assert _rows() == before
