"""Reads of the exchange: partners, what was sent to each, what waits in quarantine, and the
existing records a quarantined one may be."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from aegis.cases import selectors as cases
from aegis.evidence import selectors as evidence
from aegis.incidents import selectors as incidents
from aegis.paging import capped_count
from aegis.vault.fields import blind_index
from aegis.vault.keychain import NoKeyAccess, VaultLocked
from aegis.vault.selectors import open_records

from . import keys
from .models import Export, ExportedRecord, Partner, PartnerKey, QuarantineItem, Received
from .review import as_dict, content
from .vocabulary import Decision, ItemKind

PAGE_SIZE = 25


def page_of(rows: Any, number: Any) -> Page:
    return Paginator(rows, PAGE_SIZE).get_page(number)


def partners(user: Any = None) -> QuerySet[Partner]:
    """The partners; with `user`, each with the number of bundles sent to it that the user
    may see (exports_seen_by)."""
    found = Partner.objects.all()
    if user is None:
        return found
    seen = (
        exports_seen_by(user)
        .filter(partner=OuterRef("pk"))
        .order_by()
        .values("partner")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return found.annotate(sent=Coalesce(Subquery(seen), 0))


def partner_by_name(name: str) -> Partner | None:
    return Partner.objects.filter(name__iexact=(name or "").strip()).first()


def partner_by_id(partner_id: Any) -> Partner | None:
    return Partner.objects.filter(pk=partner_id).first() if str(partner_id).isdigit() else None


def keys_of(partner: Partner) -> list[tuple[PartnerKey, str]]:
    return [
        (key, keys.fingerprint(key.age_recipient, key.minisign_key)) for key in partner.keys.all()
    ]


def fingerprint_of(key: PartnerKey) -> str:
    return keys.fingerprint(key.age_recipient, key.minisign_key)


def exports_seen_by(user: Any) -> QuerySet[Export]:
    """The bundles none of whose cases is in a compartment the user is not a member of: a
    bundle names its cases' references and who sent it, which are their compartment's
    business (any caseworker had read them off the partner's page). A bundle whose case is
    gone (retention) stays listed, so that where it went is not lost."""
    elsewhere = ExportedRecord.objects.filter(
        export=OuterRef("pk"),
        record_type="case",
        record_id__in=cases.references_elsewhere(user),
    )
    return Export.objects.exclude(Exists(elsewhere))


def exports_to(partner: Partner, user: Any, number: Any = None) -> Page:
    return page_of(
        exports_seen_by(user)
        .filter(partner=partner)
        .select_related("created_by")
        .order_by("-created_at"),
        number,
    )


def exports_of_record(record_type: str, record_id: Any) -> QuerySet[Export]:
    """Every bundle a record left in."""
    ids = ExportedRecord.objects.filter(record_type=record_type, record_id=str(record_id))
    return Export.objects.filter(pk__in=ids.values("export_id")).select_related("partner")


def visible_items(user: Any) -> QuerySet[QuarantineItem]:
    return cases.visible(QuarantineItem, user)


def pending_count(user: Any) -> tuple[int, bool]:
    """(count, more), stopping at paging.COUNT_CAP."""
    return capped_count(visible_items(user).filter(decision=Decision.PENDING))


def received_page(user: Any, number: Any = None) -> Page:
    compartments = cases.compartment_ids(user)
    found = (
        Received.objects.filter(compartment__in=compartments)
        .select_related("partner")
        .annotate(pending=Count("items", filter=Q(items__decision=Decision.PENDING)))
        .order_by("-received_at", "-pk")
    )
    return page_of(found, number)


def received_for(user: Any, received_id: Any) -> Received | None:
    if not str(received_id).isdigit():
        return None
    compartments = cases.compartment_ids(user)
    return Received.objects.filter(pk=received_id, compartment__in=compartments).first()


def items_page(received: Received, number: Any = None) -> Page:
    """One page of the bundle's records, by kind and in the bundle's order, keys opened: a
    bundle may hold thousands, each decoded to be shown."""
    page = page_of(received.items.order_by("kind", "pk"), number)
    open_records(page.object_list)
    return page


def item_for(user: Any, item_id: Any) -> QuarantineItem | None:
    if not str(item_id).isdigit():
        return None
    item = visible_items(user).select_related("received__partner").filter(pk=item_id).first()
    open_records([item])
    return item


def evidence_cases(user: Any, items: Iterable[QuarantineItem]) -> dict[int, str]:
    """The case each evidence item reviewed went to, by item: the review keeps the file's id,
    and where the file went is its case. Only files the user can open; one read for all."""
    wanted: dict[uuid.UUID, int] = {}
    for item in items:
        if item.kind != ItemKind.EVIDENCE or not item.target:
            continue
        try:
            wanted[uuid.UUID(item.target)] = item.pk
        except ValueError:
            continue
    if not wanted:
        return {}
    found = evidence.visible_items(user).filter(pk__in=wanted).values_list("pk", "case__reference")
    return {wanted[pk]: reference for pk, reference in found}


def _index(kind: str, value: Any) -> str | None:
    if not value:
        return None
    try:
        return blind_index(kind, str(value))
    except (NoKeyAccess, VaultLocked):  # without the search key, no blind-index match
        return None


def person_matches(user: Any, item: QuarantineItem) -> list[Any]:
    """Existing people with the same name, phone or identity number (blind indexes)."""
    details = as_dict(as_dict(content(item).get("person")).get("biographic_details"))
    wanted = Q()
    for field, kind, value in (
        ("name_index", "name", details.get("legal_name")),
        ("phone_index", "phone", details.get("phone")),
        ("identity_index", "identifier", details.get("identity_document")),
    ):
        if (index := _index(kind, value)) is not None:
            wanted |= Q(**{field: index})
    if details.get("pseudonym"):
        wanted |= Q(pseudonym=details["pseudonym"])
    if not wanted:
        return []
    found = list(cases.visible_people(user).filter(wanted)[:10])
    open_records(found)
    return found


MATCHES_READ = 200  # incidents of the month read to find the ten of the day


def incident_matches(user: Any, item: QuarantineItem) -> list[Any]:
    """Existing incidents on the same date, in the same country, with a same violation."""
    event = as_dict(content(item).get("event"))
    try:
        start = datetime.date.fromisoformat(event["date"]["start"])
    except (KeyError, TypeError, ValueError):
        return []
    acts = event.get("acts")
    types = [
        t
        for a in (acts if isinstance(acts, list) else [])
        if isinstance(t := as_dict(a).get("type"), str)
    ]
    # The month is coded; the day is sealed, so it is compared once the records are open. The
    # month, not its first day: a row made before the days were sealed keeps its day
    # in the month column until it is corrected.
    found = incidents.visible_incidents(user).filter(
        month_start__year=start.year, month_start__month=start.month
    )
    if country := str(as_dict(event.get("place")).get("country") or ""):
        found = found.filter(country=country)
    if types:
        found = found.filter(acts__violation_type__in=types)
    candidates = list(found.distinct()[:MATCHES_READ])
    open_records(candidates)
    return [i for i in candidates if i.date_start == start or not i.days_open][:10]


def matches(user: Any, item: QuarantineItem) -> list[Any]:
    if item.kind == ItemKind.PERSON:
        return person_matches(user, item)
    if item.kind == ItemKind.EVENT:
        return incident_matches(user, item)
    return []
