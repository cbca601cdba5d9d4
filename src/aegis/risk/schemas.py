"""Request and response shapes of the risk API (they appear in /api/v1/openapi.json)."""

from __future__ import annotations

import datetime
from typing import Annotated

from ninja import Field, Schema

from aegis.api_schemas import InputSchema, OneLine, RecordId
from aegis.incidents.vocabulary import PerpetratorType

from .checks import PERPETRATOR_IDENTITY_MAX, TEXT_MAX, TITLE_MAX
from .compute import HIGHEST, LOWEST
from .services import MAX_RESPONSES, MAX_THREATS
from .vocabulary import Level, Strategy

# A rating as the service takes it: a whole number on the scale.
Rating = Annotated[int, Field(ge=LOWEST, le=HIGHEST)]


class ThreatIn(InputSchema):
    title: OneLine = Field(min_length=1, max_length=TITLE_MAX)
    likelihood: Rating = Field(description="1 (unlikely) to 5 (almost certain)")
    impact: Rating = Field(description="1 (slight) to 5 (devastating)")
    facts: str = Field("", max_length=TEXT_MAX)
    pattern: str = Field("", max_length=TEXT_MAX)
    objective: str = Field("", max_length=TEXT_MAX)
    perpetrator_type: PerpetratorType = PerpetratorType.UNKNOWN
    perpetrator_identity: str = Field("", max_length=PERPETRATOR_IDENTITY_MAX)
    feasibility: str = Field("", max_length=TEXT_MAX)
    incidents: list[str] = Field(default_factory=list, description="Incident references")


class RatingIn(InputSchema):
    item_id: RecordId = Field(description="A checklist item (see /checklist)")
    rating: Rating = Field(description="1 to 5")
    note: str = Field("", max_length=TEXT_MAX)


class ResponseIn(InputSchema):
    strategy: Strategy
    measure: str = Field("", max_length=TEXT_MAX)
    owner: str | None = Field(None, description="Username of a member of the compartment")
    due_on: datetime.date | None = None


class AssessmentIn(InputSchema):
    threats: list[ThreatIn] = Field(min_length=1, max_length=MAX_THREATS)
    ratings: list[RatingIn] = Field(min_length=1)
    responses: list[ResponseIn] = Field(default_factory=list, max_length=MAX_RESPONSES)
    imminent: bool = False
    acceptable_level: Level = Level.LOW
    summary: str = Field("", max_length=TEXT_MAX)


class AssessmentSummaryOut(Schema):
    case: str
    number: int
    assessed_on: datetime.date
    level: str
    level_by_numbers: str
    imminent: bool
    score: float
    threat_score: float
    vulnerability_score: float
    capacity_score: float
    acceptable_level: str
    next_review_on: datetime.date


class ThreatOut(Schema):
    title: str
    facts: str
    pattern: str
    objective: str
    perpetrator_type: str
    perpetrator_identity: str
    feasibility: str
    likelihood: int
    impact: int
    incidents: list[str]


class RatingOut(Schema):
    item_id: int
    label: str
    kind: str
    category: str
    rating: int
    note: str


class ResponseOut(Schema):
    strategy: str
    measure: str
    owner: str | None
    due_on: datetime.date | None


class ReviewOut(Schema):
    due: bool
    date_passed: bool
    new_incidents: list[str]


class FindingOut(Schema):
    kind: str
    count: int
    first_date: datetime.date = Field(
        description="The first day of the month of the finding's first incident: the days "
        "are sealed, so findings are counted by month."
    )
    last_date: datetime.date = Field(description="The first day of the month of its last.")
    window_days: int
    since: datetime.date = Field(
        description="Where the window starts: the first day of the month its first day is in."
    )
    country: str
    region: str
    sector: str
    subject: str | None
    case: str | None
    text: str


class AssessmentOut(AssessmentSummaryOut):
    assessed_by: str | None
    summary: str
    current: bool
    threats: list[ThreatOut]
    ratings: list[RatingOut]
    responses: list[ResponseOut]
    review: ReviewOut | None
    findings: list[FindingOut]


class ChecklistItemOut(Schema):
    id: int
    kind: str
    category: str
    amplifier: str
    label: str


class DueOut(AssessmentSummaryOut):
    subject: str
    new_incident: bool


class DashboardOut(Schema):
    counts: dict[str, int]
    unassessed: int
    due: list[DueOut]
    rose: list[DueOut]
    findings: list[FindingOut]


class LevelRowOut(Schema):
    country: str
    region: str
    sector: str
    counts: dict[str, int]


class FindingRowOut(Schema):
    kind: str
    country: str
    region: str
    sector: str
    findings: int
    incidents: int


class AnalysisOut(Schema):
    window_days: int
    min_count: int
    since: datetime.date = Field(
        description="Where the window of findings starts: the first day of the month its "
        "first day is in (the days are sealed, so findings are counted by month)."
    )
    levels: list[LevelRowOut]
    findings: list[FindingRowOut]
