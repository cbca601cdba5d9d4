"""Tables from the programmes beside the incidents: emergency grants (support) and
communications to mechanisms (advocacy). Built from those apps' aggregate selectors (counts
and sums, never a row about a person) and protected by the same disclosure control as every
other table (disclosure.protect_linked).

A sum of money is published only where the count of its cell is: a withheld count withholds
its sum too. The sums then follow the same pattern of withheld cells as the counts, so each
withheld sum shares its row and column with another withheld one and cannot be worked out by
subtraction from the published totals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock
from aegis.advocacy import selectors as advocacy
from aegis.support import selectors as support
from aegis.support.vocabulary import GrantType

from .disclosure import TOTAL, Key, LinkedTable, Protected, protect, protect_linked
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
    """The protected counts of grants (a release of their own) and the sums behind them."""

    release: Release
    amounts: Mapping[str, Mapping[Key, Decimal]]
    currency: str


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


def grants(k: int) -> Grants | None:
    """Every grant approved or further on, by type, month and country of each year of the
    request; None when there is none."""
    overall = support.grant_totals()
    if not overall.count:
        return None
    counts: dict[str, dict[Key, int]] = {spec.slug: {} for spec in GRANT_TABLES}
    sums: dict[str, dict[Key, Decimal]] = {spec.slug: {} for spec in GRANT_TABLES}

    def put(slug: str, row: str, year: str, count: int, amount: Decimal) -> None:
        key = (row or UNKNOWN, year)
        counts[slug][key] = counts[slug].get(key, 0) + count
        sums[slug][key] = sums[slug].get(key, Decimal(0)) + amount

    for total in overall.by_month:
        put("grants-by-month", str(int(total.key[5:7])), total.key[:4], total.count, total.amount)
    years = sorted({total.key[:4] for total in overall.by_month})
    for year in years:
        found = support.grant_totals(since=date(int(year), 1, 1), until=date(int(year), 12, 31))
        for total in found.by_type:
            put("grants-by-type", total.key, year, total.count, total.amount)
        for total in found.by_country:
            put("grants-by-country", total.key, year, total.count, total.amount)
    tables: dict[str, LinkedTable] = {}
    amounts: dict[str, Mapping[Key, Decimal]] = {}
    for spec in GRANT_TABLES:
        present = counts[spec.slug]
        rows = axis(spec.row_variable, {r for r, _c in present})
        cols = axis(spec.col_variable, {c for _r, c in present})
        tables[spec.slug] = LinkedTable(
            rows, cols, present, "grants", f"grants:{spec.row}", "grants:year"
        )
        amounts[spec.slug] = _with_totals(sums[spec.slug], rows, cols)
    release = Release(k, (), clock.now(), _protected(tables, k))
    return Grants(release, amounts, overall.currency)


_LAST: dict[str, Any] = {}


def _protected(tables: dict[str, LinkedTable], k: int) -> dict[str, Protected]:
    """Protection is the costly part (linear programming): kept while the counts it was
    made from are the same (the public page, its filters and the open data ask in turn)."""
    key = (
        k,
        tuple((s, t.rows, t.cols, tuple(sorted(t.counts.items()))) for s, t in tables.items()),
    )
    last = _LAST.get("last")  # one tuple, replaced whole: safe across threads
    if last is None or last[0] != key:
        last = (key, protect_linked(tables, k))
        _LAST["last"] = last
    return dict(last[1])


def grant_views(found: Grants, filters: Mapping[str, str]) -> list[tuple[TableView, TableView]]:
    """Each grant table as counts and as sums, sliced by the filters (no new computation)."""
    return [
        (counts, amount_view(counts, found.amounts[spec.slug], found.currency))
        for spec in GRANT_TABLES
        for counts in [view(found.release, spec, filters)]
    ]


def _amount(shown: Shown, amount: Decimal) -> Shown:
    if not shown.cell.published:
        return Shown(shown.cell, "×", _("withheld: the number of grants it sums is not published"))
    return Shown(shown.cell, f"{amount:,.2f}")


def amount_view(counts: TableView, amounts: Mapping[Key, Decimal], currency: str) -> TableView:
    """The sums of a table of counts, each published only where its count is."""
    cols = [code for code, _label in counts.cols]
    rows = [
        (
            r,
            label,
            [_amount(cell, amounts[(r, c)]) for c, cell in zip(cols, cells, strict=True)],
            None if total is None else _amount(total, amounts[(r, TOTAL)]),
        )
        for r, label, cells, total in counts.rows
    ]
    totals = (
        None
        if counts.totals is None
        else [
            _amount(cell, amounts[(TOTAL, c)]) for c, cell in zip(cols, counts.totals, strict=True)
        ]
    )
    grand = None if counts.grand is None else _amount(counts.grand, amounts[(TOTAL, TOTAL)])
    title = format_lazy(
        "{} ({})", _("Amounts granted, in %(currency)s") % {"currency": currency}, counts.spec.title
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
