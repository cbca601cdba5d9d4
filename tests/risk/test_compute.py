"""The risk computation, alone: worked examples, the documented scale, and properties that
must hold for every input (hypothesis): more threat never lowers the risk, more capacity
never raises it, the bounds hold, and an imminent attack is always critical."""

from __future__ import annotations

import datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aegis.risk import compute
from aegis.risk.compute import MissingRatings, RatingOutOfRange, ThreatRating, Thresholds
from aegis.risk.vocabulary import LEVEL_RANK

pytestmark = pytest.mark.engine_independent

ratings = st.integers(min_value=1, max_value=5)
threats = st.lists(st.builds(ThreatRating, ratings, ratings), min_size=1, max_size=6)
some = st.lists(ratings, min_size=1, max_size=8)
maybe_none = st.lists(ratings, max_size=8)


@st.composite
def thresholds(draw) -> Thresholds:
    points = sorted(
        draw(
            st.lists(
                st.fractions(min_value=Fraction(1, 100), max_value=125, max_denominator=100),
                min_size=3,
                max_size=3,
                unique=True,
            )
        )
    )
    return Thresholds(*points)


def test_a_worked_example_shows_its_parts():
    result = compute.assess(
        [ThreatRating(4, 5), ThreatRating(2, 2)], [4, 3], [2, 3], imminent=False
    )
    assert result.threat == 20  # the highest likelihood * impact, not the mean
    assert result.vulnerability == Fraction(7, 2)
    assert result.capacity == Fraction(5, 2)
    assert result.score == Fraction(28)  # 20 * 3.5 / 2.5
    assert result.level == "high"  # 20 ≤ 28 < 50 with the default thresholds
    assert compute.rounded(result.vulnerability) == compute.rounded(Fraction(35, 10))


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (Fraction(49999, 10000), "low"),
        (5, "moderate"),
        (20, "high"),
        (50, "critical"),
        (125, "critical"),
    ],
)
def test_levels_start_at_their_threshold(score, level):
    assert compute.level_for(Fraction(score), compute.DEFAULT_THRESHOLDS) == level


def test_the_scale_runs_from_a_fifth_to_125():
    lowest = compute.assess([ThreatRating(1, 1)], [1], [5])
    highest = compute.assess([ThreatRating(5, 5)], [5], [1])
    assert lowest.score == compute.MIN_SCORE == Fraction(1, 5)
    assert highest.score == compute.MAX_SCORE == 125


def test_zero_capacities_use_the_floor_and_never_divide_by_zero():
    result = compute.assess([ThreatRating(3, 3)], [2], [])
    assert result.capacity == compute.CAPACITY_FLOOR == 1
    assert result.score == 18
    assert compute.capacity_score([]) == compute.capacity_score([1])


@pytest.mark.parametrize(
    ("threats", "vulnerabilities", "message"),
    [
        ([], [3], "at least one threat"),
        ([ThreatRating(None, 3)], [3], "missing"),
        ([ThreatRating(3, None)], [3], "missing"),
        ([ThreatRating(3, 3)], [], "at least one vulnerability"),
        ([ThreatRating(3, 3)], [None], "missing"),
    ],
)
def test_missing_ratings_are_a_clear_error(threats, vulnerabilities, message):
    with pytest.raises(MissingRatings, match=message):
        compute.assess(threats, vulnerabilities, [3])


@pytest.mark.parametrize("bad", [0, 6, -1, 2.5, "3", True])
def test_ratings_outside_one_to_five_are_refused(bad):
    with pytest.raises(RatingOutOfRange):
        compute.assess([ThreatRating(bad, 3)], [3], [3])
    with pytest.raises(RatingOutOfRange):
        compute.assess([ThreatRating(3, 3)], [3], [bad])


def test_thresholds_must_rise():
    with pytest.raises(ValueError, match="rise"):
        Thresholds.of(20, 5, 50)
    with pytest.raises(ValueError, match="rise"):
        Thresholds.of(0, 5, 50)


def test_review_dates_come_sooner_for_higher_levels():
    days = {"low": 180, "moderate": 90, "high": 30, "critical": 7}
    day = datetime.date(2024, 1, 31)
    dates = [
        compute.review_date(level, day, days) for level in ("low", "moderate", "high", "critical")
    ]
    assert dates == sorted(dates, reverse=True)
    assert dates[-1] == datetime.date(2024, 2, 7)


@given(threats, some, maybe_none, st.booleans(), thresholds())
def test_bounds_and_the_imminent_flag(ts, vs, cs, imminent, limits):
    result = compute.assess(ts, vs, cs, thresholds=limits, imminent=imminent)
    assert compute.MIN_SCORE <= result.score <= compute.MAX_SCORE
    assert 1 <= result.threat <= 25
    assert 1 <= result.vulnerability <= 5 and 1 <= result.capacity <= 5
    assert result.score == result.threat * result.vulnerability / result.capacity
    assert result.level_by_numbers == compute.level_for(result.score, limits)
    if imminent:
        assert result.level == "critical"
    else:
        assert result.level == result.level_by_numbers


@given(threats, some, maybe_none, thresholds(), st.data())
def test_more_threat_never_lowers_the_risk(ts, vs, cs, limits, data):
    before = compute.assess(ts, vs, cs, thresholds=limits)
    index = data.draw(st.integers(0, len(ts) - 1))
    old = ts[index]
    raised = ThreatRating(
        data.draw(st.integers(old.likelihood, 5)), data.draw(st.integers(old.impact, 5))
    )
    more = [*ts[:index], raised, *ts[index + 1 :]]
    added = [*ts, data.draw(st.builds(ThreatRating, ratings, ratings))]
    for after in (
        compute.assess(more, vs, cs, thresholds=limits),
        compute.assess(added, vs, cs, thresholds=limits),
    ):
        assert after.score >= before.score
        assert LEVEL_RANK[after.level] >= LEVEL_RANK[before.level]


@given(threats, some, some, thresholds(), st.data())
def test_more_capacity_never_raises_the_risk(ts, vs, cs, limits, data):
    before = compute.assess(ts, vs, cs, thresholds=limits)
    index = data.draw(st.integers(0, len(cs) - 1))
    stronger = [*cs[:index], data.draw(st.integers(cs[index], 5)), *cs[index + 1 :]]
    after = compute.assess(ts, vs, stronger, thresholds=limits)
    assert after.score <= before.score
    assert LEVEL_RANK[after.level] <= LEVEL_RANK[before.level]


@given(threats, some, maybe_none, thresholds(), st.data())
def test_more_vulnerability_never_lowers_the_risk(ts, vs, cs, limits, data):
    before = compute.assess(ts, vs, cs, thresholds=limits)
    index = data.draw(st.integers(0, len(vs) - 1))
    weaker = [*vs[:index], data.draw(st.integers(vs[index], 5)), *vs[index + 1 :]]
    after = compute.assess(ts, weaker, cs, thresholds=limits)
    assert after.score >= before.score


@given(threats, some, maybe_none, thresholds(), thresholds())
def test_the_imminent_flag_wins_whatever_the_thresholds(ts, vs, cs, a, b):
    assert compute.assess(ts, vs, cs, thresholds=a, imminent=True).level == "critical"
    assert compute.assess(ts, vs, cs, thresholds=b, imminent=True).level == "critical"
