"""The risk computation, pure: no database, no clock. After Protection International and
Front Line Defenders,

    risk = threats * vulnerabilities / capacities

with every rating on the scale 1 (least) to 5 (most):

- threat score T = the highest likelihood * impact over the assessment's threats, 1 to 25.
  The highest, not the mean: one serious threat is not made lighter by minor ones beside it,
  and adding a threat never lowers the risk.
- vulnerability score V = the mean rating of the vulnerabilities assessed, 1 to 5
  (5: very vulnerable).
- capacity score C = the mean rating of the capacities assessed, 1 to 5 (5: strong), never
  below CAPACITY_FLOOR. With no capacity assessed (zero capacities) C is the floor, 1: no
  capacity counts as the weakest capacity, never as a division by zero.

So risk R = T * V / C lies between 1 * 1 / 5 = 0.2 and 25 * 5 / 1 = 125. R grows with T and
V and falls as C grows. The level comes from thresholds set by the administrator (defaults
5, 20 and 50): R ≥ critical → critical, R ≥ high → high, R ≥ moderate → moderate, else low.
The imminent-attack flag makes the level critical whatever the numbers say.

Arithmetic is exact (fractions); the parts are rounded to two decimals only for storage and
display. A threat without both ratings, or no threat or no vulnerability at all, is a
missing rating: the caller gets MissingRatings and nothing is computed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from aegis.rules import RuleError

from .vocabulary import Level

LOWEST, HIGHEST = 1, 5
CAPACITY_FLOOR = Fraction(LOWEST)
MIN_SCORE = Fraction(LOWEST * LOWEST * LOWEST, HIGHEST)  # 0.2
MAX_SCORE = Fraction(HIGHEST * HIGHEST * HIGHEST, LOWEST)  # 125
TWO_PLACES = Decimal("0.01")


# Two kinds of a rating the computation cannot use, told apart by callers that only want to
# know whether the assessment is complete yet.
class MissingRatings(RuleError):
    """A rating or threat that is not given yet."""


class RatingOutOfRange(RuleError):
    """A rating that is not a whole number from 1 to 5."""


@dataclass(frozen=True)
class ThreatRating:
    likelihood: int | None
    impact: int | None


@dataclass(frozen=True)
class Thresholds:
    """The lowest risk of each level above low."""

    moderate: Fraction
    high: Fraction
    critical: Fraction

    def __post_init__(self) -> None:
        if not 0 < self.moderate < self.high < self.critical:
            raise ValueError("thresholds must rise: 0 < moderate < high < critical")

    @classmethod
    def of(cls, moderate: Any, high: Any, critical: Any) -> Thresholds:
        return cls(Fraction(moderate), Fraction(high), Fraction(critical))


DEFAULT_THRESHOLDS = Thresholds.of(5, 20, 50)


@dataclass(frozen=True)
class Result:
    threat: Fraction
    vulnerability: Fraction
    capacity: Fraction
    score: Fraction
    level_by_numbers: str
    imminent: bool

    @property
    def level(self) -> str:
        return Level.CRITICAL if self.imminent else self.level_by_numbers


def check_rating(value: Any, field: str | None = None) -> int:
    """A whole number from 1 to 5, or MissingRatings / RatingOutOfRange."""
    if value is None or value == "":
        raise MissingRatings(_("A rating is missing: rate it from 1 to 5."), field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RatingOutOfRange(_("A rating is a whole number from 1 to 5."), field)
    if not LOWEST <= value <= HIGHEST:
        raise RatingOutOfRange(
            _("A rating is from 1 to 5; %(value)s is outside the scale.") % {"value": value}, field
        )
    return value


def threat_score(threats: Iterable[ThreatRating]) -> Fraction:
    scores = [
        check_rating(t.likelihood, "likelihood") * check_rating(t.impact, "impact") for t in threats
    ]
    if not scores:
        raise MissingRatings(_("Add at least one threat, with its likelihood and impact."))
    return Fraction(max(scores))


def mean_rating(ratings: Iterable[int | None]) -> Fraction | None:
    checked = [check_rating(r) for r in ratings]
    return Fraction(sum(checked), len(checked)) if checked else None


def vulnerability_score(ratings: Iterable[int | None]) -> Fraction:
    mean = mean_rating(ratings)
    if mean is None:
        raise MissingRatings(_("Rate at least one vulnerability from 1 to 5."), "vulnerabilities")
    return mean


def capacity_score(ratings: Iterable[int | None]) -> Fraction:
    mean = mean_rating(ratings)
    return CAPACITY_FLOOR if mean is None else max(mean, CAPACITY_FLOOR)


def level_for(score: Fraction, thresholds: Thresholds) -> str:
    if score >= thresholds.critical:
        return Level.CRITICAL
    if score >= thresholds.high:
        return Level.HIGH
    if score >= thresholds.moderate:
        return Level.MODERATE
    return Level.LOW


def assess(
    threats: Iterable[ThreatRating],
    vulnerabilities: Iterable[int | None],
    capacities: Iterable[int | None],
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    imminent: bool = False,
) -> Result:
    t = threat_score(threats)
    v = vulnerability_score(vulnerabilities)
    c = capacity_score(capacities)
    score = t * v / c
    return Result(t, v, c, score, level_for(score, thresholds), bool(imminent))


def review_date(level: str, assessed_on: datetime.date, days: Mapping[str, int]) -> datetime.date:
    """The next review: `days[level]` after the assessment (fewer days for higher levels)."""
    return assessed_on + datetime.timedelta(days=days[level])


def rounded(value: Fraction) -> Decimal:
    """Two decimals, half up, for storage and display."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        TWO_PLACES, rounding=ROUND_HALF_UP
    )
