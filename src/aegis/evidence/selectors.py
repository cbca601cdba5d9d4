"""Reads for evidence, scoped like cases: an item outside the reader's compartments does not
exist for them (same answer as a missing one)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Max, Q, QuerySet

from aegis.audit import services as audit
from aegis.cases import selectors as cases
from aegis.vault.selectors import open_records

from . import custody
from .models import CustodyEvent, EvidenceItem, ItemKind

PAGE_SIZE = 25


def case_for(user: Any, reference: str) -> Any:
    """The case with this reference if the user may open it, else None."""
    return cases.case_for(user, reference)


def visible_items(user: Any) -> QuerySet[EvidenceItem]:
    return cases.visible(EvidenceItem, user, via="case__compartment")


def item_for(user: Any, item_id: Any) -> EvidenceItem | None:
    try:
        key = item_id if isinstance(item_id, uuid.UUID) else uuid.UUID(str(item_id))
    except ValueError:
        return None
    item = visible_items(user).select_related("case", "derived_from").filter(pk=key).first()
    open_records([item])  # its page shows it (and its working copies, under the same key)
    return item


def items_of(case: Any) -> QuerySet[EvidenceItem]:
    return EvidenceItem.objects.filter(case=case).select_related("added_by")


def items_page(case: Any, number: Any = None) -> Page:
    page = Paginator(items_of(case).order_by("-added_at", "pk"), PAGE_SIZE).get_page(number)
    open_records(page.object_list)
    return page


def originals_of(case: Any) -> QuerySet[EvidenceItem]:
    return items_of(case).filter(kind=ItemKind.ORIGINAL)


def has_originals(case: Any) -> bool:
    return originals_of(case).exists()


def working_copies_of(item: EvidenceItem) -> QuerySet[EvidenceItem]:
    return item.working_copies.order_by("added_at", "pk")


def custody_of(item: EvidenceItem) -> QuerySet[CustodyEvent]:
    return item.custody.select_related("actor").order_by("seq")


def custody_problem(items: Iterable[EvidenceItem]) -> str | None:
    """The first problem in the custody logs of these items and of the working copies made
    from them (custody.py), in words; None when they verify."""
    chosen = [item.pk for item in items]
    logged = EvidenceItem.objects.filter(Q(pk__in=chosen) | Q(derived_from__in=chosen))
    return custody.verify(logged)[1]


def verify_custody(progress: Callable[[int], object] | None = None) -> tuple[int, str | None]:
    """Every item's custody log, as `aegis audit verify` checks it: (events checked, the
    first problem in words or None)."""
    return custody.verify(None, progress)


def custody_event_count() -> int:
    return custody.event_count()


def first_audit_entry_custody_needs() -> int | None:
    """The oldest audit entry recording an item's last custody event: the audit log's end of
    that item's chain (custody.py), which retention may not prune while the item is kept.
    None when no item has one."""
    last = (
        CustodyEvent.objects.filter(audit_seq__isnull=False)
        .values("item")
        .annotate(last=Max("audit_seq"))
        .order_by("last")
        .values_list("last", flat=True)
        .first()
    )
    return last


def custody_of_items(items: Any) -> QuerySet[CustodyEvent]:
    """The custody events of the items and of the working copies made from them (a copy
    downloaded is part of its original's story)."""
    return (
        CustodyEvent.objects.filter(Q(item__in=items) | Q(item__derived_from__in=items))
        .select_related("actor", "item")
        .order_by("at", "pk")
    )


def cases_with_evidence() -> QuerySet[EvidenceItem, Any]:
    """The ids of cases holding evidence, as a subquery (retention: such a closed case expires
    with its evidence, on the evidence's period)."""
    return EvidenceItem.objects.values("case_id")


def signing_key_id() -> str:
    """The id of the key exhibit manifests are signed with, for a court or lawyer to be given
    once, apart from any package (a package carries its public key, which proves nothing)."""
    return audit.instance_key()[0]
