"""API for risk, mounted at /api/v1/risk/.

Assessments, findings and the dashboard are for case staff, scoped like the pages: a case
outside the caller's compartments answers 404, exactly like a missing one. The analysis
endpoint is the analyst's: coded counts by place and sector, never an identity. The role is
checked before the body is read, so a refused role gets 403 even for a malformed request."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop
from ninja import Router, Status
from ninja.errors import HttpError

from aegis.api_auth import RoleAuth
from aegis.api_schemas import ErrorOut, RecordId
from aegis.cases import selectors as case_selectors
from aegis.cases.models import Case
from aegis.incidents import selectors as incident_selectors
from aegis.vault.selectors import open_records

from . import configuration, describe, overview, selectors, services
from .models import Assessment
from .patterns import Finding
from .schemas import (
    AnalysisOut,
    AssessmentIn,
    AssessmentOut,
    AssessmentSummaryOut,
    ChecklistItemOut,
    DashboardOut,
    FindingOut,
)

NOT_FOUND = gettext_noop("Not found.")


router = Router(tags=["risk"], auth=RoleAuth("view_cases"))


# --- Serialising (inside the key context: encrypted fields decrypt on read) ---------------


def _summary(assessment: Assessment) -> dict[str, Any]:
    return {
        "case": assessment.case.reference,
        "number": assessment.number,
        "assessed_on": assessment.assessed_on,
        "level": assessment.level,
        "level_by_numbers": assessment.level_by_numbers,
        "imminent": assessment.imminent,
        "score": float(assessment.score),
        "threat_score": float(assessment.threat_score),
        "vulnerability_score": float(assessment.vulnerability_score),
        "capacity_score": float(assessment.capacity_score),
        "acceptable_level": assessment.acceptable_level,
        "next_review_on": assessment.next_review_on,
    }


def _findings(
    user: Any, findings: list[Finding], subjects: dict[Any, selectors.Subject] | None = None
) -> list[dict[str, Any]]:
    """`subjects`: the findings' people and cases where the caller has looked them up."""
    if subjects is None:
        subjects = selectors.finding_subjects(user, findings)
    rows = []
    for f in findings:
        subject = subjects.get((f.kind, f.person_id or f.case_id))
        rows.append(
            {
                "kind": f.kind,
                "count": f.count,
                "first_date": f.first_date,
                "last_date": f.last_date,
                "window_days": f.window_days,
                "since": f.since or f.first_date,
                "country": f.country,
                "region": f.region,
                "sector": f.sector,
                "subject": subject.label if subject else None,
                "case": subject.case_reference if subject else None,
                "text": describe.finding_text(f, subject.label if subject else None),
            }
        )
    return rows


def _full(user: Any, case: Case, assessment: Assessment) -> dict[str, Any]:
    threats, ratings = assessment.threats.all(), assessment.ratings.all()
    responses = assessment.responses.all()
    open_records([assessment], threats, ratings, responses)  # prefetched by assessment_for
    current = selectors.is_current(assessment)
    review = selectors.review_status(user, assessment) if current else None
    return {
        **_summary(assessment),
        "assessed_by": assessment.assessed_by.get_username() if assessment.assessed_by else None,
        "summary": assessment.summary or "",
        "current": current,
        "threats": [
            {
                "title": t.title or "",
                "facts": t.facts or "",
                "pattern": t.pattern or "",
                "objective": t.objective or "",
                "perpetrator_type": t.perpetrator_type,
                "perpetrator_identity": t.perpetrator_identity or "",
                "feasibility": t.feasibility or "",
                "likelihood": t.likelihood,
                "impact": t.impact,
                "incidents": sorted(i.reference for i in t.incidents.all()),
            }
            for t in threats
        ],
        "ratings": [
            {
                "item_id": r.item_id,
                "label": r.item.label,
                "kind": r.kind,
                "category": r.item.category,
                "rating": r.rating,
                "note": r.note or "",
            }
            for r in ratings
        ],
        "responses": [
            {
                "strategy": r.strategy,
                "measure": r.measure or "",
                "owner": r.owner.get_username() if r.owner else None,
                "due_on": r.due_on,
            }
            for r in responses
        ],
        "review": None
        if review is None
        else {
            "due": review.due,
            "date_passed": review.date_passed,
            "new_incidents": [i.reference for i in review.new_incidents],
        },
        "findings": _findings(user, selectors.findings_for_case(user, case)),
    }


def _due(assessment: Any) -> dict[str, Any]:
    case = assessment.case
    return {
        **_summary(assessment),
        "subject": case.person.pseudonym if case.person else case.reference,
        "new_incident": assessment.new_incident,
    }


def _case(request: HttpRequest, reference: str) -> Case:
    case = case_selectors.case_for(request.user, reference)
    if case is None:
        raise HttpError(404, NOT_FOUND)
    return case


def _inputs(request: HttpRequest, case: Case, payload: AssessmentIn) -> dict[str, Any]:
    """Incident references and owner usernames to records; unknown ones are refused."""
    threats = []
    for threat in payload.threats:
        incidents = []
        for reference in threat.incidents:
            incident = incident_selectors.incident_for(request.user, reference)
            if incident is None:
                raise HttpError(
                    404,
                    gettext("There is no incident %(reference)s.") % {"reference": reference[:40]},
                )
            incidents.append(incident)
        threats.append(
            services.ThreatInput(**threat.model_dump(exclude={"incidents"}), incidents=incidents)
        )
    owners = {u.get_username(): u for u in selectors.owner_choices(case)}
    responses = []
    for response in payload.responses:
        if response.owner is not None and response.owner not in owners:
            raise HttpError(
                404, gettext_noop("The owner must be a member of the case's compartment.")
            )
        responses.append(
            services.ResponseInput(
                strategy=response.strategy,
                measure=response.measure,
                owner=owners.get(response.owner) if response.owner else None,
                due_on=response.due_on,
            )
        )
    return {
        "threats": threats,
        "ratings": [services.RatingInput(r.item_id, r.rating, r.note) for r in payload.ratings],
        "responses": responses,
        "imminent": payload.imminent,
        "acceptable_level": payload.acceptable_level,
        "summary": payload.summary,
    }


# --- Endpoints ----------------------------------------------------------------------------


@router.get("/checklist", response=list[ChecklistItemOut], summary="The checklist in use")
def risk_checklist(request: HttpRequest) -> Any:
    return [
        {
            "id": i.pk,
            "kind": i.kind,
            "category": i.category,
            "amplifier": i.amplifier,
            "label": i.label,
        }
        for i in configuration.checklist()
    ]


@router.get(
    "/cases/{reference}/assessments",
    response={200: list[AssessmentSummaryOut], 404: ErrorOut},
    summary="A case's assessments, newest first",
)
def list_risk_assessments(request: HttpRequest, reference: str) -> Any:
    case = _case(request, reference)
    return [
        _summary(a) for a in selectors.assessments_of(request.user, case).select_related("case")
    ]


@router.post(
    "/cases/{reference}/assessments",
    response={201: AssessmentOut, 400: ErrorOut, 404: ErrorOut},
    summary="Assess a case's risk anew",
)
def create_risk_assessment(request: HttpRequest, reference: str, payload: AssessmentIn) -> Any:
    case = _case(request, reference)
    inputs = _inputs(request, case, payload)
    created = services.create_assessment(case, actor=request.user, **inputs)
    assessment = selectors.assessment_for(request.user, case, created.number)
    assert assessment is not None
    return Status(201, _full(request.user, case, assessment))


@router.get(
    "/cases/{reference}/assessments/{number}",
    response={200: AssessmentOut, 404: ErrorOut},
    summary="Read an assessment",
)
def get_risk_assessment(request: HttpRequest, reference: str, number: RecordId) -> Any:
    case = _case(request, reference)
    assessment = selectors.assessment_for(request.user, case, number)
    if assessment is None:
        raise HttpError(404, NOT_FOUND)
    return _full(request.user, case, assessment)


@router.get("/findings", response=list[FindingOut], summary="Open pattern findings")
def list_risk_findings(request: HttpRequest) -> Any:
    return _findings(request.user, selectors.findings_for(request.user))


@router.get("/dashboard", response=DashboardOut, summary="Levels, reviews due, rises, findings")
def risk_dashboard(request: HttpRequest) -> Any:
    data = overview.dashboard(request.user)
    return {
        "counts": data.counts,
        "unassessed": data.unassessed,
        "due": [_due(a) for a in data.overdue],
        "rose": [_due(a) for a in data.rose],
        "findings": _findings(request.user, data.findings, data.subjects),
    }


@router.get(
    "/analysis",
    response=AnalysisOut,
    auth=RoleAuth("view_analytics"),
    summary="Counts of levels and findings by place and sector (no identities)",
)
def risk_analysis(request: HttpRequest) -> Any:
    data = overview.analysis()
    return {
        "window_days": data.window_days,
        "min_count": data.min_count,
        "since": data.since,
        "levels": [asdict(row) for row in data.levels],
        "findings": [asdict(row) for row in data.findings],
    }
