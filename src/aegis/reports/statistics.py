"""The catalogue of published tables and their counts, aggregated in the database (GROUP BY):
no incident, act or victim row is ever read into Python, only one line per cell.

Each table counts one unit (incidents, acts, victims, or acts by perpetrator type) by a row
variable and a column variable. Tables counting the same unit share their totals
(`disclosure.protect_linked` withholds a shared total alike in each)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, QuerySet
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aegis import places
from aegis.cases import selectors as cases
from aegis.cases.vocabulary import AgeGroup, Gender, Sector
from aegis.incidents import selectors as incidents
from aegis.incidents.vocabulary import PerpetratorType, VerificationStatus, ViolationType

from . import config

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Variable:
    """A variable tables are broken down by: its code, label, the values it always shows
    (a vocabulary; others come from the data) and how a value reads."""

    code: str
    label: Promise
    values: tuple[str, ...] = ()
    choices: Mapping[str, Any] | None = None

    def value_label(self, value: str) -> str:
        if self.code == "country":
            return places.country_name(value) or str(_("Not known"))
        if self.code == "region":
            # A known region is its ISO 3166-2 code ("CO-ANT"); an unknown one "CO:<unknown>".
            country, _sep, region = value.partition(":")
            if not _sep:
                country, region = value.split("-")[0], value
            if region == UNKNOWN:
                return ", ".join(
                    p for p in (str(_("Region not known")), places.country_name(country)) if p
                )
            return places.place_label(country, region) or value
        if self.code == "month":
            return (
                str(_MONTHS[int(value) - 1]) if value.isdigit() and 0 < int(value) <= 12 else value
            )
        if self.choices is not None:
            return str(self.choices.get(value, _("Not known")))
        return value


_MONTHS = [
    _("January"), _("February"), _("March"), _("April"), _("May"), _("June"), _("July"),
    _("August"), _("September"), _("October"), _("November"), _("December"),
]  # fmt: skip


def _vocabulary(choices: Any, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    return {**dict(choices.choices), **{code: _("Not known") for code in extra}}


VARIABLES = {
    v.code: v
    for v in [
        Variable("year", _("Year")),
        Variable("month", _("Month"), tuple(str(m) for m in range(1, 13))),
        Variable("country", _("Country")),
        Variable("region", _("First-level region")),
        Variable(
            "violation", _("Violation"), tuple(ViolationType.values), _vocabulary(ViolationType)
        ),
        Variable(
            "perpetrator",
            _("Perpetrator type"),
            tuple(PerpetratorType.values),
            _vocabulary(PerpetratorType),
        ),
        Variable("sex", _("Victim's sex"), tuple(Gender.values), _vocabulary(Gender)),
        Variable("age", _("Victim's age group"), tuple(AgeGroup.values), _vocabulary(AgeGroup)),
        Variable(
            "sector",
            _("Defender's sector"),
            (*Sector.values, UNKNOWN),
            _vocabulary(Sector, (UNKNOWN,)),
        ),
        Variable(
            "verification",
            _("Verification"),
            tuple(VerificationStatus.values),
            _vocabulary(VerificationStatus),
        ),
    ]
}

UNITS: dict[str, Promise] = {
    "incidents": _("incidents"),
    "acts": _("acts (violations)"),
    "victims": _("victims"),
    "involvements": _("acts by perpetrator type"),
}

# How each unit reaches each variable (the database expressions to group by).
_YEAR = {
    "incidents": ExtractYear("month_start"),
    "acts": ExtractYear("incident__month_start"),
    "victims": ExtractYear("act__incident__month_start"),
}
_EXPRESSIONS: dict[str, dict[str, Any]] = {
    "incidents": {
        "year": _YEAR["incidents"],
        "month": ExtractMonth("month_start"),
        "country": F("country"),
        "verification": F("verification"),
    },
    "acts": {"year": _YEAR["acts"], "violation": F("violation_type")},
    "victims": {
        "year": _YEAR["victims"],
        "violation": F("act__violation_type"),
        "sex": F("sex"),
        "age": F("age_group"),
    },
    "involvements": {
        "violation": F("act__violation_type"),
        "perpetrator": F("perpetrator__perpetrator_type"),
    },
}


@dataclass(frozen=True)
class TableSpec:
    slug: str
    unit: str
    row: str
    col: str
    title: Promise

    @property
    def row_variable(self) -> Variable:
        return VARIABLES[self.row]

    @property
    def col_variable(self) -> Variable:
        return VARIABLES[self.col]


TABLES = [
    TableSpec("incidents-by-month", "incidents", "month", "year", _("Incidents by month and year")),
    TableSpec(
        "incidents-by-country", "incidents", "country", "year", _("Incidents by country and year")
    ),
    TableSpec(
        "incidents-by-verification",
        "incidents",
        "verification",
        "year",
        _("Incidents by verification status and year"),
    ),
    TableSpec("acts-by-violation", "acts", "violation", "year", _("Acts by violation and year")),
    TableSpec(
        "perpetrators",
        "involvements",
        "perpetrator",
        "violation",
        _("Acts by perpetrator type and violation"),
    ),
    TableSpec("victims-by-sex-and-age", "victims", "sex", "age", _("Victims by sex and age group")),
    TableSpec(
        "victims-by-violation-and-sector",
        "victims",
        "violation",
        "sector",
        _("Victims by violation and defender's sector"),
    ),
    TableSpec(
        "victims-by-sector", "victims", "sector", "year", _("Victims by defender's sector and year")
    ),
    TableSpec(
        "victims-by-region", "victims", "region", "sex", _("Victims by first-level region and sex")
    ),
]
TABLES_BY_SLUG = {spec.slug: spec for spec in TABLES}


def counted_incidents(parts: Iterable[int] | None = None, end: int | None = None) -> QuerySet[Any]:
    """The incidents statistics may count (consent and verification), as a query; with
    `parts`, only those of these parts, and with `end`, only those whose id is below it."""
    consenting = cases.consenting_people(config.CONSENT_SCOPE)
    ranges = None if parts is None else _id_ranges(parts)
    if ranges is not None and end is not None:
        ranges = [(first, min(last, end)) for first, last in ranges if first < end]
    return incidents.statistics_incidents(consenting, config.counted_statuses(), ranges)


def _base(unit: str, counted: QuerySet[Any]) -> QuerySet[Any]:
    sources: dict[str, Callable[[QuerySet[Any]], QuerySet[Any]]] = {
        "incidents": lambda q: q,
        "acts": incidents.acts_of_incidents,
        "victims": incidents.victims_of_incidents,
        "involvements": incidents.involvements_of_incidents,
    }
    return sources[unit](counted)


def _group(unit: str, variable: str) -> dict[str, Any]:
    """The expressions to group `unit` by `variable`, named after it ("g_" + variable: an
    annotation may not take a field's name)."""
    if unit == "victims" and variable == "region":
        return {
            "g_region_country": F("act__incident__country"),
            "g_region_code": F("act__incident__region"),
        }
    if unit == "victims" and variable == "sector":
        return {"g_sector": F("person__sector")}
    return {f"g_{variable}": _EXPRESSIONS[unit][variable]}


def _key(variable: str, row: Mapping[str, Any]) -> str:
    if variable == "region":
        country, region = row["g_region_country"] or "", row["g_region_code"] or ""
        return region if region else f"{country}:{UNKNOWN}"
    value = row[f"g_{variable}"]
    if value is None or value == "":
        return UNKNOWN
    return str(value)


Counts = dict[tuple[str, str], int]
# The counts are kept per part of the incidents: PART_SIZE consecutive incident ids, so
# that after a change only the parts it touched are counted again (`reports.kept`). Each
# act, victim and involvement belongs to its incident's part, so a table is the sum of
# its parts' tables.
PART_SIZE = 4096
_INCIDENT_ID = {
    "incidents": "pk",
    "acts": "incident_id",
    "victims": "act__incident_id",
    "involvements": "act__incident_id",
}


def _part(unit: str) -> Any:
    return ExpressionWrapper(F(_INCIDENT_ID[unit]) / PART_SIZE, output_field=BigIntegerField())


def raw_counts(spec: TableSpec, counted: QuerySet[Any]) -> Counts:
    """One GROUP BY over the unit's rows: {(row value, column value): count}."""
    return unit_counts(spec.unit, [spec], counted)[spec.slug]


def unit_counts(unit: str, specs: list[TableSpec], counted: QuerySet[Any]) -> dict[str, Counts]:
    """Every table of one unit, all parts together."""
    found: dict[str, Counts] = {spec.slug: {} for spec in specs}
    for tables in unit_part_counts(unit, specs, counted).values():
        for slug, counts in tables.items():
            add(found[slug], counts)
    return found


def unit_part_counts(
    unit: str, specs: list[TableSpec], counted: QuerySet[Any]
) -> dict[int, dict[str, Counts]]:
    """Every table of one unit, per part, from one GROUP BY over all their variables and
    the part (the counted incidents are worked out once per unit rather than once per
    table): each row of the unit is in exactly one group, so a table's cell is the sum of
    its groups."""
    groups: dict[str, Any] = {"g_part": _part(unit)}
    for spec in specs:
        groups.update({**_group(unit, spec.row), **_group(unit, spec.col)})
    names = list(groups)
    measure = Count("act", distinct=True) if unit == "involvements" else Count("pk")
    if unit == "involvements" and len(specs) > 1:
        raise ValueError("distinct acts cannot be summed across groups")
    query = _base(unit, counted).annotate(**groups).values(*names).annotate(n=measure)
    parts: dict[int, dict[str, Counts]] = {}
    for line in query.order_by():
        n = int(line["n"])
        tables = parts.setdefault(int(line["g_part"]), {spec.slug: {} for spec in specs})
        for spec in specs:
            key = (_key(spec.row, line), _key(spec.col, line))
            table = tables[spec.slug]
            table[key] = table.get(key, 0) + n
    return parts


def add(total: Counts, counts: Counts) -> None:
    for key, n in counts.items():
        total[key] = total.get(key, 0) + n


def _id_ranges(parts: Iterable[int]) -> list[tuple[int, int]]:
    """The ids of these parts, as (first, end) ranges (neighbouring parts make one range)."""
    ranges: list[list[int]] = []
    for part in sorted(set(parts)):
        if ranges and ranges[-1][1] == part:
            ranges[-1][1] = part + 1
        else:
            ranges.append([part, part + 1])
    return [(first * PART_SIZE, end * PART_SIZE) for first, end in ranges]


def part_counts(
    parts: Iterable[int] | None = None, end: int | None = None
) -> dict[int, dict[str, Counts]]:
    """Every table of the catalogue per part, for every part or only these (and with `end`,
    only their incidents whose id is below it): one query per
    unit, in one transaction (the tables agree with each other), each joined to the counted
    incidents worked out once before them (`incidents.counted_once`). A part with nothing
    counted is missing. PostgreSQL's JIT compiler is turned off for them: their plans look
    costly enough to compile, and compiling took longer than running them (three times as
    long in all at 100,000 incidents)."""
    if parts is not None:
        parts = set(parts)
        if not parts:
            return {}
    counted = counted_incidents(parts, end)
    units: dict[str, list[TableSpec]] = {}
    for spec in TABLES:
        units.setdefault(spec.unit, []).append(spec)
    found: dict[int, dict[str, Counts]] = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        with incidents.counted_once(counted) as once:
            for unit, specs in units.items():
                for part, tables in unit_part_counts(unit, specs, once).items():
                    found.setdefault(part, {}).update(tables)
    return found


def all_counts() -> dict[str, Counts]:
    """Every table of the catalogue, counted afresh from every incident."""
    found: dict[str, Counts] = {spec.slug: {} for spec in TABLES}
    for tables in part_counts().values():
        for slug, counts in tables.items():
            add(found[slug], counts)
    return found


def axis(variable: Variable, present: set[str]) -> tuple[str, ...]:
    """The values a table shows: the vocabulary's, then any others found, in order; years
    run without a gap from the first to the last."""
    if variable.code == "year":
        years = sorted(int(v) for v in present if v.isdigit())
        return tuple(str(y) for y in range(years[0], years[-1] + 1)) if years else ()
    values = variable.values
    if variable.code == "verification":
        # Only the statuses counted: an uncounted one is a row of zeros known in advance,
        # and a "fewer than k" beside it had been worked out from the column's total.
        counted = set(config.counted_statuses())
        values = tuple(v for v in values if v in counted)
    extra = sorted(present - set(values))
    return (*values, *extra)
