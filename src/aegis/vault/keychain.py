"""The key context: which private keys the current request, task or command holds.

Encrypted fields and blind indexes read the context set here. Outside a context nothing
protected can be read or written, and the error says so.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext
from nacl.public import PrivateKey

from . import crypto

# The search index key is opened for every lookup; it reveals no record by itself.
UNAUDITED_PURPOSES = frozenset({"blind-index"})


class VaultLocked(Exception):
    """No key context is unlocked (nobody signed in, or the session's key is gone)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "This information is protected and no key is unlocked. Sign in again to read it."
        )


class NoKeyAccess(Exception):
    """The unlocked keys do not include one that opens this record."""

    def __init__(self, data_key_id: object) -> None:
        super().__init__(f"You hold no key that opens protected record key {data_key_id}.")
        self.data_key_id = data_key_id


class NoSearchKey(NoKeyAccess):
    """The unlocked keys do not include the search key (names, phones and identity documents
    are stored and looked up through it). The message says who can give it, for any caller."""

    def __init__(self, data_key_id: object) -> None:
        super().__init__(data_key_id)
        self.args = (search_key_missing_message(),)


def search_key_missing_message() -> str:
    return gettext(
        "You do not hold the search key yet. Aegis needs it to store and look up names, "
        "phone numbers and identity documents, so you cannot add or change them, nor search "
        "by them. A coordinator who holds the search key can give it to you on the "
        "“Search access” page; if nobody holds it yet, whoever keeps the organisation "
        "recovery key gives it with the offline key ceremony (aegis grant-search-key)."
    )


@dataclass
class Keychain:
    """Unlocked private keys by keypair id, and data keys opened with them."""

    private_keys: dict[int, PrivateKey]
    actor_id: int | None = None
    _data_keys: dict[uuid.UUID, bytes] = field(default_factory=dict)

    def remember(self, data_key_id: uuid.UUID, key: bytes) -> None:
        self._data_keys[data_key_id] = key

    def data_key(self, data_key_id: uuid.UUID) -> bytes:
        if (cached := self._data_keys.get(data_key_id)) is not None:
            return cached
        from .models import KeyWrap

        wrap = (
            KeyWrap.objects.filter(data_key_id=data_key_id, keypair_id__in=self.private_keys)
            .select_related("data_key")
            .only("keypair_id", "sealed_key", "data_key__purpose")
            .first()
        )
        if wrap is None:
            raise NoKeyAccess(data_key_id)
        key = crypto.unseal(self.private_keys[wrap.keypair_id], bytes(wrap.sealed_key))
        self._data_keys[data_key_id] = key
        if wrap.data_key.purpose not in UNAUDITED_PURPOSES:
            # Opening a record's key is opening the record: once per request or task.
            from aegis.audit import services as audit

            audit.record(
                "record.open",
                actor_id=self.actor_id,
                object_type=wrap.data_key.purpose,
                object_id=data_key_id,
            )
        return key

    def holds(self, data_key_id: uuid.UUID) -> bool:
        try:
            self.data_key(data_key_id)
        except NoKeyAccess:
            return False
        return True


_current: contextvars.ContextVar[Keychain | None] = contextvars.ContextVar(
    "aegis_keychain", default=None
)


def current() -> Keychain:
    keychain = _current.get()
    if keychain is None:
        raise VaultLocked()
    return keychain


def current_or_none() -> Keychain | None:
    return _current.get()


@contextlib.contextmanager
def unlocked(keychain: Keychain) -> Iterator[Keychain]:
    token = _current.set(keychain)
    try:
        yield keychain
    finally:
        _current.reset(token)
