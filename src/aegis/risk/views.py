"""Thin views for risk assessments, the dashboard and the analyst's counts. An assessment or
case outside the reader's compartments answers exactly like a missing one (Http404)."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aegis import clock, places
from aegis.access import requires
from aegis.cases import selectors as case_selectors
from aegis.cases.models import Case
from aegis.notices import notices_for
from aegis.rules import RuleError
from aegis.text import whole_number

from . import configuration, describe, overview, patterns, selectors, services
from .forms import AssessmentForm, RatingsForm, ResponseForm, ThreatForm
from .models import Assessment
from .vocabulary import LEVEL_RANK, Level

MORE_THREATS = "more_threats"
MORE_RESPONSES = "more_responses"
THREAT_ROWS, RESPONSE_ROWS = 2, 2
ANALYSIS_ROWS = 50


def _case(request: HttpRequest, reference: str) -> Case:
    case = case_selectors.case_for(request.user, reference)
    if case is None:
        raise Http404
    return case


def _assessment(request: HttpRequest, case: Case, number: int) -> Assessment:
    assessment = selectors.assessment_for(request.user, case, number)
    if assessment is None:
        raise Http404
    return assessment


def finding_rows(findings: list[patterns.Finding], subjects: dict[Any, Any]) -> list[dict]:
    rows = []
    for finding in findings:
        subject = subjects.get((finding.kind, finding.person_id or finding.case_id))
        rows.append(
            {
                "finding": finding,
                "text": describe.finding_text(finding, subject.label if subject else None),
                "case_reference": subject.case_reference if subject else None,
            }
        )
    return rows


# --- Dashboard and analysis ---------------------------------------------------------------


@requires("view_cases")
@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level", "")
    level = level if level in Level.values else ""
    data = overview.dashboard(request.user, request.GET.get("page"), level=level)
    return render(
        request,
        "risk/dashboard.html",
        {
            "data": data,
            "page": data.page,
            "level": level,
            "level_label": Level(level).label if level else "",
            "rose": [(a, Level(a.previous_level).label) for a in data.rose],
            "levels": [(value, label, data.counts[value]) for value, label in Level.choices],
            "findings": finding_rows(data.findings, data.subjects),
            "today": clock.today(),
        },
    )


@requires("view_analytics")
@require_http_methods(["GET"])
def analysis(request: HttpRequest) -> HttpResponse:
    data = overview.analysis()
    # Each table shows its first ANALYSIS_ROWS rows unless "show all" asked for the whole
    # of that one: a large network has a row per region and sector.
    whole = request.GET.get("all", "")
    level_rows = data.levels if whole == "levels" else data.levels[:ANALYSIS_ROWS]
    finding_rows_ = data.findings if whole == "findings" else data.findings[:ANALYSIS_ROWS]
    levels = [
        {
            "place": places.place_label(row.country, row.region) or _("Place not known"),
            "sector": describe.sector_label(row.sector),
            "counts": [row.counts[level] for level in Level.values],
        }
        for row in level_rows
    ]
    findings = [
        {
            "kind": row.kind,
            "place": places.place_label(row.country, row.region) or _("Place not known"),
            "sector": describe.sector_label(row.sector) if row.sector else "—",
            "findings": row.findings,
            "incidents": row.incidents,
        }
        for row in finding_rows_
    ]
    return render(
        request,
        "risk/analysis.html",
        {
            "data": data,
            "levels": levels,
            "findings": findings,
            "level_labels": Level.labels,
            "more_levels": len(data.levels) - len(levels),
            "more_findings": len(data.findings) - len(findings),
        },
    )


# --- A case's assessments -----------------------------------------------------------------


@requires("view_cases")
@require_http_methods(["GET"])
def case_assessments(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    assessments = list(selectors.assessments_of(request.user, case))
    findings = selectors.findings_for_case(request.user, case)
    return render(
        request,
        "risk/case.html",
        {
            "case": case,
            "assessments": assessments,
            "review": selectors.review_status(request.user, assessments[0])
            if assessments
            else None,
            "findings": finding_rows(findings, selectors.finding_subjects(request.user, findings)),
        },
    )


@requires("view_cases")
@require_http_methods(["GET"])
def assessment_detail(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    case = _case(request, reference)
    assessment = _assessment(request, case, number)
    current = selectors.is_current(assessment)
    findings = selectors.findings_for_case(request.user, case)
    ratings = list(assessment.ratings.all())
    return render(
        request,
        "risk/detail.html",
        {
            "case": case,
            "assessment": assessment,
            "current": current,
            "previous": selectors.previous_of(assessment),
            "review": selectors.review_status(request.user, assessment) if current else None,
            "above_acceptable": LEVEL_RANK[assessment.level]
            > LEVEL_RANK[assessment.acceptable_level],
            "vulnerabilities": [r for r in ratings if r.kind == "vulnerability"],
            "capacities": [r for r in ratings if r.kind == "capacity"],
            "findings": finding_rows(findings, selectors.finding_subjects(request.user, findings)),
            "notices": notices_for(assessment, request.user),  # alerts it raised
        },
    )


@requires("view_cases")
@require_http_methods(["GET"])
def compare(request: HttpRequest, reference: str) -> HttpResponse:
    """The history of a case's assessments, and two of them side by side (by default the
    previous and the current one)."""
    case = _case(request, reference)
    history = list(selectors.assessments_of(request.user, case))
    by_number = {a.number: a for a in history}

    def chosen(name: str, default: Assessment | None) -> Assessment | None:
        number = whole_number(request.GET.get(name))
        return by_number.get(number) if number is not None else default

    later = chosen("later", history[0] if history else None)
    earlier = chosen("earlier", history[1] if len(history) > 1 else None)
    if earlier is not None and later is not None and earlier.number > later.number:
        earlier, later = later, earlier
    comparison = (
        selectors.compare(earlier, later)
        if earlier is not None and later is not None and earlier != later
        else None
    )
    return render(
        request,
        "risk/compare.html",
        {"case": case, "history": history, "comparison": comparison},
    )


# --- New assessment -----------------------------------------------------------------------


def _with_one_more(data: QueryDict, prefix: str) -> QueryDict:
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    total = whole_number(data.get(key, "0")) or 0
    data[key] = str(total + 1)
    return data


def _formset(form: type, data: Any, prefix: str, rows: int, limit: int, **kwargs: Any) -> Any:
    factory: Any = django_forms.formset_factory(
        form, extra=rows, max_num=limit, absolute_max=limit, validate_max=True
    )
    return factory(data, prefix=prefix, form_kwargs=kwargs)


def _attach(error: RuleError, parts: dict[str, Any]) -> None:
    """Show a service's refusal on the field (and row) it concerns."""
    field, row = error.field, error.row
    for name in ("threats", "responses"):
        rows = parts[name]
        if row is not None and row < len(rows) and field in rows[row].fields:
            rows[row].add_error(field, error.message)
            return
    for name in ("ratings", "form"):
        if field in parts[name].fields:
            parts[name].add_error(field, error.message)
            return
    parts["form"].add_error(None, error.message)


@requires("view_cases")
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    items = configuration.checklist()
    incidents = {str(i.pk): i for i in selectors.incident_choices(request.user, case)}
    owners = {str(u.pk): u for u in selectors.owner_choices(case)}
    data: Any = request.POST if request.method == "POST" else None
    adding = data is not None and (MORE_THREATS in data or MORE_RESPONSES in data)
    if data is not None and MORE_THREATS in data:
        data = _with_one_more(data, "threat")
    if data is not None and MORE_RESPONSES in data:
        data = _with_one_more(data, "response")
    form = AssessmentForm(data)
    threats = _formset(
        ThreatForm,
        data,
        "threat",
        THREAT_ROWS,
        services.MAX_THREATS,
        incidents=[
            (pk, f"{i.reference} · {i.date_start:%Y-%m-%d} · {i.title!s}")
            for pk, i in incidents.items()
        ],
    )
    responses = _formset(
        ResponseForm,
        data,
        "response",
        RESPONSE_ROWS,
        services.MAX_RESPONSES,
        owners=[(pk, u.get_username()) for pk, u in owners.items()],
    )
    ratings = RatingsForm(data, items=items)
    valid = all([form.is_valid(), threats.is_valid(), responses.is_valid(), ratings.is_valid()])
    if data is not None and not adding and valid:
        threat_forms = [f for f in threats.forms if not f.is_blank()]
        response_forms = [f for f in responses.forms if not f.is_blank()]
        try:
            assessment = services.create_assessment(
                case,
                actor=request.user,
                threats=[_threat(f.cleaned_data, incidents) for f in threat_forms],
                ratings=ratings.entries(),
                responses=[_response(f.cleaned_data, owners) for f in response_forms],
                **form.cleaned_data,
            )
        except RuleError as error:
            _attach(
                error,
                {
                    "threats": threat_forms,
                    "responses": response_forms,
                    "ratings": ratings,
                    "form": form,
                },
            )
        else:
            messages.success(
                request,
                _("Assessment saved: the risk is %(level)s.")
                % {"level": assessment.get_level_display().lower()},
            )
            return redirect("risk:detail", reference=case.reference, number=assessment.number)
    return render(
        request,
        "risk/new.html",
        {
            "case": case,
            "form": form,
            "threats": threats,
            "responses": responses,
            "ratings": ratings,
            "more_threats": MORE_THREATS,
            "more_responses": MORE_RESPONSES,
        },
    )


def _threat(data: dict[str, Any], incidents: dict[str, Any]) -> services.ThreatInput:
    return services.ThreatInput(
        title=data["title"],
        likelihood=data["likelihood"],
        impact=data["impact"],
        facts=data["facts"],
        pattern=data["pattern"],
        objective=data["objective"],
        perpetrator_type=data["perpetrator_type"],
        perpetrator_identity=data["perpetrator_identity"],
        feasibility=data["feasibility"],
        incidents=[incidents[pk] for pk in data["incidents"]],
    )


def _response(data: dict[str, Any], owners: dict[str, Any]) -> services.ResponseInput:
    return services.ResponseInput(
        strategy=data["strategy"],
        measure=data["measure"],
        owner=owners.get(data["owner"]),
        due_on=data["due_on"],
    )
