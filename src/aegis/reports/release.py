"""A release: every table of the catalogue counted (statistics) and protected together
(disclosure), the one source of every public page, chart, open-data file and annual report.
A public release is made once per period (a month by default), from the incidents recorded
before the period began, so that no two releases differ by one change. Staff dashboards
read the same tables unprotected where the role allows, live.

Filters never compute anything new: a filtered view shows a slice (some rows or one column)
of the protected tables, so the same cell has the same answer whatever the path to it, and
two views can never be subtracted to reveal a withheld count."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext as _

from aegis import clock
from aegis.cases import selectors as cases
from aegis.incidents import selectors as incidents

from . import config, kept
from .disclosure import TOTAL, Cell, LinkedTable, Protected, Status, extend, protect_linked
from .models import StoredRelease
from .statistics import TABLES, TableSpec, axis

FILTERS = ("year", "country", "violation", "sector")


@dataclass(frozen=True)
class Release:
    k: int
    statuses: tuple[str, ...]
    made_at: datetime.datetime
    tables: Mapping[str, Protected]
    protected: bool = True
    # The grants counted: those approved before then (the period's first release); None for
    # the staff's live tables.
    grants_before: datetime.datetime | None = None

    def table(self, slug: str) -> Protected:
        return self.tables[slug]

    @property
    def incident_total(self) -> Cell:
        return self.tables[TABLES[0].slug].cell(TOTAL, TOTAL)


def _linked(spec: TableSpec, counts: dict[tuple[str, str], int]) -> LinkedTable:
    rows = axis(spec.row_variable, {r for r, _c in counts})
    cols = axis(spec.col_variable, {c for _r, c in counts})
    return LinkedTable(
        rows, cols, counts, spec.unit, f"{spec.unit}:{spec.row}", f"{spec.unit}:{spec.col}"
    )


def _counts() -> dict[str, LinkedTable]:
    found = kept.counts()
    return {spec.slug: _linked(spec, found[spec.slug]) for spec in TABLES}


def _align_years(tables: dict[str, LinkedTable]) -> dict[str, LinkedTable]:
    """Every table by year shows the same years (a year can be missing from one unit)."""
    years: set[str] = set()
    for spec in TABLES:
        if spec.col == "year":
            years.update(tables[spec.slug].cols)
    if not years:
        return tables
    span = tuple(str(y) for y in range(min(map(int, years)), max(map(int, years)) + 1))
    aligned = dict(tables)
    for spec in TABLES:
        if spec.col == "year":
            t = tables[spec.slug]
            aligned[spec.slug] = LinkedTable(
                t.rows, span, t.counts, t.total, t.row_margin, t.col_margin
            )
    return aligned


_CACHE: dict[str, Any] = {}
PUBLIC = "public"
# Part of the fingerprint: a release stored in an older form is made again once.
FORMAT = 2


def _period() -> datetime.date:
    return config.period_start(clock.today())


def _fingerprint(period: datetime.date) -> str:
    """A digest of what a public release is made from: its period, k, the counted statuses
    and the consents to statistics withdrawn. Nothing else remakes it within its period
    (not a new incident, a correction or a consent given), so two downloads in one period
    are the same and none follows a single change; a withdrawn consent is honoured at once."""
    version = (
        FORMAT,
        period.isoformat(),
        config.min_count(),
        config.counted_statuses(),
        cases.consent_fingerprint(config.CONSENT_SCOPE)[1:],  # withdrawals only
    )
    return hashlib.sha256(repr(version).encode()).hexdigest()


def _to_json(release: Release, period: datetime.date, through: int) -> dict[str, Any]:
    assert release.grants_before is not None
    return {
        "k": release.k,
        "statuses": list(release.statuses),
        "period": period.isoformat(),
        "through": through,
        "grants_before": release.grants_before.isoformat(),
        "tables": {
            slug: {
                "rows": list(t.rows),
                "cols": list(t.cols),
                "whole": t.whole,
                "cells": [[r, c, x.status.value, x.value] for (r, c), x in t.cells.items()],
            }
            for slug, t in release.tables.items()
        },
    }


def _from_json(content: Mapping[str, Any], made_at: datetime.datetime) -> Release:
    tables = {
        slug: Protected(
            tuple(t["rows"]),
            tuple(t["cols"]),
            {(r, c): Cell(Status(status), value) for r, c, status, value in t["cells"]},
            bool(t["whole"]),
        )
        for slug, t in content["tables"].items()
    }
    return Release(
        int(content["k"]),
        tuple(content["statuses"]),
        made_at,
        tables,
        grants_before=datetime.datetime.fromisoformat(
            content.get("grants_before") or made_at.isoformat()
        ),
    )


def _cut(period: datetime.date, now: datetime.datetime) -> tuple[int, datetime.datetime]:
    """What a release of this period counts: the incidents up to the last recorded, and the
    grants approved before, when the period's first release was made (the worker makes it
    as the period begins); remade within the period (a withdrawn consent), it counts the
    same, less that person's. The stored release is read once for both."""
    stored = StoredRelease.objects.filter(name=PUBLIC).first()
    if stored is None or stored.content.get("period") != period.isoformat():
        return incidents.last_incident_id(), now
    before = stored.content.get("grants_before")
    return int(stored.content["through"]), (
        datetime.datetime.fromisoformat(before) if before else now
    )


def _make(
    fingerprint: str, period: datetime.date, now: datetime.datetime, *, recount: bool = False
) -> Release:
    """Count and protect every table, and store the result for every process. The counts
    are the kept ones with what changed counted again (`kept`; every part if `recount`),
    cut at the period's last incident."""
    k = config.min_count()
    through, grants_before = _cut(period, now)
    found = kept.counts(recount=recount, through=through)
    tables = _align_years({spec.slug: _linked(spec, found[spec.slug]) for spec in TABLES})
    release = Release(
        k,
        config.counted_statuses(),
        now,
        protect_linked(tables, k),
        grants_before=grants_before,
    )
    try:
        with transaction.atomic():
            StoredRelease.objects.update_or_create(
                name=PUBLIC,
                defaults={
                    "fingerprint": fingerprint,
                    "made_at": now,
                    "content": _to_json(release, period, through),
                },
            )
    except IntegrityError:
        pass  # another process stored the same data's release first: this one is as good
    _CACHE[PUBLIC] = (fingerprint, release)
    return release


def public_release() -> Release:
    """What may be published: every table protected. Made once per release period (config:
    a month by default), from the incidents recorded before the period began, and kept all
    through it, in this process and in the database for every other; made again within the
    period only when k or the counted statuses change or a consent to statistics is
    withdrawn (checked on every call, so the first view after a withdrawal already leaves
    that person out). A new incident, a correction or a consent given waits for the next
    period, mixed with everything else recorded in it: the difference between two releases
    never shows one change. The worker makes it as the period begins (`refresh`)."""
    period = _period()
    fingerprint = _fingerprint(period)
    # The stored one's time only (a lone row's column): the content is read once per process.
    stored_at = (
        StoredRelease.objects.filter(name=PUBLIC, fingerprint=fingerprint)
        .values_list("made_at", flat=True)
        .first()
    )
    if stored_at is None:
        return _make(fingerprint, period, clock.now())
    cached = _CACHE.get(PUBLIC)
    if cached and cached[0] == fingerprint and cached[1].made_at == stored_at:
        return cast(Release, cached[1])
    stored = StoredRelease.objects.get(name=PUBLIC)
    release = _from_json(stored.content, stored.made_at)
    _CACHE[PUBLIC] = (fingerprint, release)
    return release


def refresh() -> int:
    """The worker's round: keep the counts current for the staff dashboard (what changed;
    every part afresh every few hours, for a change no part's version sees) and make the
    period's public release as soon as it is due, so that page views find it ready. 1 if
    it made one."""
    period = _period()
    fingerprint = _fingerprint(period)
    # Every few hours everything is counted afresh, off the page views: a change no part's
    # version sees (a raw edit of the database) is in the counts by then.
    recount = kept.recount_due()
    if not StoredRelease.objects.filter(name=PUBLIC, fingerprint=fingerprint).exists():
        _make(fingerprint, period, clock.now(), recount=recount)
        return 1
    kept.counts(recount=recount)
    return 0


def staff_release() -> Release:
    """The same tables with every count shown (staff who may read coded data)."""
    tables = _align_years(_counts())
    shown = {
        slug: Protected(
            t.rows,
            t.cols,
            {
                key: Cell(Status.PUBLISHED, value)
                for key, value in extend(t.rows, t.cols, t.counts).items()
            },
        )
        for slug, t in tables.items()
    }
    k = config.min_count()
    return Release(k, config.counted_statuses(), clock.now(), shown, protected=False)


@dataclass(frozen=True)
class Shown:
    """A cell as a page shows it."""

    cell: Cell
    text: str
    title: str = ""

    @property
    def html(self) -> str:
        """The cell as a table shows it (built here rather than by an included template per
        cell: a page has a thousand cells)."""
        if self.title:
            return format_html(
                '<abbr title="{0}">{1}</abbr><span class="sr"> {0}</span>', self.title, self.text
            )
        return conditional_escape(self.text)


@dataclass
class TableView:
    spec: TableSpec
    cols: list[tuple[str, str]]
    rows: list[tuple[str, str, list[Shown], Shown | None]]
    totals: list[Shown] | None
    grand: Shown | None
    unfiltered_by: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rows or not self.cols


def shown(cell: Cell, k: int) -> Shown:
    if cell.status is Status.PRIMARY:
        return Shown(cell, f"<{k}", _("fewer than %(k)s") % {"k": k})
    if cell.status is Status.SECONDARY:
        return Shown(cell, "×", _("withheld to protect another count"))
    return Shown(cell, str(cell.value))


def _keeps(variable: str, value: str, wanted: str) -> bool:
    if variable == "region":  # rows of a region table belong to their country
        return value.startswith(f"{wanted}-") or value == f"{wanted}:unknown"
    return value == wanted


def view(release: Release, spec: TableSpec, filters: Mapping[str, str]) -> TableView:
    """The table's slice for these filters (only published cells: no new computation)."""
    table = release.table(spec.slug)
    row_filter = next((v for name, v in filters.items() if v and _matches(name, spec.row)), "")
    col_filter = next((v for name, v in filters.items() if v and _matches(name, spec.col)), "")
    rows = [r for r in table.rows if not row_filter or _keeps(spec.row, r, row_filter)]
    cols = [c for c in table.cols if not col_filter or _keeps(spec.col, c, col_filter)]
    k = release.k
    col_labels = [(c, spec.col_variable.value_label(c)) for c in cols]
    lines = [
        (
            r,
            spec.row_variable.value_label(r),
            [shown(table.cell(r, c), k) for c in cols],
            None if col_filter else shown(table.cell(r, TOTAL), k),
        )
        for r in rows
    ]
    totals = None if row_filter else [shown(table.cell(TOTAL, c), k) for c in cols]
    grand = None if row_filter or col_filter else shown(table.cell(TOTAL, TOTAL), k)
    unfiltered = [
        name
        for name, value in filters.items()
        if value and not _matches(name, spec.row) and not _matches(name, spec.col)
    ]
    return TableView(spec, col_labels, lines, totals, grand, unfiltered)


def _matches(filter_name: str, variable: str) -> bool:
    return filter_name == variable or (filter_name == "country" and variable == "region")


def views(release: Release, filters: Mapping[str, str]) -> list[TableView]:
    return [view(release, spec, filters) for spec in TABLES]


def clean_filters(query: Mapping[str, Any]) -> dict[str, str]:
    """The filters of a query string, each kept only if it is a well-formed code (anything
    else is ignored: a public page never fails on a hand-edited address)."""
    found: dict[str, str] = {}
    for name in FILTERS:
        value = str(query.get(name, "")).strip()
        if not value or len(value) > 32 or not value.replace("_", "").isalnum():
            continue
        found[name] = value.upper() if name == "country" else value
    return found


def rows_of(release: Release) -> Any:
    """Every published cell of every table, one at a time (the open-data files)."""
    for spec in TABLES:
        table = release.table(spec.slug)
        for r in (*table.rows, TOTAL):
            for c in (*table.cols, TOTAL):
                yield spec, r, c, table.cell(r, c)
