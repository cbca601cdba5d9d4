"""Tables from the programmes beside the incidents: emergency grants (support) and
communications to mechanisms (advocacy). Built from those apps' aggregate selectors (counts
and sums, never a row about a person) and protected by the same disclosure control as every
other table (disclosure.protect_linked).

Grants count only where their beneficiary agreed to be counted in public statistics, as
incidents do. A sum of money is published only where the count of its cell is and no one or
two grants make most of it (the (2, 85 %)-dominance rule, disclosure.protect_sums); withheld
sums get secondary suppression as counts do, so none can be worked out by subtraction from
the published totals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock
from aegis.advocacy import selectors as advocacy
from aegis.cases import selectors as cases
from aegis.support import selectors as support
from aegis.support.vocabulary import GrantType

from . import config
from .disclosure import (
    TOTAL,
    Key,
    LinkedTable,
    Protected,
    dominated,
    largest,
    protect,
    protect_linked,
    protect_sums,
)
from .release import Release, Shown, TableView, view
from .statistics import UNKNOWN, VARIABLES, TableSpec, Variable, axis

GRANT_TYPE = Variable(
    "grant_type", gettext_lazy("Type of grant"), tuple(GrantType.values), dict(GrantType.choices)
)
REPLY = Variable(
    "reply",
    gettext_lazy("Reply"),
    ("replied", "awaiting"),
    {"replied": gettext_lazy("Replied"), "awaiting": gettext_lazy("No reply yet")},
)


@dataclass(frozen=True)
class ProgrammeSpec(TableSpec):
    """A table whose variables are not in the incidents' catalogue."""

    rows_by: Variable | None = None
    cols_by: Variable | None = None

    @property
    def row_variable(self) -> Variable:
        return self.rows_by or VARIABLES[self.row]

    @property
    def col_variable(self) -> Variable:
        return self.cols_by or VARIABLES[self.col]


GRANT_TABLES = [
    ProgrammeSpec(
        "grants-by-type",
        "grants",
        "grant_type",
        "year",
        gettext_lazy("Emergency grants by type and year"),
        rows_by=GRANT_TYPE,
    ),
    ProgrammeSpec(
        "grants-by-month",
        "grants",
        "month",
        "year",
        gettext_lazy("Emergency grants by month and year"),
    ),
    ProgrammeSpec(
        "grants-by-country",
        "grants",
        "country",
        "year",
        gettext_lazy("Emergency grants by country and year"),
    ),
]


@dataclass(frozen=True)
class Grants:
    """The protected counts of grants (a release of their own), the sums behind them, which
    sums may be published (`sums`) and which of the withheld ones are dominated."""

    release: Release
    amounts: Mapping[str, Mapping[Key, Decimal]]
    currency: str
    sums: Mapping[str, Protected]
    dominated: Mapping[str, frozenset[Key]]

    def sum_status(self, slug: str, key: Key) -> str:
        """A sum's status: "published"; "dominated" where one or two grants make most of it
        (its count published); "withheld" otherwise (its count withheld, or to protect
        another sum)."""
        if self.sums[slug].cell(*key).published:
            return "published"
        counted = self.release.table(slug).cell(*key).published
        return "dominated" if counted and key in self.dominated[slug] else "withheld"


def _with_totals(
    values: Mapping[Key, Decimal], rows: tuple[str, ...], cols: tuple[str, ...]
) -> dict[Key, Decimal]:
    full = {(r, c): values.get((r, c), Decimal(0)) for r in rows for c in cols}
    for r in rows:
        full[(r, TOTAL)] = sum((full[(r, c)] for c in cols), Decimal(0))
    for c in cols:
        full[(TOTAL, c)] = sum((full[(r, c)] for r in rows), Decimal(0))
    full[(TOTAL, TOTAL)] = sum((full[(r, TOTAL)] for r in rows), Decimal(0))
    return full


def _largest_with_totals(
    tops: Mapping[Key, tuple[Decimal, ...]], rows: tuple[str, ...], cols: tuple[str, ...]
) -> dict[Key, tuple[Decimal, ...]]:
    """The largest contributions of every cell and total (a total's are among its cells')."""
    full = {(r, c): tops.get((r, c), ()) for r in rows for c in cols}
    for r in rows:
        full[(r, TOTAL)] = largest(x for c in cols for x in full[(r, c)])
    for c in cols:
        full[(TOTAL, c)] = largest(x for r in rows for x in full[(r, c)])
    full[(TOTAL, TOTAL)] = largest(x for r in rows for x in full[(r, TOTAL)])
    return full


def grants(k: int, approved_before: datetime | None = None) -> Grants | None:
    """Every grant approved or further on whose beneficiary agreed to be counted in public
    statistics (the incidents' consent, through the same selector), by type, month and
    country of each year of the request; None when there is none. `approved_before`: the
    public release's cut (release.Release.grants_before): a grant approved since waits for
    the next release, as a new incident does."""
    consenting = cases.consenting_people(config.CONSENT_SCOPE)
    cells = support.grant_cells(consenting, approved_before)
    return build(cells, k, support.base_currency()) if cells else None


def build(cells: Iterable[support.GrantCell], k: int, currency: str) -> Grants:
    """The grant tables from the grouped grants (no database): counts protected, then sums."""
    counts: dict[str, dict[Key, int]] = {spec.slug: {} for spec in GRANT_TABLES}
    sums: dict[str, dict[Key, Decimal]] = {spec.slug: {} for spec in GRANT_TABLES}
    tops: dict[str, dict[Key, tuple[Decimal, ...]]] = {spec.slug: {} for spec in GRANT_TABLES}
    for cell in cells:
        year, month = cell.month[:4], str(int(cell.month[5:7]))
        for slug, row in (
            ("grants-by-type", cell.grant_type),
            ("grants-by-month", month),
            ("grants-by-country", cell.country),
        ):
            key = (row or UNKNOWN, year)
            counts[slug][key] = counts[slug].get(key, 0) + cell.count
            sums[slug][key] = sums[slug].get(key, Decimal(0)) + cell.amount
            tops[slug][key] = largest((*tops[slug].get(key, ()), *cell.largest))
    tables: dict[str, LinkedTable] = {}
    amounts: dict[str, Mapping[Key, Decimal]] = {}
    sensitive: dict[str, frozenset[Key]] = {}
    for spec in GRANT_TABLES:
        present = counts[spec.slug]
        rows = axis(spec.row_variable, {r for r, _c in present})
        cols = axis(spec.col_variable, {c for _r, c in present})
        tables[spec.slug] = LinkedTable(
            rows, cols, present, "grants", f"grants:{spec.row}", "grants:year"
        )
        amounts[spec.slug] = full = _with_totals(sums[spec.slug], rows, cols)
        biggest = _largest_with_totals(tops[spec.slug], rows, cols)
        sensitive[spec.slug] = frozenset(key for key in full if dominated(biggest[key], full[key]))
    protected = _protected(tables, k)
    release = Release(k, (), clock.now(), protected)
    published_sums = _protected(tables, k, sensitive, protected)
    return Grants(release, amounts, currency, published_sums, sensitive)


_LAST: dict[str, Any] = {}


def _protected(
    tables: dict[str, LinkedTable],
    k: int,
    sensitive: Mapping[str, frozenset[Key]] | None = None,
    counts: Mapping[str, Protected] | None = None,
) -> dict[str, Protected]:
    """Protection is the costly part (linear programming): kept while the counts (and, for
    sums, the dominated cells) it was made from are the same (the public page, its filters
    and the open data ask in turn). Counts without `sensitive`, sums with it."""
    key = (
        k,
        tuple((s, t.rows, t.cols, tuple(sorted(t.counts.items()))) for s, t in tables.items()),
        None if sensitive is None else tuple((s, tuple(sorted(v))) for s, v in sensitive.items()),
    )
    slot = "counts" if sensitive is None else "sums"
    last = _LAST.get(slot)  # one tuple, replaced whole: safe across threads
    if last is None or last[0] != key:
        if sensitive is None or counts is None:
            made = protect_linked(tables, k)
        else:
            made = protect_sums(tables, counts, sensitive, k)
        last = (key, made)
        _LAST[slot] = last
    return dict(last[1])


def grant_views(found: Grants, filters: Mapping[str, str]) -> list[tuple[TableView, TableView]]:
    """Each grant table as counts and as sums, sliced by the filters (no new computation)."""
    return [
        (counts, amount_view(found, counts))
        for spec in GRANT_TABLES
        for counts in [view(found.release, spec, filters)]
    ]


def _amount(found: Grants, slug: str, key: Key, shown: Shown) -> Shown:
    if not shown.cell.published:
        return Shown(shown.cell, "×", _("withheld: the number of grants it sums is not published"))
    cell = found.sums[slug].cell(*key)
    status = found.sum_status(slug, key)
    if status == "published":
        return Shown(cell, f"{found.amounts[slug][key]:,.2f}")
    if status == "dominated":
        return Shown(cell, "×", _("withheld: one or two grants make most of it"))
    return Shown(cell, "×", _("withheld to protect another sum"))


def amount_view(found: Grants, counts: TableView) -> TableView:
    """The sums of a table of counts, each published only where its count is and where the
    dominance rule allows (disclosure.protect_sums)."""
    slug = counts.spec.slug
    cols = [code for code, _label in counts.cols]
    rows = [
        (
            r,
            label,
            [_amount(found, slug, (r, c), cell) for c, cell in zip(cols, cells, strict=True)],
            None if total is None else _amount(found, slug, (r, TOTAL), total),
        )
        for r, label, cells, total in counts.rows
    ]
    totals = (
        None
        if counts.totals is None
        else [
            _amount(found, slug, (TOTAL, c), cell)
            for c, cell in zip(cols, counts.totals, strict=True)
        ]
    )
    grand = None if counts.grand is None else _amount(found, slug, (TOTAL, TOTAL), counts.grand)
    title = format_lazy(
        "{} ({})",
        _("Amounts granted, in %(currency)s") % {"currency": found.currency},
        counts.spec.title,
    )
    spec = replace(counts.spec, title=title)
    return TableView(spec, counts.cols, rows, totals, grand, counts.unfiltered_by)


COMMUNICATIONS = ProgrammeSpec(
    "communications",
    "communications",
    "mechanism",
    "reply",
    gettext_lazy("Communications sent to mechanisms and replies"),
    cols_by=REPLY,
)


def communications(year: int, k: int) -> TableView | None:
    """Communications written in the year and sent, per mechanism, replied or not yet (two
    parts of one whole, so no count can be read off another); None when none was sent."""
    found = [
        m
        for m in advocacy.outcome_counts(since=date(year, 1, 1), until=date(year, 12, 31))
        if m.sent
    ]
    if not found:
        return None
    names = {m.code: m.name for m in found}
    counts: dict[Key, int] = {}
    for m in found:
        replied = min(m.answered, m.sent)
        counts[(m.code, "replied")] = replied
        counts[(m.code, "awaiting")] = m.sent - replied
    spec = replace(
        COMMUNICATIONS, rows_by=Variable("mechanism", gettext_lazy("Mechanism"), (), names)
    )
    rows = tuple(sorted(names, key=lambda code: names[code]))
    protected = protect(rows, REPLY.values, counts, k)
    release = Release(k, (), clock.now(), {spec.slug: protected})
    return view(release, spec, {})
