"""The risk overviews: the caseworkers' dashboard (scoped to their compartments) and the
analyst's counts by place and sector (organisation-wide, every identity dropped)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator

from aegis import clock
from aegis.paging import capped_count

from . import selectors
from .models import ROSE, Assessment
from .patterns import Finding, window_start
from .vocabulary import Level

PAGE_SIZE = 25
RECENT_DAYS = 30  # a level that rose in an assessment made within these days "rose recently"


# --- Dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    counts: dict[str, int]
    page: Page
    overdue: list[Assessment]
    overdue_count: int
    overdue_more: bool  # more than overdue_count (the count stops at paging.COUNT_CAP)
    rose: list[Assessment]
    findings: list[Finding]
    findings_count: int
    subjects: dict[tuple[str, int | None], selectors.Subject]
    unassessed: int


def dashboard(user: Any, page_number: Any = None, *, level: str = "") -> Dashboard:
    today = clock.today()
    current = selectors.current_assessments(user)
    counted = selectors.level_counts(user)
    counts = {value: counted.get(value, 0) for value in Level.values}
    listed = current.filter(level=level) if level else current
    ranked = listed.order_by("-rank", "next_review_on", "pk")
    paginator = Paginator(ranked, PAGE_SIZE)
    # The kept counts say how many there are: no count of every current assessment.
    paginator.count = counts[level] if level else sum(counts.values())
    page = paginator.get_page(page_number)
    overdue = current.filter(selectors.due(today)).order_by("next_review_on", "pk")
    # In the words of its index's condition (models.ROSE), so the index answers it.
    rose = current.filter(
        ROSE, assessed_on__gte=today - datetime.timedelta(days=RECENT_DAYS)
    ).order_by("-assessed_on", "pk")
    found = selectors.findings_for(user)
    findings = found[: selectors.LIST_CAP]  # those with the most incidents
    unassessed = counted.get("", 0)
    overdue_count, overdue_more = capped_count(overdue)
    return Dashboard(
        counts=counts,
        page=page,
        overdue=list(overdue[: selectors.LIST_CAP]),
        overdue_count=overdue_count,
        overdue_more=overdue_more,
        rose=list(rose[: selectors.LIST_CAP]),
        findings=findings,
        findings_count=len(found),
        subjects=selectors.finding_subjects(user, findings),
        unassessed=unassessed,
    )


# --- Analysis (coded counts only) ---------------------------------------------------------


@dataclass(frozen=True)
class LevelRow:
    country: str
    region: str
    sector: str
    counts: dict[str, int]


@dataclass(frozen=True)
class FindingRow:
    kind: str
    country: str
    region: str
    sector: str
    findings: int
    incidents: int


@dataclass(frozen=True)
class Analysis:
    levels: list[LevelRow]
    findings: list[FindingRow]
    window_days: int
    min_count: int
    since: datetime.date  # where the window starts: it is read in whole months


def analysis() -> Analysis:
    """Current levels and open findings over the whole organisation, by country, region and
    sector: counts, with every identity dropped."""
    levels: dict[tuple[str, str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(Level.values, 0)
    )
    for country, region, sector, level, n in selectors.levels_by_place():
        levels[(country, region, sector)][level] += n
    grouped: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for finding in selectors.findings_of_everyone():
        key = (finding.kind, finding.country, finding.region, finding.sector)
        grouped[key][0] += 1
        grouped[key][1] += finding.count
    settings = selectors.current_settings()
    return Analysis(
        levels=[LevelRow(*place, counts) for place, counts in sorted(levels.items())],
        findings=[
            FindingRow(*key, findings, incidents)
            for key, (findings, incidents) in sorted(grouped.items(), key=lambda i: -i[1][1])
        ],
        window_days=settings.pattern_window_days,
        min_count=settings.pattern_min_count,
        since=window_start(clock.today(), settings.pattern_window_days),
    )
