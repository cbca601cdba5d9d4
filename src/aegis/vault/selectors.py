"""Reads of the key hierarchy."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from .models import Keypair, KeyWrap, Wipe


def holders_of(data_key_id: uuid.UUID) -> QuerySet[Keypair]:
    return Keypair.objects.filter(wraps__data_key_id=data_key_id)


def wrap_count() -> int:
    return KeyWrap.objects.count()


def keypair_for_user(user_id: int) -> Keypair | None:
    return Keypair.objects.filter(kind=Keypair.Kind.USER, user_id=user_id).first()


def wiped() -> bool:
    """The keys were destroyed by `aegis wipe` and the instance has not been set up again
    (`aegis init` makes a new organisation recovery key)."""
    return Wipe.objects.exists() and not Keypair.objects.filter(kind=Keypair.Kind.RECOVERY).exists()
