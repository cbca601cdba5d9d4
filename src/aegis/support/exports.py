"""The ledger as CSV for an external auditor: numbers, dates, kinds, pseudonymous grant
references, amounts and currencies. No name, no case, no payment detail."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from .models import LedgerEntry

COLUMNS = [
    "entry",
    "date",
    "kind",
    "grant",
    "grant_type",
    "tranche",
    "method",
    "amount",
    "currency",
    "rate",
    "grant_amount",
    "grant_currency",
    "mac",
]


def _cell(value: object) -> str:
    # A cell a spreadsheet would run as a formula is prefixed, as OWASP advises.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@"} else text


def ledger_csv(entries: Iterable[LedgerEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    e.seq,
                    e.at.isoformat(),
                    e.kind,
                    e.grant_ref,
                    e.grant_type,
                    e.tranche,
                    e.method,
                    e.amount,
                    e.currency,
                    e.rate,
                    e.grant_amount,
                    e.grant_currency,
                    e.mac,
                )
            ]
        )
    return out.getvalue()
