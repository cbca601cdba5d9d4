"""Reads of the key hierarchy, and opening the keys of the records a page shows."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar, cast

from django.db.models import Count, Model, Q, QuerySet
from django.dispatch import Signal

from . import keychain, wipe_key
from .fields import INDEX_KEY_PURPOSE, key_fields
from .models import DataKey, Keypair, KeyWrap, Wipe


def holders_of(data_key_id: uuid.UUID) -> QuerySet[Keypair]:
    return Keypair.objects.filter(wraps__data_key_id=data_key_id)


def live_key_id(purpose: str) -> uuid.UUID | None:
    """The oldest key of a purpose that has one key per instance, unless a wipe shredded it."""
    found = DataKey.objects.filter(purpose=purpose, shredded_at=None).order_by("created_at", "id")
    return found.values_list("id", flat=True).first()


def wrap_count() -> int:
    return KeyWrap.objects.count()


def keypairs_under_wipe_key() -> QuerySet[Keypair]:
    """The private keys (people's and services') sealed under the wipe key."""
    return Keypair.objects.filter(
        seal_version__gte=wipe_key.SEAL_VERSION, sealed_private_key__isnull=False
    )


# Sent to count what an app keeps sealed under the wipe key outside the vault's tables (intake's
# receipts): each receiver returns {what it is, in words: how many}. What a missing wipe key
# may not be replaced for, and what a backup is refused for, is counted here, in one place.
counting_sealed = Signal()


def sealed_under_wipe_key() -> dict[str, int]:
    """What the database holds sealed under the wipe key, in words, with how many; {} where
    nothing (only those with a count)."""
    found = {
        "private key(s) of people and services, with their API tokens": (
            keypairs_under_wipe_key().count()
        )
    }
    for _receiver, counts in counting_sealed.send(sender=Keypair):
        if isinstance(counts, dict):  # a receiver that answers nothing counts nothing
            found.update(cast(dict[str, int], counts))
    return {what: count for what, count in found.items() if count}


def keypair_for_user(user_id: int) -> Keypair | None:
    return Keypair.objects.filter(kind=Keypair.Kind.USER, user_id=user_id).first()


def user_keypair(user_id: Any, *, for_update: bool = False) -> Keypair:
    """A user's own keypair (Keypair.DoesNotExist without one); locked until the end of the
    transaction `for_update`, to re-seal it."""
    found = Keypair.objects.select_for_update() if for_update else Keypair.objects
    return found.get(kind=Keypair.Kind.USER, user_id=user_id)


def user_keypair_id(user_id: Any) -> int:
    found = Keypair.objects.filter(kind=Keypair.Kind.USER, user_id=user_id)
    return int(found.values_list("pk", flat=True).get())


def keypairs_of_users(user_ids: Any) -> QuerySet[Keypair]:
    """The own keypairs of these users (ids, or a query of them), in one query."""
    return Keypair.objects.filter(kind=Keypair.Kind.USER, user_id__in=user_ids)


def keypairs_lacking(
    purposes: Iterable[str], user_ids: Any, *, held_by: Iterable[int]
) -> list[Keypair]:
    """The own keypairs of these users that lack a live key of these purposes held by the
    keypairs `held_by` (what a holder could pass on to people given a role later)."""
    held = DataKey.objects.filter(
        purpose__in=list(purposes), shredded_at=None, wraps__keypair_id__in=list(held_by)
    ).values("id")
    total = held.distinct().count()
    if not total:
        return []
    return list(
        keypairs_of_users(user_ids)
        .annotate(held=Count("wraps", filter=Q(wraps__data_key_id__in=held)))
        .filter(held__lt=total)
    )


def search_key_user_ids() -> QuerySet[KeyWrap, int]:
    """Ids of the people whose own keypair holds the search key (services and the recovery
    key are not people)."""
    return KeyWrap.objects.filter(
        data_key__purpose=INDEX_KEY_PURPOSE, keypair__kind=Keypair.Kind.USER
    ).values_list("keypair__user_id", flat=True)


def holds_search_key(user_id: Any) -> bool:
    return search_key_user_ids().filter(keypair__user_id=user_id).exists()


def keypair_holds_search_key(keypair: Keypair) -> bool:
    """Whether the search key is sealed to this keypair (a service's, by key ceremony)."""
    return KeyWrap.objects.filter(data_key__purpose=INDEX_KEY_PURPOSE, keypair=keypair).exists()


def keys_sealed_before(keypair: Keypair, purpose: str, before: Any) -> QuerySet[KeyWrap, Any]:
    """Ids of the keys of a purpose sealed to this keypair before a time, oldest first."""
    return (
        KeyWrap.objects.filter(keypair=keypair, data_key__purpose=purpose, created_at__lt=before)
        .order_by("created_at")
        .values_list("data_key_id", flat=True)
    )


def wiped() -> bool:
    """The keys were destroyed by `aegis wipe` and the instance has not been set up again
    (`aegis init` makes a new organisation recovery key)."""
    return Wipe.objects.exists() and not Keypair.objects.filter(kind=Keypair.Kind.RECOVERY).exists()


def keys_destroyed(user_ids: Iterable[int]) -> set[int]:
    """Of these people, those whose key a wipe destroyed: they can never sign in again (only
    a backup made before the wipe brings their accounts back)."""
    if not Wipe.objects.exists():
        return set()
    return set(
        Keypair.objects.filter(
            kind=Keypair.Kind.USER, user_id__in=list(user_ids), sealed_private_key__isnull=True
        ).values_list("user_id", flat=True)
    )


Record = TypeVar("Record", bound=Model)


def opened(records: Iterable[Record]) -> list[Record]:
    """These records (a query, evaluated here) with their keys opened."""
    found = list(records)
    open_records(found)
    return found


def opened_in_chunks(
    rows: QuerySet[Any], size: int = 200, related: Callable[[Any], Model | None] | None = None
) -> Iterator[Any]:
    """The rows, a chunk at a time with the chunk's keys, and those of each row's `related`
    record, opened in one query (one query per row had made 20,000 articles take a minute)."""
    chunk: list[Any] = []
    for row in rows.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) == size:
            open_records(chunk, [related(r) for r in chunk] if related else ())
            yield from chunk
            chunk = []
    open_records(chunk, [related(r) for r in chunk] if related else ())
    yield from chunk


def open_records(*groups: Iterable[Model | None]) -> None:
    """Open the keys of these records (e.g. the rows of one page) in one query, so that their
    protected fields can be read. Audited once for the page (see keychain.Keychain). Records
    the reader holds no key for stay closed: reading them raises NoKeyAccess."""
    wanted: set[Any] = set()
    for group in groups:
        for record in group:
            if record is not None:
                wanted.update(getattr(record, name) for name in key_fields(type(record)))
    wanted.discard(None)
    chain = keychain.current_or_none()
    if wanted and chain is not None:  # without a key context nothing can be read anyway
        chain.open(wanted)
