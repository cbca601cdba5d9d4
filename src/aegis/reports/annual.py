"""The annual report: HTML and PDF (WeasyPrint) from the same protected release as the public
pages, one section per builder in SECTIONS, each present only where it has data. An area that
adds a section (advocacy's communications, support's grants) appends a builder:

    from aegis.reports.annual import SECTIONS, Section
    SECTIONS.append(my_builder)   # (context: Context) -> Section | None
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis.alerts import selectors as alerts

from . import config, programmes
from .charts import bar_chart
from .disclosure import TOTAL
from .release import Release, TableView, public_release, view
from .statistics import TABLES_BY_SLUG


@dataclass(frozen=True)
class Context:
    year: int
    release: Release

    @property
    def filters(self) -> dict[str, str]:
        return {"year": str(self.year)}

    def table(self, slug: str) -> TableView:
        return view(self.release, TABLES_BY_SLUG[slug], self.filters)

    def year_total(self, slug: str) -> int | None:
        """The published total of the year's column in a table by year (None if withheld or
        the year is not in the table)."""
        table = self.release.table(slug)
        if str(self.year) not in table.cols:
            return 0
        return table.cell(TOTAL, str(self.year)).value


@dataclass
class Section:
    key: str
    title: str
    template: str
    data: dict[str, Any] = field(default_factory=dict)


Builder = Callable[[Context], "Section | None"]


def _svg(table: TableView) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(bar_chart(table)).decode()


def _has_counts(table: TableView) -> bool:
    return any(cell.cell.value != 0 for _c, _l, cells, _t in table.rows for cell in cells)


def _table_section(key: str, slug: str, title: Any) -> Builder:
    """`title` lazy: SECTIONS is built once, at import, and each report is in its language."""

    def build(context: Context) -> Section | None:
        table = context.table(slug)
        if table.empty or not _has_counts(table):
            return None
        return Section(
            key, str(title), "reports/annual/_table.html", {"table": table, "chart": _svg(table)}
        )

    return build


def summary(context: Context) -> Section | None:
    if str(context.year) not in context.release.table("incidents-by-month").cols:
        return None
    totals = [
        (_("Incidents"), context.year_total("incidents-by-month")),
        (_("Acts (violations)"), context.year_total("acts-by-violation")),
        (_("Victims"), context.year_total("victims-by-sector")),
    ]
    return Section(
        "summary",
        _("The year in numbers"),
        "reports/annual/_summary.html",
        {"totals": totals, "k": context.release.k},
    )


def response_times(context: Context) -> Section | None:
    """Median time from an alert to its first acknowledgement; only over k alerts or more
    (fewer would say too much about a few people's emergencies)."""
    zone = timezone.get_current_timezone()
    start = datetime(context.year, 1, 1, tzinfo=zone)
    end = datetime(context.year + 1, 1, 1, tzinfo=zone)
    count, median = alerts.first_acknowledgement_delays(start, end)
    if count < context.release.k or median is None:
        return None
    return Section(
        "response",
        _("Alert response times"),
        "reports/annual/_response.html",
        {"count": count, "median": _duration(median)},
    )


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return _("under a minute")
    if minutes < 120:
        return _("%(n)s minutes") % {"n": minutes}
    return _("%(n)s hours") % {"n": round(minutes / 60, 1)}


def grants(context: Context) -> Section | None:
    """Grants by type in the year: counts and sums from the same protected tables as the
    public pages (a sum only where its count is published and the dominance rule allows)."""
    found = programmes.grants(context.release.k, context.release.grants_before)
    if found is None:
        return None
    spec = programmes.GRANT_TABLES[0]
    if str(context.year) not in found.release.table(spec.slug).cols:
        return None
    counts = view(found.release, spec, context.filters)
    if counts.empty or not _has_counts(counts):
        return None
    amounts = programmes.amount_view(found, counts)
    return Section(
        "grants",
        _("Emergency grants by type"),
        "reports/annual/_grants.html",
        {"counts": counts, "amounts": amounts},
    )


def communications(context: Context) -> Section | None:
    table = programmes.communications(context.year, context.release.k)
    if table is None:
        return None
    return Section(
        "communications",
        _("Communications sent to mechanisms and replies"),
        "reports/annual/_communications.html",
        {"table": table},
    )


def methods(context: Context) -> Section | None:
    return Section(
        "methods",
        _("Methods"),
        "reports/annual/_methods.html",
        {
            "k": context.release.k,
            "statuses": context.release.statuses,
            "period": config.release_period(),
        },
    )


SECTIONS: list[Builder] = [
    summary,
    _table_section("months", "incidents-by-month", gettext_lazy("Incidents month by month")),
    _table_section("countries", "incidents-by-country", gettext_lazy("Where incidents happened")),
    _table_section("violations", "acts-by-violation", gettext_lazy("Violations")),
    _table_section("sectors", "victims-by-sector", gettext_lazy("Victims by defender's sector")),
    _table_section("verification", "incidents-by-verification", gettext_lazy("Verification")),
    response_times,
    communications,
    grants,
    methods,
]


@dataclass(frozen=True)
class AnnualReport:
    year: int
    language: str
    html: str


def build(year: int, language: str, release: Release | None = None) -> AnnualReport:
    """The report in one language (the same release for every language when given)."""
    release = release or public_release()
    with translation.override(language):
        context = Context(year, release)
        sections = [s for s in (builder(context) for builder in SECTIONS) if s is not None]
        html = render_to_string(
            "reports/annual/report.html",
            {
                "year": year,
                "sections": sections,
                "organisation": settings.ORGANISATION_NAME,
                "release": release,
                "LANGUAGE_CODE": language,
                "LANGUAGE_BIDI": translation.get_language_bidi(),
            },
        )
    return AnnualReport(year, language, html)


def pdf(report: AnnualReport) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=report.html).write_pdf())


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]
