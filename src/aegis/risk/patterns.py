"""Pattern analysis: incidents against the same person, group or organisation, sector or
region within a window, surfaced as findings once they reach a minimum count ("4 incidents
against land defenders in Antioquia since November 2026").

The window is set in days and read in whole months: the analytic projection keeps each
incident's month, not its day (the days are sealed with the record's key), so the window
starts on the first day of the month its first day falls in.

Reads coded values only (months, places, sectors, record ids), so the same computation serves
caseworkers (over the incidents they may see) and analysts (over all incidents, with the ids
dropped before anything is shown).

One set-based query: the incidents of the window (read through an index on their date) are
marked with every group they belong to, and the marks are counted per group in the
database, so the cost follows the incidents inside the window, never the size of the tables,
and no incident is carried into Python."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from aegis.cases.models import Case, Person
from aegis.cases.vocabulary import Sector, SubjectKind
from aegis.incidents.models import Act, Incident, Victim

from .vocabulary import FindingKind

COLLECTIVE = {SubjectKind.GROUP, SubjectKind.ORGANISATION}


@dataclass(frozen=True)
class Finding:
    kind: str
    count: int
    first_date: datetime.date  # the first day of the month of the first incident
    last_date: datetime.date  # and of the last
    window_days: int
    country: str = ""
    region: str = ""
    sector: str = ""
    person_id: int | None = None
    case_id: int | None = None
    since: datetime.date | None = None  # where the window starts: the first of a month


def window_start(today: datetime.date, window_days: int) -> datetime.date:
    """The first day of the window of `window_days` days that ends today, read in months."""
    return (today - datetime.timedelta(days=window_days - 1)).replace(day=1)


def _sql(recent: str) -> str:
    """The query over `recent` (the window's incidents: id, month_start, country, region).

    Each incident is marked once per group it belongs to: the people of its cases and its
    victims, its cases about a group or organisation, its region (when the place is known)
    and the sectors of those cases and victims in that region ("other" is no sector: a
    pattern against it would say nothing). A group is a finding when it has at least the
    minimum of distinct incidents; a person's or organisation's finding takes its place and
    sector from the person or case."""
    q = connection.ops.quote_name
    links = Incident.cases.through._meta.db_table
    case, person = q(Case._meta.db_table), q(Person._meta.db_table)
    act, victim = q(Act._meta.db_table), q(Victim._meta.db_table)
    # Only the models' own (quoted) table names and the ORM's compiled query are put into
    # the text; every value is a parameter.
    return f"""
    WITH recent AS ({recent}),
    linked AS (
        SELECT r.id AS incident_id, r.month_start, r.country, r.region,
               c.id AS case_id, c.person_id, c.subject_kind, c.sector
        FROM recent r
        JOIN {q(links)} l ON l.incident_id = r.id
        JOIN {case} c ON c.id = l.case_id
    ),
    victims AS (
        SELECT r.id AS incident_id, r.month_start, r.country, r.region,
               p.id AS person_id, p.sector
        FROM recent r
        JOIN {act} a ON a.incident_id = r.id
        JOIN {victim} v ON v.act_id = a.id
        JOIN {person} p ON p.id = v.person_id
    ),
    marks (kind, subject, country, region, sector, incident_id, month_start) AS (
        SELECT %s, person_id, '', '', '', incident_id, month_start
        FROM linked WHERE person_id IS NOT NULL
        UNION ALL
        SELECT %s, person_id, '', '', '', incident_id, month_start FROM victims
        UNION ALL
        SELECT %s, case_id, '', '', '', incident_id, month_start
        FROM linked WHERE subject_kind IN (%s, %s)
        UNION ALL
        SELECT %s, NULL, country, region, '', id, month_start FROM recent WHERE country <> ''
        UNION ALL
        SELECT %s, NULL, country, region, sector, incident_id, month_start
        FROM linked WHERE country <> '' AND sector <> %s
        UNION ALL
        SELECT %s, NULL, country, region, sector, incident_id, month_start
        FROM victims WHERE country <> '' AND sector <> %s
    ),
    groups AS (
        SELECT kind, subject, country, region, sector,
               COUNT(DISTINCT incident_id) AS n, MIN(month_start) AS first_date,
               MAX(month_start) AS last_date
        FROM marks
        GROUP BY kind, subject, country, region, sector
        HAVING COUNT(DISTINCT incident_id) >= %s
    )
    SELECT g.kind, g.subject, g.n, g.first_date, g.last_date,
           COALESCE(p.country, c.country, g.country),
           COALESCE(p.region, c.region, g.region),
           COALESCE(p.sector, c.sector, g.sector)
    FROM groups g
    LEFT JOIN {person} p ON g.kind = %s AND p.id = g.subject
    LEFT JOIN {case} c ON g.kind = %s AND c.id = g.subject
    """  # noqa: S608


def _month(value: Any) -> datetime.date:
    """The first day of the month of a `month_start`: a row made before the days were sealed
    keeps its day there until it is corrected, and a finding says months, never that day."""
    # SQLite gives an aggregate of dates back as text.
    day = datetime.date.fromisoformat(value) if isinstance(value, str) else value
    return day.replace(day=1)


def find_patterns(
    incidents: QuerySet[Any], *, today: datetime.date, window_days: int, min_count: int
) -> list[Finding]:
    """Findings among `incidents` whose month falls in the window of `window_days` days
    ending `today` (window_start), for every group of at least `min_count` incidents; most
    incidents first."""
    since = window_start(today, window_days)
    recent = (
        incidents.filter(month_start__gte=since, month_start__lte=today)
        .order_by()
        .values("id", "month_start", "country", "region")
    )
    try:
        recent_sql, recent_params = recent.query.sql_with_params()
    except EmptyResultSet:  # a reader in no compartment: the ORM knows no row can match
        return []
    person, organisation = FindingKind.PERSON.value, FindingKind.ORGANISATION.value
    sector, region = FindingKind.SECTOR.value, FindingKind.REGION.value
    params = [
        *recent_params,
        person,
        person,
        organisation,
        SubjectKind.GROUP.value,
        SubjectKind.ORGANISATION.value,
        region,
        sector,
        Sector.OTHER.value,
        sector,
        Sector.OTHER.value,
        min_count,
        person,
        organisation,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_sql(recent_sql), params)
        rows = cursor.fetchall()
    findings = []
    for kind, subject, count, first, last, country, region_, sector_ in rows:
        findings.append(
            Finding(
                kind=kind,
                count=count,
                first_date=_month(first),
                last_date=_month(last),
                window_days=window_days,
                country=country,
                region=region_,
                sector=sector_,
                person_id=subject if kind == FindingKind.PERSON else None,
                case_id=subject if kind == FindingKind.ORGANISATION else None,
                since=since,
            )
        )
    order = list(FindingKind.values)
    # Sorted here rather than in SQL: the database's collation need not order codes as
    # Python does, and the findings are few.
    return sorted(
        findings,
        key=lambda f: (
            -f.count,
            order.index(f.kind),
            f.country,
            f.region,
            f.sector,
            f.person_id or f.case_id or 0,
        ),
    )


def concerning(findings: Iterable[Finding], case: Case) -> list[Finding]:
    """The findings about a case's subject, its sector in its region, or its region."""
    place = (case.country, case.region)

    def about(f: Finding) -> bool:
        if f.kind == FindingKind.PERSON:
            return case.person_id is not None and f.person_id == case.person_id
        if f.kind == FindingKind.ORGANISATION:
            return f.case_id == case.pk
        if f.kind == FindingKind.SECTOR:
            return (f.country, f.region, f.sector) == (*place, case.sector)
        return (f.country, f.region) == place

    return [f for f in findings if about(f)]
