"""The catalogue's counts, kept per part of the incidents so that a change is counted again
only where it happened: the first public view after a new incident, a withdrawn consent or a
corrected sector counts one part (`statistics.PART_SIZE` incidents) instead of all of them.

A part is counted again when its version moved (`incidents.part_versions`: how many
incidents, their latest change), or when it holds an incident about a person whose consent
was given or withdrawn (the consenting ids are kept and compared), or a person saved since
the last count (a sector). A case's person is set when it opens, and linking an incident
to a case moves the incident's version. Everything is counted again
when the counted statuses change, and when the caller asks (the worker does, off the page
views, for a change none of these sees)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction

from aegis import clock
from aegis.cases import selectors as cases
from aegis.incidents import selectors as incidents

from . import config, statistics
from .models import CountedPart, CountingState
from .statistics import Counts

STATE = "public"
# A change saved this long before the latest one seen may commit after it was seen: people
# saved within it of the last count are looked at again.
MARGIN = datetime.timedelta(minutes=2)
# Past this many people changed at once (an import), counting everything again is quicker
# than finding their incidents.
MANY = 2000


def _stale_parts(
    state: CountingState | None,
    statuses: list[str],
    versions: dict[int, tuple[int, Any]],
    kept: dict[int, tuple[int, Any]],
    consenting: set[int],
) -> set[int]:
    if state is None or state.statuses != statuses or state.part_size != statistics.PART_SIZE:
        return set(versions)
    stale = {part for part, version in versions.items() if kept.get(part) != version}
    people = consenting ^ set(state.consenting)
    if state.people_seen is not None:
        people |= cases.people_changed_since(state.people_seen - MARGIN)
    if len(people) > MANY:
        return set(versions)
    if people:
        stale |= incidents.parts_concerning(statistics.PART_SIZE, people) & set(versions)
    return stale


def counts(*, recount: bool = False) -> dict[str, Counts]:
    """Every table's counts, unprotected: the kept parts, with those a change touched (or
    every part, if `recount`) counted again and kept. One process counts at a time (the
    state's row is locked); another waits, then finds the parts counted. The very first
    count has no row to lock: a process that loses that race counts again after it."""
    try:
        return _counts(recount)
    except IntegrityError:
        return _counts(recount)


def _counts(recount: bool) -> dict[str, Counts]:
    statuses = sorted(config.counted_statuses())
    with transaction.atomic():
        state = CountingState.objects.select_for_update().filter(name=STATE).first()
        # The versions are read before counting: a change after this is counted next time.
        versions = incidents.part_versions(statistics.PART_SIZE)
        consenting = cases.consenting_ids(config.CONSENT_SCOPE)
        people_seen = cases.people_changed_at()
        kept = {
            part: (n, last)
            for part, n, last in CountedPart.objects.values_list("part", "incidents", "last_change")
        }
        stale = set(versions) if recount else set()
        stale |= _stale_parts(state, statuses, versions, kept, consenting)
        fresh = statistics.part_counts(stale)
        CountedPart.objects.filter(part__in=stale | (set(kept) - set(versions))).delete()
        CountedPart.objects.bulk_create(
            CountedPart(
                part=part,
                incidents=versions[part][0],
                last_change=versions[part][1],
                counts=_to_json(fresh.get(part, {})),
            )
            for part in sorted(stale)
        )
        CountingState.objects.update_or_create(
            name=STATE,
            defaults={
                "statuses": statuses,
                "part_size": statistics.PART_SIZE,
                "consenting": sorted(consenting),
                "people_seen": people_seen,
                "counted_at": clock.now(),
            },
        )
        total: dict[str, Counts] = {spec.slug: {} for spec in statistics.TABLES}
        for tables in fresh.values():
            for slug, found in tables.items():
                statistics.add(total[slug], found)
        unchanged = CountedPart.objects.exclude(part__in=stale).values_list("counts", flat=True)
        for content in unchanged.iterator(chunk_size=64):
            for slug, lines in content.items():
                if slug in total:
                    statistics.add(total[slug], {(r, c): n for r, c, n in lines})
    return total


def _to_json(tables: dict[str, Counts]) -> dict[str, list[list[Any]]]:
    return {slug: [[r, c, n] for (r, c), n in found.items()] for slug, found in tables.items()}
