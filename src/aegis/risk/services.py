"""Writes and rules for risk assessments. Every input is checked and the result computed
before anything is written, in one transaction: a broken rule (RuleError, with a message
for the person who typed the data) leaves nothing stored. Settings and the checklist are in
configuration.py."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock
from aegis.audit import services as audit
from aegis.cases import selectors as case_selectors
from aegis.cases.models import Case
from aegis.incidents import selectors as incident_selectors
from aegis.incidents.vocabulary import PerpetratorType
from aegis.rules import NotFound, RuleError, within_years

from . import compute, level_counts, selectors
from .checks import PERPETRATOR_IDENTITY_MAX, TEXT_MAX, TITLE_MAX, choice, rating, text
from .configuration import checklist, risk_settings
from .models import Assessment, ChecklistItem, Rating, Response, Threat
from .signals import level_raised
from .vocabulary import LEVEL_RANK, ChecklistKind, Level, Strategy

MAX_THREATS = 20
MAX_RESPONSES = 30


@dataclass(frozen=True)
class ThreatInput:
    title: str
    likelihood: int | None
    impact: int | None
    facts: str = ""
    pattern: str = ""
    objective: str = ""
    perpetrator_type: str = PerpetratorType.UNKNOWN
    perpetrator_identity: str = ""
    feasibility: str = ""
    incidents: Sequence[Any] = ()


@dataclass(frozen=True)
class RatingInput:
    item_id: int
    rating: int | None
    note: str = ""


@dataclass(frozen=True)
class ResponseInput:
    strategy: str
    measure: str = ""
    owner: Any = None
    due_on: datetime.date | None = None


# --- Assessments --------------------------------------------------------------------------


THREAT_LABELS = {
    "title": gettext_lazy("title"),
    "facts": gettext_lazy("the facts"),
    "pattern": gettext_lazy("the pattern over time"),
    "objective": gettext_lazy("the objective"),
    "perpetrator_identity": gettext_lazy("who is behind it"),
    "feasibility": gettext_lazy("whether it can be carried out"),
    "likelihood": gettext_lazy("likelihood"),
    "impact": gettext_lazy("impact"),
}


def _check_threat(case: Case, actor: Any, threat: ThreatInput, row: int) -> dict[str, Any]:
    label = _("Threat %(n)s") % {"n": row + 1}

    def named(name: str) -> str:
        return f"{label}, {THREAT_LABELS[name]}"

    def field_text(name: str, limit: int = TEXT_MAX, line: bool = False) -> str:
        return text(getattr(threat, name), name, named(name), limit=limit, line=line, row=row)

    title = field_text("title", TITLE_MAX, line=True)
    if not title:
        raise RuleError(
            _("%(label)s: give the threat a short title.") % {"label": label}, "title", row
        )
    visible = incident_selectors.visible_incidents(actor).filter(compartment_id=case.compartment_id)
    incidents = list(threat.incidents)
    allowed = set(visible.filter(pk__in=[i.pk for i in incidents]).values_list("pk", flat=True))
    if any(i.pk not in allowed for i in incidents):
        raise RuleError(
            _("%(label)s: link only incidents of this case's compartment.") % {"label": label},
            "incidents",
            row,
        )
    return {
        "title": title,
        "facts": field_text("facts"),
        "pattern": field_text("pattern"),
        "objective": field_text("objective"),
        "perpetrator_type": choice(
            threat.perpetrator_type, PerpetratorType, "perpetrator_type", label, row
        ),
        "perpetrator_identity": field_text("perpetrator_identity", PERPETRATOR_IDENTITY_MAX),
        "feasibility": field_text("feasibility"),
        "likelihood": rating(threat.likelihood, "likelihood", named("likelihood"), row),
        "impact": rating(threat.impact, "impact", named("impact"), row),
        "incidents": incidents,
    }


def _check_ratings(ratings: Sequence[RatingInput]) -> list[tuple[ChecklistItem, int, str]]:
    items = {item.pk: item for item in checklist()}
    checked, seen = [], set()
    for entry in ratings:
        item = items.get(entry.item_id)
        field = f"rating_{entry.item_id}"
        if item is None:
            raise NotFound(_("This checklist item does not exist or is retired."), field)
        if entry.item_id in seen:
            raise RuleError(_("A checklist item is rated twice."), field)
        seen.add(entry.item_id)
        label = str(item.label)
        value = rating(entry.rating, field, label)
        note = text(entry.note, f"note_{entry.item_id}", label, limit=TEXT_MAX)
        checked.append((item, value, note))
    return checked


def _check_response(case: Case, response: ResponseInput, row: int) -> dict[str, Any]:
    label = _("Response %(n)s") % {"n": row + 1}
    strategy = choice(response.strategy, Strategy, "strategy", label, row)
    measure = text(response.measure, "measure", label, limit=TEXT_MAX, row=row)
    if not measure and strategy != Strategy.ACCEPT:
        raise RuleError(_("%(label)s: describe the measure.") % {"label": label}, "measure", row)
    owner = response.owner
    if owner is not None and not case_selectors.member_of(owner, case.compartment_id):
        raise RuleError(
            _("%(label)s: the owner must be a member of the case's compartment.")
            % {"label": label},
            "owner",
            row,
        )
    due_on = response.due_on
    if due_on is not None and (
        not isinstance(due_on, datetime.date) or isinstance(due_on, datetime.datetime)
    ):
        raise RuleError(
            _("%(label)s: the due date is not a date.") % {"label": label}, "due_on", row
        )
    if due_on is not None and due_on < clock.today():
        raise RuleError(
            _("%(label)s: the due date has already passed.") % {"label": label}, "due_on", row
        )
    within_years(due_on, "due_on", label, back=0, ahead=10, row=row)  # 9999-12-31 was taken
    return {"strategy": strategy, "measure": measure, "owner": owner, "due_on": due_on}


def create_assessment(
    case: Case,
    *,
    actor: Any,
    threats: Sequence[ThreatInput],
    ratings: Sequence[RatingInput],
    responses: Sequence[ResponseInput] = (),
    imminent: bool = False,
    acceptable_level: str = Level.LOW,
    summary: str = "",
) -> Assessment:
    """A new reading of the risk for the case's subject: every input is checked and the
    result computed before anything is written; earlier assessments stay as they were."""
    if len(threats) > MAX_THREATS:
        raise RuleError(_("At most %(n)s threats in one assessment.") % {"n": MAX_THREATS})
    if len(responses) > MAX_RESPONSES:
        raise RuleError(_("At most %(n)s responses in one assessment.") % {"n": MAX_RESPONSES})
    checked_threats = [_check_threat(case, actor, t, row) for row, t in enumerate(threats)]
    checked_ratings = _check_ratings(ratings)
    checked_responses = [_check_response(case, r, row) for row, r in enumerate(responses)]
    acceptable = choice(acceptable_level, Level, "acceptable_level", _("Acceptable risk"))
    summary = text(summary, "summary", _("The summary"), limit=TEXT_MAX)
    settings = risk_settings()
    result = compute.assess(
        [compute.ThreatRating(t["likelihood"], t["impact"]) for t in checked_threats],
        [r for item, r, _n in checked_ratings if item.kind == ChecklistKind.VULNERABILITY],
        [r for item, r, _n in checked_ratings if item.kind == ChecklistKind.CAPACITY],
        thresholds=selectors.thresholds(settings),
        imminent=imminent,
    )
    assessed_on = clock.today()
    with transaction.atomic():
        # The case row is the lock: two assessments at once must not take the same number.
        Case.objects.select_for_update().filter(pk=case.pk).first()
        counted = level_counts.stored_cell(case.pk)
        previous = (
            Assessment.objects.filter(case=case).order_by("-number").only("number", "level").first()
        )
        number = (previous.number if previous is not None else 0) + 1
        # The review state is the current assessment's; the one superseded keeps none.
        Assessment.objects.filter(case=case, is_current=True).update(
            is_current=False, new_incident=False
        )
        assessment = Assessment.objects.create(
            is_current=True,
            rank=LEVEL_RANK[result.level],
            previous_level=previous.level if previous is not None else "",
            case=case,
            compartment_id=case.compartment_id,
            data_key_id=case.data_key_id,
            number=number,
            assessed_on=assessed_on,
            assessed_by=actor,
            summary=summary,
            imminent=result.imminent,
            threat_score=compute.rounded(result.threat),
            vulnerability_score=compute.rounded(result.vulnerability),
            capacity_score=compute.rounded(result.capacity),
            score=compute.rounded(result.score),
            level=result.level,
            level_by_numbers=result.level_by_numbers,
            acceptable_level=acceptable,
            next_review_on=compute.review_date(result.level, assessed_on, settings.review_days),
        )
        _write_parts(assessment, checked_threats, checked_ratings, checked_responses)
        level_counts.move(counted, level_counts.stored_cell(case.pk))
        audit.record(
            "record.create",
            actor_id=actor.pk,
            object_type="risk_assessment",
            object_id=f"{case.reference}/{number}",
        )
        previous_level = previous.level if previous is not None else None
        if previous_level is None or LEVEL_RANK[result.level] > LEVEL_RANK.get(previous_level, -1):
            # Inside this transaction: an alert a rule raises is written with the assessment.
            level_raised.send(Assessment, assessment=assessment, previous_level=previous_level)
    return assessment


def note_incidents_changed(incident_ids: Sequence[int]) -> None:
    """Incidents were recorded, changed or linked: the current assessments of the cases and
    people they concern become due for review (one UPDATE, in the writer's transaction)."""
    if not incident_ids:
        return
    case_ids, person_ids = incident_selectors.cases_and_people_of(incident_ids)
    Assessment.objects.filter(is_current=True, new_incident=False).filter(
        Q(case_id__in=case_ids) | Q(case__person_id__in=person_ids)
    ).update(new_incident=True)


def refresh_review_state(case_ids: Sequence[int] | None = None) -> None:
    """Work out afresh, in set-based SQL, which assessment is each case's current one, its
    rank and whether a newer incident makes it due, and the level counts: for rows written
    in bulk (a migration, an import) rather than through create_assessment and the incident
    services."""
    assessments = Assessment.objects.all()
    if case_ids is not None:
        assessments = assessments.filter(case_id__in=list(case_ids))
    assessments.update(is_current=False, new_incident=False)
    assessments.filter(pk=selectors.latest()).update(is_current=True)
    assessments.update(previous_level=Coalesce(selectors.previous_level(), Value("")))
    due = assessments.filter(is_current=True).filter(
        selectors.newer_incident(incident_selectors.all_incidents())
    )
    Assessment.objects.filter(pk__in=due.values("pk")).update(new_incident=True)
    for level, value in LEVEL_RANK.items():
        assessments.filter(level=level).exclude(rank=value).update(rank=value)
    level_counts.refresh_level_counts()


def _write_parts(
    assessment: Assessment,
    threats: list[dict[str, Any]],
    ratings: list[tuple[ChecklistItem, int, str]],
    responses: list[dict[str, Any]],
) -> None:
    key = assessment.data_key_id
    for position, values in enumerate(threats):
        incidents = values.pop("incidents")
        threat = Threat.objects.create(
            assessment=assessment, data_key_id=key, position=position, **values
        )
        threat.incidents.set(incidents)
    for item, value, note in ratings:
        Rating.objects.create(
            assessment=assessment,
            item=item,
            kind=item.kind,
            data_key_id=key,
            rating=value,
            note=note,
        )
    for values in responses:
        Response.objects.create(assessment=assessment, data_key_id=key, **values)
