"""Pattern analysis: incidents against the same person, group or organisation, sector or
region within a window of days, surfaced as findings once they reach a minimum count
("4 incidents against land defenders in Antioquia in 30 days").

Reads coded values only (dates, places, sectors, record ids), so the same computation serves
caseworkers (over the incidents they may see) and analysts (over all incidents, with the ids
dropped before anything is shown)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from aegis.cases.models import Case, Person
from aegis.cases.vocabulary import Sector, SubjectKind

from .vocabulary import FindingKind

COLLECTIVE = {SubjectKind.GROUP, SubjectKind.ORGANISATION}


@dataclass(frozen=True)
class Finding:
    kind: str
    count: int
    first_date: datetime.date
    last_date: datetime.date
    window_days: int
    country: str = ""
    region: str = ""
    sector: str = ""
    person_id: int | None = None
    case_id: int | None = None
    incident_ids: tuple[int, ...] = field(default=(), compare=False)


@dataclass
class _Incident:
    date: datetime.date
    country: str
    region: str
    people: set[int] = field(default_factory=set)
    collectives: set[int] = field(default_factory=set)
    sectors: set[str] = field(default_factory=set)


def window_start(today: datetime.date, window_days: int) -> datetime.date:
    """The first day of a window of `window_days` days that ends today."""
    return today - datetime.timedelta(days=window_days - 1)


def _recent(
    incidents: QuerySet[Any], today: datetime.date, window_days: int
) -> dict[int, _Incident]:
    recent = incidents.filter(
        date_start__gte=window_start(today, window_days), date_start__lte=today
    )
    found = {
        pk: _Incident(date, country, region)
        for pk, date, country, region in recent.values_list("pk", "date_start", "country", "region")
    }
    if not found:
        return found
    links = recent.model.cases.through.objects.filter(incident_id__in=list(found))
    for incident_id, case_id, kind, person_id, sector in links.values_list(
        "incident_id", "case_id", "case__subject_kind", "case__person_id", "case__sector"
    ):
        entry = found[incident_id]
        entry.sectors.add(sector)
        if person_id is not None:
            entry.people.add(person_id)
        if kind in COLLECTIVE:
            entry.collectives.add(case_id)
    victims = recent.filter(acts__victims__person__isnull=False).values_list(
        "pk", "acts__victims__person_id", "acts__victims__person__sector"
    )
    for incident_id, person_id, sector in victims:
        if person_id is None:
            continue
        found[incident_id].people.add(person_id)
        found[incident_id].sectors.add(sector)
    return found


def _groups(incidents: dict[int, _Incident]) -> dict[tuple[Any, ...], set[int]]:
    groups: dict[tuple[Any, ...], set[int]] = defaultdict(set)
    for pk, incident in incidents.items():
        for person_id in incident.people:
            groups[(FindingKind.PERSON, person_id)].add(pk)
        for case_id in incident.collectives:
            groups[(FindingKind.ORGANISATION, case_id)].add(pk)
        if incident.country:
            groups[(FindingKind.REGION, incident.country, incident.region)].add(pk)
            # "Other" is no sector: a pattern against it would say nothing.
            for sector in incident.sectors - {Sector.OTHER}:
                groups[(FindingKind.SECTOR, sector, incident.country, incident.region)].add(pk)
    return groups


def _coded(model: Any, ids: Iterable[int]) -> dict[int, tuple[str, str, str]]:
    rows = model.objects.filter(pk__in=list(ids)).values_list("pk", "country", "region", "sector")
    return {pk: (country, region, sector) for pk, country, region, sector in rows}


def find_patterns(
    incidents: QuerySet[Any], *, today: datetime.date, window_days: int, min_count: int
) -> list[Finding]:
    """Findings among `incidents` whose date falls in the `window_days` days ending `today`,
    for every group of at least `min_count` incidents; most incidents first."""
    recent = _recent(incidents, today, window_days)
    groups = {key: ids for key, ids in _groups(recent).items() if len(ids) >= min_count}
    people = _coded(Person, (k[1] for k in groups if k[0] == FindingKind.PERSON))
    collectives = _coded(Case, (k[1] for k in groups if k[0] == FindingKind.ORGANISATION))
    findings = []
    for key, ids in groups.items():
        dates = sorted(recent[pk].date for pk in ids)
        common: dict[str, Any] = {
            "kind": key[0],
            "count": len(ids),
            "first_date": dates[0],
            "last_date": dates[-1],
            "window_days": window_days,
            "incident_ids": tuple(sorted(ids)),
        }
        if key[0] == FindingKind.PERSON:
            country, region, sector = people.get(key[1], ("", "", ""))
            common.update(person_id=key[1], country=country, region=region, sector=sector)
        elif key[0] == FindingKind.ORGANISATION:
            country, region, sector = collectives.get(key[1], ("", "", ""))
            common.update(case_id=key[1], country=country, region=region, sector=sector)
        elif key[0] == FindingKind.SECTOR:
            common.update(sector=key[1], country=key[2], region=key[3])
        else:
            common.update(country=key[1], region=key[2])
        findings.append(Finding(**common))
    order = list(FindingKind.values)
    return sorted(
        findings, key=lambda f: (-f.count, order.index(f.kind), f.country, f.region, f.sector)
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
