"""Public statistics (no account, no script), open data, and the staff pages: the internal
dashboard and the annual report. Every number comes from a release (release.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_safe

from aegis import clock
from aegis.access import public, requires
from aegis.alerts import selectors as alerts
from aegis.audit import services as audit
from aegis.cases import selectors as cases
from aegis.cases.vocabulary import CaseStatus
from aegis.incidents.vocabulary import ViolationType

from . import annual, charts, config, opendata, programmes
from .release import clean_filters, public_release, staff_release, views
from .statistics import TABLES, TABLES_BY_SLUG, UNITS, VARIABLES

CACHE = "public, max-age=300"


def _filter_choices(release: Any) -> dict[str, list[tuple[str, str]]]:
    country = VARIABLES["country"]
    sector = VARIABLES["sector"]
    return {
        "year": [(y, y) for y in release.table("incidents-by-month").cols],
        "country": sorted(
            ((c, country.value_label(c)) for c in release.table("incidents-by-country").rows),
            key=lambda x: x[1],
        ),
        "violation": list(ViolationType.choices),
        "sector": [(s, sector.value_label(s)) for s in sector.values],
    }


def _statistics_page(
    request: HttpRequest, release: Any, template: str, **extra: Any
) -> HttpResponse:
    filters = clean_filters(request.GET)
    query = urlencode(filters)
    return render(
        request,
        template,
        {
            "release": release,
            "tables": views(release, filters),
            "filters": filters,
            "query": query,
            "choices": _filter_choices(release),
            "units": UNITS,
            "variables": VARIABLES,
            **extra,
        },
    )


@public
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    release = public_release()
    grants = programmes.grants(release.k, release.grants_before)
    response = _statistics_page(
        request,
        release,
        "reports/public/index.html",
        grants=programmes.grant_views(grants, clean_filters(request.GET)) if grants else [],
    )
    response["Cache-Control"] = CACHE
    return response


@public
@gzip_page  # an SVG of 11-18 KB, a quarter of that compressed; nothing secret in it
@require_safe
def chart(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in TABLES_BY_SLUG:
        raise Http404
    return _svg(charts.chart_svg(public_release(), slug, clean_filters(request.GET)))


@public
@gzip_page  # the world's boundaries: about 690 KB, 200 KB compressed; nothing secret in it
@require_safe
def world_map(request: HttpRequest) -> HttpResponse:
    return _svg(charts.world_map(public_release(), clean_filters(request.GET)))


def _svg(svg: bytes) -> HttpResponse:
    """A chart or the map, which a reader may open on its own (the page links the map): a
    document under the CSP, whose style sheet is allowed by its hash alone."""
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = CACHE
    # django-csp's own per-response override, as its csp_replace decorator sets it.
    setattr(response, "_csp_replace", {"style-src": charts.style_hashes(svg)})  # noqa: B010
    return response


@public
@require_safe
def data_csv(request: HttpRequest) -> Any:
    release = public_release()
    response = StreamingHttpResponse(
        opendata.csv_lines(release, programmes.grants(release.k, release.grants_before)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="statistics.csv"'
    return response


@public
@require_safe
def data_json(request: HttpRequest) -> Any:
    release = public_release()
    response = StreamingHttpResponse(
        opendata.json_chunks(release, programmes.grants(release.k, release.grants_before)),
        content_type="application/json",
    )
    response["Content-Disposition"] = 'inline; filename="statistics.json"'
    return response


@public
@require_safe
def codebook(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reports/public/codebook.html",
        {
            "variables": [*VARIABLES.values(), programmes.GRANT_TYPE],
            "tables": [*TABLES, *programmes.GRANT_TABLES],
            "units": UNITS,
            "columns": opendata.COLUMNS,
            "k": public_release().k,
        },
    )


@public
@require_safe
def methods(request: HttpRequest) -> HttpResponse:
    release = public_release()
    return render(
        request,
        "reports/public/methods.html",
        {"release": release, "k": release.k, "period": config.release_period()},
    )


@requires("view_analytics", "coordinate")
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    year = clock.today().year
    zone = timezone.get_current_timezone()
    start = datetime(year, 1, 1, tzinfo=zone)
    end = datetime(year + 1, 1, 1, tzinfo=zone)
    count, median = alerts.first_acknowledgement_delays(start, end)
    workload = cases.case_workload()
    return _statistics_page(
        request,
        staff_release(),
        "reports/dashboard.html",
        year=year,
        acknowledged=count,
        median=annual._duration(median) if median is not None else "",
        workload=workload,
        workload_rows=[
            (CaseStatus(status).label if status in CaseStatus.values else status, n)
            for status, n in sorted(workload["by_status"].items())
        ],
    )


def _year(value: Any) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 1900 <= year <= 2200 else None


@requires("coordinate")
@require_safe
def annual_index(request: HttpRequest) -> HttpResponse:
    year = _year(request.GET.get("year")) or clock.today().year
    return render(
        request,
        "reports/annual/index.html",
        {"year": year, "years": range(clock.today().year, clock.today().year - 10, -1)},
    )


@requires("coordinate")
@require_safe
def annual_html(request: HttpRequest, year: int) -> HttpResponse:
    if _year(year) is None:
        raise Http404(_("No such year."))
    report = annual.build(year, request.LANGUAGE_CODE)
    audit.record("report.annual", actor_id=request.user.pk, object_type="year", object_id=year)
    return HttpResponse(report.html)


@requires("coordinate")
@require_safe
def annual_pdf(request: HttpRequest, year: int) -> HttpResponse:
    if _year(year) is None:
        raise Http404(_("No such year."))
    report = annual.build(year, request.LANGUAGE_CODE)
    audit.record("report.annual", actor_id=request.user.pk, object_type="year", object_id=year)
    response = HttpResponse(annual.pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="annual-report-{year}-{request.LANGUAGE_CODE}.pdf"'
    )
    return response
