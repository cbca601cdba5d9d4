"""The counts of current levels and of open cases not yet assessed (models.LevelCount), kept
as assessments are made and cases change: each case counts once, in the cell of its
compartment, place, sector and current level ("" while it is open and unassessed; nowhere
once closed unassessed). A change moves the case from its old cell to its new one, so the
cost of a write is two small updates and a read is a handful of rows, whatever the number of
cases. refresh_level_counts works them all out afresh for rows written in bulk."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery

from aegis.cases.models import Case
from aegis.cases.vocabulary import CaseStatus

from .models import Assessment, LevelCount

Cell = tuple[int, str, str, str, str]  # compartment, country, region, sector, level


def cell(
    compartment_id: int, country: str, region: str, sector: str, status: str, level: str
) -> Cell | None:
    """Where a case with these values counts (None: nowhere, closed and never assessed)."""
    if not level and status == CaseStatus.CLOSED:
        return None
    return (compartment_id, country, region, sector, level)


def stored_cell(case_id: int | None) -> Cell | None:
    """Where the case counts as it is stored now (None for a case not stored yet): read
    from the database, not from an instance that may be stale, in one query."""
    return stored_cell_and(case_id, ())[0]


def stored_cell_and(
    case_id: int | None, fields: tuple[str, ...]
) -> tuple[Cell | None, tuple[Any, ...] | None]:
    """stored_cell, and the case's stored values of `fields` (None for a case not stored
    yet), in the same query."""
    if case_id is None:
        return None, None
    current = Assessment.objects.filter(case=OuterRef("pk"), is_current=True).values("level")
    counted = ("compartment_id", "country", "region", "sector", "status", "current_level")
    row = (
        Case.objects.filter(pk=case_id)
        .annotate(current_level=Subquery(current[:1]))
        .values_list(*counted, *fields)
        .first()
    )
    if row is None:
        return None, None
    compartment_id, country, region, sector, status, level = row[: len(counted)]
    return cell(compartment_id, country, region, sector, status, level or ""), tuple(
        row[len(counted) :]
    )


def move(old: Cell | None, new: Cell | None) -> None:
    """One case leaves `old` and joins `new` (in the writer's transaction)."""
    if old == new:
        return
    with transaction.atomic():
        if old is not None:
            _cells(old).update(cases=F("cases") - 1)
        if new is not None and not _cells(new).update(cases=F("cases") + 1):
            _counted, created = LevelCount.objects.get_or_create(
                **_fields(new), defaults={"cases": 1}
            )
            if not created:  # made by a concurrent writer since
                _cells(new).update(cases=F("cases") + 1)


def _fields(at: Cell) -> dict[str, Any]:
    return dict(zip(("compartment_id", "country", "region", "sector", "level"), at, strict=True))


def _cells(at: Cell) -> Any:
    return LevelCount.objects.filter(**_fields(at))


def refresh_level_counts() -> None:
    """Count every case afresh, in set-based SQL: for rows written in bulk (a migration, an
    import) rather than through the services."""
    with transaction.atomic():
        LevelCount.objects.all().delete()
        assessed = (
            Assessment.objects.filter(is_current=True)
            .values_list(
                "case__compartment_id", "case__country", "case__region", "case__sector", "level"
            )
            .annotate(n=Count("pk"))
            .order_by()
        )
        unassessed = (
            Case.objects.exclude(status=CaseStatus.CLOSED)
            .filter(risk_assessments__isnull=True)
            .values_list("compartment_id", "country", "region", "sector")
            .annotate(n=Count("pk"))
            .order_by()
        )
        rows = [*assessed, *((*row[:4], "", row[4]) for row in unassessed)]
        LevelCount.objects.bulk_create(
            LevelCount(
                compartment_id=compartment_id,
                country=country,
                region=region,
                sector=sector,
                level=level,
                cases=n,
            )
            for compartment_id, country, region, sector, level, n in rows
        )
