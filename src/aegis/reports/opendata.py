"""The open-data files: every published cell of every table, one line each, written as it
is sent (the release holds aggregates only, so memory does not grow with the incidents).
Withheld cells have an empty count and their status; no line is about a person. The tables
of emergency grants follow, each cell with its amount (empty unless its count is published
and the dominance rule allows) and that amount's status."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from .disclosure import TOTAL
from .programmes import GRANT_TABLES, Grants
from .release import Release, rows_of

COLUMNS = [
    "table",
    "unit",
    "row_variable",
    "row_value",
    "column_variable",
    "column_value",
    "count",
    "status",
    "amount",
    "currency",
    "amount_status",
]


class _Line:
    """A file-like object that hands back what csv.writer writes."""

    def write(self, value: str) -> str:
        return value


def _value(value: str) -> str:
    return "total" if value == TOTAL else value


def records(release: Release, grants: Grants | None = None) -> Iterator[dict[str, Any]]:
    for spec, row, col, cell in rows_of(release):
        yield _record(spec, row, col, cell)
    if grants is None:
        return
    for spec in GRANT_TABLES:
        table = grants.release.table(spec.slug)
        for r in (*table.rows, TOTAL):
            for c in (*table.cols, TOTAL):
                cell = table.cell(r, c)
                status = grants.sum_status(spec.slug, (r, c))
                amount = grants.amounts[spec.slug][(r, c)]
                yield _record(spec, r, c, cell) | {
                    "amount": str(amount) if status == "published" else None,
                    "currency": grants.currency,
                    "amount_status": status,
                }


def _record(spec: Any, row: str, col: str, cell: Any) -> dict[str, Any]:
    return {
        "table": spec.slug,
        "unit": spec.unit,
        "row_variable": spec.row,
        "row_value": _value(row),
        "column_variable": spec.col,
        "column_value": _value(col),
        "count": cell.value,
        "status": cell.status.value,
        "amount": None,
        "currency": None,
        "amount_status": None,
    }


def csv_lines(release: Release, grants: Grants | None = None) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for record in records(release, grants):
        yield writer.writerow(["" if record[c] is None else record[c] for c in COLUMNS])


def json_chunks(release: Release, grants: Grants | None = None) -> Iterator[str]:
    head = {
        "threshold": release.k,
        "verification_statuses_counted": list(release.statuses),
        "made_at": release.made_at.isoformat(),
        "columns": COLUMNS,
    }
    yield json.dumps(head)[:-1] + ', "cells": ['
    first = True
    for record in records(release, grants):
        yield ("" if first else ",\n") + json.dumps(record)
        first = False
    yield "]}\n"
