"""The findings of a scope, computed once and kept until something they are made of changes.

The findings query (patterns.py) costs what the incidents of the window cost: at a network's
size, most of a page's time. Every reader with the same compartments sees the same findings,
and they change only when an incident, one of its parts, a link to a case, a case or a person
is written, or the day or the settings change. So a scope's findings are kept as one row
(models.FindingsSnapshot) stamped with the day, the settings and the number of
models.FindingsVersion, which every such write raises once it commits (receivers);
a reader takes the row while its stamp is current, and otherwise computes the findings and
keeps them. The number is read before computing: a write committed meanwhile leaves the
snapshot stamped with the older number, so the next reader computes again."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from .models import FindingsSnapshot, FindingsVersion
from .patterns import Finding

EVERYONE = "all"


def scope_of(compartment_ids: Iterable[int]) -> str:
    """The key of a set of compartments (a digest: a long list would not fit the column)."""
    text = ",".join(str(i) for i in sorted(set(compartment_ids)))
    return hashlib.sha256(text.encode()).hexdigest()


def changed() -> None:
    """Something findings are made of was written: every snapshot is out of date once the
    write commits. The number is raised after the commit (on_commit), not in the writer's
    transaction: there its row lock would be held to the end and, against the audit head's
    lock taken in the other order by a concurrent writer, deadlock (seen on PostgreSQL). A
    reader between the commit and the raise computes with the new rows, stamps the older
    number, and the next reader computes again.

    Once per transaction: a write that touches many parts (an incident with its acts,
    victims and sources, a case and its links) raises the number once. A raise already
    waiting on this transaction stands for this write too: it runs if and only if this write
    commits (one registered inside a savepoint since rolled back is no longer waiting, so
    this one registers afresh)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        isinstance(callback, _Raise) and callback.waiting
        for _savepoints, callback, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_Raise())


class _Raise:
    """One transaction's raise of the number, waiting until it has run (Django's test
    harness runs callbacks without emptying its list, where a commit would)."""

    def __init__(self) -> None:
        self.waiting = True

    def __call__(self) -> None:
        self.waiting = False
        _raise_version()


def _raise_version() -> None:
    if not FindingsVersion.objects.filter(pk=1).update(version=F("version") + 1):
        try:
            with transaction.atomic():
                FindingsVersion.objects.create(pk=1, version=1)
        except IntegrityError:  # made by a concurrent writer since
            FindingsVersion.objects.filter(pk=1).update(version=F("version") + 1)


def _version() -> Any:
    current = FindingsVersion.objects.filter(pk=1).values("version")
    return Coalesce(current, Value(0))


def findings(
    scope: str,
    *,
    day: datetime.date,
    window_days: int,
    min_count: int,
    compute: Callable[[], list[Finding]],
) -> list[Finding]:
    """The scope's findings: the kept ones while current (one query), else `compute()`d
    and kept."""
    stamp = {"day": day, "window_days": window_days, "min_count": min_count}
    row = (
        FindingsSnapshot.objects.annotate(current=_version())
        .filter(scope=scope, **stamp, version=F("current"))
        .values_list("findings", flat=True)
        .first()
    )
    if row is not None:
        return [_finding(item) for item in row]
    version = FindingsVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0
    found = compute()
    kept = [_stored(f) for f in found]
    try:
        with transaction.atomic():
            FindingsSnapshot.objects.update_or_create(
                scope=scope, defaults={**stamp, "version": version, "findings": kept}
            )
    except IntegrityError:  # a concurrent reader kept the same scope first: theirs stands
        pass
    return found


def _stored(finding: Finding) -> dict[str, Any]:
    item = asdict(finding)
    item["first_date"] = finding.first_date.isoformat()
    item["last_date"] = finding.last_date.isoformat()
    item["since"] = finding.since.isoformat() if finding.since else None
    return item


def _finding(item: dict[str, Any]) -> Finding:
    return Finding(
        **{
            **item,
            "first_date": datetime.date.fromisoformat(item["first_date"]),
            "last_date": datetime.date.fromisoformat(item["last_date"]),
            # Kept before the window was read in months: its first incident's month.
            "since": datetime.date.fromisoformat(item.get("since") or item["first_date"]),
        }
    )
