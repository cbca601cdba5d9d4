"""Reads for risk. Assessments are scoped to the reader's compartments: for anyone else they
do not exist (the same answer as a missing one). The analyst's reads return coded counts
only, never a record id, name or narrative.

"Due for review" is computed here, never stored: the current (latest) assessment of a case
is due when its next review date has come (clock.today()), or when an incident linked to the
case or to its person was recorded, or newly linked or otherwise changed, after the
assessment was (both times are the recording times the database keeps)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from aegis import clock
from aegis.cases import selectors as case_selectors
from aegis.cases.models import Case
from aegis.incidents import selectors as incident_selectors
from aegis.incidents.models import Incident
from aegis.paging import in_slices
from aegis.vault.selectors import opened

from . import compute, findings_snapshots, patterns
from .models import Assessment, ChecklistItem, LevelCount, RiskSettings, level_rank
from .patterns import Finding
from .vocabulary import LEVEL_RANK, ChecklistKind, FindingKind

LIST_CAP = 50
INCIDENT_CHOICES_CAP = 200


# --- Settings and checklist ---------------------------------------------------------------


def current_settings() -> RiskSettings:
    """The saved settings, or the defaults (unsaved) before anyone changed them."""
    return RiskSettings.objects.filter(pk=1).first() or RiskSettings(pk=1)


def thresholds(settings: RiskSettings) -> compute.Thresholds:
    return compute.Thresholds.of(settings.moderate_from, settings.high_from, settings.critical_from)


def checklist_items() -> QuerySet[ChecklistItem]:
    return ChecklistItem.objects.all()


def checklist_item(item_id: int) -> ChecklistItem | None:
    return ChecklistItem.objects.filter(pk=item_id).first()


# --- Assessments --------------------------------------------------------------------------


def visible_assessments(user: Any) -> QuerySet[Assessment]:
    return case_selectors.visible(Assessment, user)


def assessments_of(user: Any, case: Case) -> QuerySet[Assessment]:
    return visible_assessments(user).filter(case=case).order_by("-number")


def assessment_for(user: Any, case: Case, number: int) -> Assessment | None:
    return (
        visible_assessments(user)
        .filter(case=case, number=number)
        .select_related("case", "case__person", "assessed_by")
        .prefetch_related("threats__incidents", "ratings__item", "responses__owner")
        .first()
    )


def previous_of(assessment: Assessment) -> Assessment | None:
    return (
        Assessment.objects.filter(case_id=assessment.case_id, number__lt=assessment.number)
        .order_by("-number")
        .first()
    )


def latest() -> Subquery:
    return Subquery(
        Assessment.objects.filter(case=OuterRef("case")).order_by("-number").values("pk")[:1]
    )


def newer_incident(incidents: QuerySet[Incident]) -> Q:
    """Whether an incident linked to the outer assessment's case or person was recorded or
    changed after it (linking a case or a victim touches the incident, so a newly linked one
    counts). Three EXISTS, one per link, each answered by its own index: one EXISTS with an
    OR across the three joins made the database join every incident for every assessment."""
    newer = incidents.filter(updated_at__gt=OuterRef("created_at"))
    return (
        Q(Exists(newer.filter(cases=OuterRef("case"))))
        | Q(Exists(newer.filter(cases__person=OuterRef("case__person"))))
        | Q(Exists(newer.filter(acts__victims__person=OuterRef("case__person"))))
    )


def previous_level() -> Subquery:
    """The level of the assessment before the outer one (of the same case)."""
    previous = Assessment.objects.filter(case=OuterRef("case"), number__lt=OuterRef("number"))
    return Subquery(previous.order_by("-number").values("level")[:1])


def current_assessments(user: Any) -> QuerySet[Assessment]:
    """The latest assessment of every case the user may see. Rank, the previous level and
    whether a newer incident makes it due are kept on the row (see services), so none of
    them costs a subquery per assessment."""
    return (
        Assessment.objects.filter(
            compartment_id__in=case_selectors.compartment_ids(user), is_current=True
        )
        .annotate(previous_rank=level_rank("previous_level"))
        .select_related("case", "case__person")
    )


def level_counts(user: Any) -> dict[str, int]:
    """Cases in the user's compartments by the level of their current assessment, and ("")
    the open ones not yet assessed: a sum over the kept counts (models.LevelCount), a few
    rows per compartment, not a count of every case."""
    rows = (
        LevelCount.objects.filter(
            compartment_id__in=case_selectors.compartment_ids(user), cases__gt=0
        )
        .values_list("level")
        .annotate(n=Sum("cases"))
        .order_by()
    )
    return dict(rows)


def levels_by_place() -> list[tuple[str, str, str, str, int]]:
    """(country, region, sector, level, cases) over the whole organisation, from the kept
    counts: coded values only."""
    return list(
        LevelCount.objects.filter(cases__gt=0)
        .exclude(level="")
        .values_list("country", "region", "sector", "level")
        .annotate(n=Sum("cases"))
        .order_by()
    )


def reviews_due(user: Any, today: datetime.date) -> QuerySet[Assessment]:
    """Latest assessments whose review date has come: the work queue's count (dates only;
    the risk dashboard also counts assessments a newer incident made due)."""
    return visible_assessments(user).filter(is_current=True, next_review_on__lte=today)


def due(today: datetime.date) -> Q:
    """Due for review: the date has come, or a newer incident concerns the case."""
    return Q(next_review_on__lte=today) | Q(new_incident=True)


def is_current(assessment: Assessment) -> bool:
    return not Assessment.objects.filter(
        case_id=assessment.case_id, number__gt=assessment.number
    ).exists()


@dataclass(frozen=True)
class ReviewStatus:
    due: bool
    date_passed: bool
    new_incidents: list[Incident]


def review_status(user: Any, assessment: Assessment) -> ReviewStatus:
    today = clock.today()
    date_passed = assessment.next_review_on <= today
    case = assessment.case
    linked = Q(cases=case)
    if case.person_id is not None:
        linked |= Q(cases__person_id=case.person_id) | Q(acts__victims__person_id=case.person_id)
    newer = (
        incident_selectors.visible_incidents(user)
        .filter(linked, updated_at__gt=assessment.created_at)
        .distinct()
        .order_by("-updated_at")
    )
    new_incidents = list(newer[:LIST_CAP])
    return ReviewStatus(bool(date_passed or new_incidents), date_passed, new_incidents)


def owner_choices(case: Case) -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(pk__in=case.compartment.members.values("user_id"), is_active=True)
        .order_by("username")
    )


def incident_choices(user: Any, case: Case) -> list[Incident]:
    """Incidents a threat may rest on: visible, in the case's compartment, newest first, keys
    opened (the choices show their titles). The newest months are read; their days, sealed,
    are sorted here once opened."""
    found = opened(
        incident_selectors.visible_incidents(user)
        .filter(compartment_id=case.compartment_id)
        .order_by("-month_start", "-pk")[:INCIDENT_CHOICES_CAP]
    )
    return sorted(found, key=lambda incident: (incident.date_start, incident.pk), reverse=True)


# --- Comparison ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    before: Any
    after: Any

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class Comparison:
    earlier: Assessment
    later: Assessment
    parts: list[Change]
    vulnerabilities: list[Change]
    capacities: list[Change]

    @property
    def direction(self) -> int:
        """1 if the level rose, -1 if it fell, 0 if it stayed."""
        before, after = LEVEL_RANK[self.earlier.level], LEVEL_RANK[self.later.level]
        return (after > before) - (after < before)


def compare(earlier: Assessment, later: Assessment) -> Comparison:
    parts = [
        Change(name, getattr(earlier, name), getattr(later, name))
        for name in ("level", "score", "threat_score", "vulnerability_score", "capacity_score")
    ] + [Change("imminent", earlier.imminent, later.imminent)]
    before = {r.item_id: r for r in earlier.ratings.select_related("item")}
    after = {r.item_id: r for r in later.ratings.select_related("item")}
    rows: dict[str, list[Change]] = {kind: [] for kind in ChecklistKind.values}
    for item_id in sorted(set(before) | set(after)):
        rating = after.get(item_id) or before[item_id]
        rows[rating.kind].append(
            Change(
                rating.item.label,
                before[item_id].rating if item_id in before else None,
                after[item_id].rating if item_id in after else None,
            )
        )
    return Comparison(
        earlier,
        later,
        parts,
        rows[ChecklistKind.VULNERABILITY],
        rows[ChecklistKind.CAPACITY],
    )


# --- Findings -----------------------------------------------------------------------------


def find(incidents: QuerySet[Incident]) -> list[Finding]:
    settings = current_settings()
    return patterns.find_patterns(
        incidents,
        today=clock.today(),
        window_days=settings.pattern_window_days,
        min_count=settings.pattern_min_count,
    )


def _kept(scope: str, incidents: QuerySet[Incident]) -> list[Finding]:
    settings = current_settings()
    return findings_snapshots.findings(
        scope,
        day=clock.today(),
        window_days=settings.pattern_window_days,
        min_count=settings.pattern_min_count,
        compute=lambda: patterns.find_patterns(
            incidents,
            today=clock.today(),
            window_days=settings.pattern_window_days,
            min_count=settings.pattern_min_count,
        ),
    )


def findings_for(user: Any) -> list[Finding]:
    """Open findings: patterns among the incidents the user may see, in the current window
    (kept per set of compartments until an incident, case or person changes)."""
    ids = case_selectors.compartment_ids(user)
    incidents = incident_selectors.all_incidents().filter(compartment_id__in=ids)
    return _kept(findings_snapshots.scope_of(ids), incidents)


def findings_of_everyone() -> list[Finding]:
    """Open findings over every incident of the organisation (the analyst's counts)."""
    return _kept(findings_snapshots.EVERYONE, incident_selectors.all_incidents())


def findings_for_case(user: Any, case: Case) -> list[Finding]:
    return patterns.concerning(findings_for(user), case)


@dataclass(frozen=True)
class Subject:
    label: str
    case_reference: str | None


def finding_subjects(user: Any, findings: list[Finding]) -> dict[tuple[str, int | None], Subject]:
    """Who a person or organisation finding is about, for staff: pseudonym or reference."""
    person_ids = [f.person_id for f in findings if f.person_id is not None]
    case_ids = [f.case_id for f in findings if f.case_id is not None]
    subjects: dict[tuple[str, int | None], Subject] = {}
    cases = case_selectors.visible_cases(user)
    latest_case: dict[int, str] = {}
    for some in in_slices(person_ids, IN_SLICE):
        for person_id, reference in (
            cases.filter(person_id__in=some)
            .order_by("person_id", "-updated_at")
            .values_list("person_id", "reference")
        ):
            latest_case.setdefault(person_id, reference)  # the most recently updated one
        for person in case_selectors.visible_people(user).filter(pk__in=some):
            subjects[(FindingKind.PERSON, person.pk)] = Subject(
                person.pseudonym, latest_case.get(person.pk)
            )
    for some in in_slices(case_ids, IN_SLICE):
        for case in cases.filter(pk__in=some):
            subjects[(FindingKind.ORGANISATION, case.pk)] = Subject(case.reference, case.reference)
    return subjects


# Ids in one query (paging.in_slices): the API lists every open finding, uncapped.
IN_SLICE = 10_000


def current_levels_of_person(person_id: int) -> list[str]:
    """The levels of the latest assessments of the person's cases (codes, no key needed):
    what the alert worker reads to pick an escalation policy."""
    latest_ids = Assessment.objects.filter(case__person_id=person_id, is_current=True)
    return list(latest_ids.values_list("level", flat=True))
