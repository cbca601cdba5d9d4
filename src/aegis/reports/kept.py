"""The catalogue's counts, kept per part of the incidents so that a change is counted again
only where it happened: the first public view after a new incident, a withdrawn consent or a
corrected sector counts one part (`statistics.PART_SIZE` incidents) instead of all of them.

A part is counted again when its version moved (`incidents.part_versions`: how many
incidents, their latest change), or when it holds an incident about a person whose consent
was given or withdrawn (the consenting ids are kept and compared), or a person saved since
the last count (a sector). A case's person is set when it opens, and linking an incident
to a case moves the incident's version. Everything is counted again when the counted
statuses change, and when the caller asks (the worker does every RECOUNT_EVERY, off the
page views, for a change none of these sees).

The total of every part is kept too: a count after a change reads and writes only the
parts it counts again (their old counts taken away, their new ones added), so the parts
can be small and many."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

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
# How often the worker counts everything afresh, for a change none of the signs above sees
# (a hand edit of the database): seconds of SQL at a million incidents, holding the lock
# that a page view after a change waits for, so not at every round.
RECOUNT_EVERY = datetime.timedelta(hours=6)


def _stale_parts(
    state: CountingState,
    versions: dict[int, tuple[int, Any]],
    kept: dict[int, tuple[int, Any]],
    consenting: set[int],
) -> set[int] | None:
    """The parts a change touched since the last count (None: count every part)."""
    stale = {part for part, version in versions.items() if kept.get(part) != version}
    people = consenting ^ set(state.consenting)
    if state.people_seen is not None:
        # People saved after the last one that count saw, and any saved within the margin
        # before it read them (such a save may have committed after the read); not every
        # person saved near the last one seen, which after an import is thousands, counted
        # long ago.
        people |= cases.people_changed_since(min(state.people_seen, state.counted_at - MARGIN))
    if len(people) > MANY:
        return None
    if people:
        stale |= incidents.parts_concerning(statistics.PART_SIZE, people) & set(versions)
    return stale


def recount_due() -> bool:
    """Whether every part is due to be counted afresh (never yet, or RECOUNT_EVERY ago)."""
    last = CountingState.objects.filter(name=STATE).values_list("recounted_at", flat=True)
    when = last.first()
    return when is None or clock.now() - when >= RECOUNT_EVERY


def counts(*, recount: bool = False, through: int | None = None) -> dict[str, Counts]:
    """Every table's counts, unprotected: the kept total, with the parts a change touched
    (or every part, if `recount`) counted again; with `through`, only the incidents whose
    id is at most that (a public release: those recorded before its period began). One
    process counts at a time (the state's row is locked); another waits, then finds the
    parts counted. The very first count has no row to lock: a process that loses that race
    counts again after it."""
    try:
        return _counts(recount, through)
    except IntegrityError:
        return _counts(recount, through)


def _through(total: dict[str, Counts], through: int) -> dict[str, Counts]:
    """The total less the incidents above `through`: the parts from the one holding it up
    are taken away, and that part's incidents up to it counted (a few thousand at most)."""
    cut = through // statistics.PART_SIZE
    found = {slug: dict(counts) for slug, counts in total.items()}
    above = CountedPart.objects.filter(part__gte=cut).values_list("counts", flat=True)
    for content in above:
        _add(found, _from_json(content), -1)
    for tables in statistics.part_counts({cut}, end=through + 1).values():
        _add(found, tables, 1)
    return found


def _counts(recount: bool, through: int | None = None) -> dict[str, Counts]:
    statuses = sorted(config.counted_statuses())
    with transaction.atomic():
        state = CountingState.objects.select_for_update().filter(name=STATE).first()
        # On the clock people's saves are stamped with (not `clock`, which tests freeze).
        read_at = timezone.now()
        # The versions are read before counting: a change after this is counted next time.
        versions = incidents.part_versions(statistics.PART_SIZE)
        consenting = cases.consenting_ids(config.CONSENT_SCOPE)
        people_seen = cases.people_changed_at()
        kept = {
            part: (n, last)
            for part, n, last in CountedPart.objects.values_list("part", "incidents", "last_change")
        }
        same_terms = state is not None and (state.statuses, state.part_size) == (
            statuses,
            statistics.PART_SIZE,
        )
        stale = None
        if same_terms and not recount:
            assert state is not None
            stale = _stale_parts(state, versions, kept, consenting)
        recounted_at = state.recounted_at if state is not None else None
        if stale is None:  # everything counted afresh
            stale, total = set(versions), _empty()
            CountedPart.objects.all().delete()
            recounted_at = clock.now()
        else:
            # The total so far, less what the parts counted again and the parts now gone
            # held when they were counted.
            assert state is not None
            total = _from_json(state.totals)
            dropped = CountedPart.objects.filter(part__in=stale | (set(kept) - set(versions)))
            for content in dropped.values_list("counts", flat=True):
                _add(total, _from_json(content), -1)
            dropped.delete()
        fresh = statistics.part_counts(stale)
        CountedPart.objects.bulk_create(
            CountedPart(
                part=part,
                incidents=versions[part][0],
                last_change=versions[part][1],
                counts=_to_json(fresh.get(part, {})),
            )
            for part in sorted(stale)
        )
        for tables in fresh.values():
            _add(total, tables, 1)
        CountingState.objects.update_or_create(
            name=STATE,
            defaults={
                "statuses": statuses,
                "part_size": statistics.PART_SIZE,
                "consenting": sorted(consenting),
                "people_seen": people_seen,
                "totals": _to_json(total),
                "counted_at": read_at,
                "recounted_at": recounted_at,
            },
        )
        if through is not None:
            return _through(total, through)
    return total


def _empty() -> dict[str, Counts]:
    return {spec.slug: {} for spec in statistics.TABLES}


def _add(total: dict[str, Counts], tables: dict[str, Counts], sign: int) -> None:
    for slug, found in tables.items():
        into = total.setdefault(slug, {})
        for key, n in found.items():
            left = into.get(key, 0) + sign * n
            if left:
                into[key] = left
            else:
                into.pop(key, None)  # a cell nothing is counted in any more


def _to_json(tables: dict[str, Counts]) -> dict[str, list[list[Any]]]:
    return {slug: [[r, c, n] for (r, c), n in found.items()] for slug, found in tables.items()}


def _from_json(content: dict[str, list[list[Any]]]) -> dict[str, Counts]:
    found = _empty()
    for slug, lines in content.items():
        if slug in found:
            found[slug] = {(r, c): n for r, c, n in lines}
    return found
