"""The key context: which private keys the current request, task or command holds.

Encrypted fields and blind indexes read the context set here. Outside a context nothing
protected can be read or written, and the error says so.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext
from nacl.public import PrivateKey

from aegis.paging import in_slices

from . import crypto

# The search index key is opened for every lookup; it reveals no record by itself. Other
# apps add keys of the same kind (unaudited()).
UNAUDITED_PURPOSES = {"blind-index"}

logger = logging.getLogger(__name__)


def unaudited(purpose: str) -> None:
    """Open keys of this purpose without an audit entry: keys that, like the search key, are
    opened for every write and reveal no record by themselves."""
    UNAUDITED_PURPOSES.add(purpose)


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


class KeyNotOpened(Exception):
    """A protected field was read on a page whose selector or view did not open its record's
    key first (see Keychain.open). A programming error, never shown as "locked"."""

    def __init__(self, data_key_id: object) -> None:
        super().__init__(
            f"The key {data_key_id} was not opened: open the records a page shows with "
            "vault.selectors.open_records() before reading their protected fields."
        )
        self.data_key_id = data_key_id


OPEN_AT_ONCE = 10_000  # keys asked for in one query by Keychain.open


@dataclass
class Keychain:
    """Unlocked private keys by keypair id, and data keys opened with them.

    Opening is batched: `open(ids)` fetches the wraps of every key asked for in one query.
    The records whose fields were then read are audited once, when the key context ends
    (`unlocked`): one "record.open" entry per page view or task, listing them, so that
    readers do not queue one by one behind the audit log's head. An `explicit` keychain (a page or
    API read) opens nothing by itself: reading a field whose key was not opened raises
    KeyNotOpened. Otherwise (writes, tasks, commands) a read opens its one key on demand."""

    private_keys: dict[int, PrivateKey]
    actor_id: int | None = None
    explicit: bool = False
    _data_keys: dict[uuid.UUID, bytes] = field(default_factory=dict)
    _refused: set[uuid.UUID] = field(default_factory=set)
    _purposes: dict[uuid.UUID, str] = field(default_factory=dict)  # of the audited keys
    _unaudited: dict[uuid.UUID, str] = field(default_factory=dict)  # read, not yet audited
    _audited: set[uuid.UUID] = field(default_factory=set)

    def remember(self, data_key_id: uuid.UUID, key: bytes) -> None:
        self._data_keys[data_key_id] = key

    def open(self, data_key_ids: Iterable[uuid.UUID]) -> None:
        """Open these keys at once (those this keychain holds; a record it cannot open stays
        closed and reading it raises NoKeyAccess)."""
        # Asked key by key: a set minus the dict's keys view would walk every key already
        # opened, and passing on n keys one `holds` at a time took n² steps (6.7 s at 8,000).
        wanted = {
            key_id
            for key_id in (as_uuid(i) for i in data_key_ids if i is not None)
            if key_id not in self._data_keys and key_id not in self._refused
        }
        if not wanted:
            return
        from .models import KeyWrap

        wraps = (
            wrap
            for some in in_slices(list(wanted), OPEN_AT_ONCE)
            for wrap in KeyWrap.objects.filter(
                data_key_id__in=some, keypair_id__in=self.private_keys
            ).values_list("data_key_id", "keypair_id", "sealed_key", "data_key__purpose")
        )
        for data_key_id, keypair_id, sealed_key, purpose in wraps:
            if data_key_id in self._data_keys:
                continue  # held through two keypairs (a person and the recovery key)
            try:
                self._data_keys[data_key_id] = crypto.unseal(
                    self.private_keys[keypair_id], bytes(sealed_key)
                )
            except crypto.DecryptionError:
                # Sealed to a key the person no longer has (a grant that read their public
                # key just before it was replaced): refused like a key never given, not a
                # failed page. A member passes it on again.
                logger.warning("a key wrap does not open with its holder's key")
                continue
            if purpose not in UNAUDITED_PURPOSES:
                self._purposes[data_key_id] = purpose
        self._refused |= {key_id for key_id in wanted if key_id not in self._data_keys}

    def data_key(self, data_key_id: uuid.UUID) -> bytes:
        """The opened key, to read or write a field of its record (which is audited)."""
        if data_key_id not in self._data_keys:
            if data_key_id in self._refused:
                raise NoKeyAccess(data_key_id)
            if self.explicit:
                raise KeyNotOpened(data_key_id)
            self.open([data_key_id])
            if data_key_id not in self._data_keys:
                raise NoKeyAccess(data_key_id)
        if data_key_id in self._purposes and data_key_id not in self._audited:
            self._audited.add(data_key_id)
            self._unaudited[data_key_id] = self._purposes[data_key_id]
        return self._data_keys[data_key_id]

    def opened(self, data_key_id: uuid.UUID) -> bool:
        """Whether the key is open already (nothing is opened by asking)."""
        return data_key_id in self._data_keys

    def holds(self, data_key_id: uuid.UUID) -> bool:
        if data_key_id in self._data_keys:
            return True
        self.open([data_key_id])
        return data_key_id in self._data_keys

    def audit_opened(self) -> None:
        """One audit entry for the records read since the last one (who, and which)."""
        if not self._unaudited:
            return
        from aegis.audit import services as audit

        opened, self._unaudited = self._unaudited, {}
        purposes = set(opened.values())
        if len(opened) == 1:
            ((data_key_id, purpose),) = opened.items()
            audit.record(
                "record.open", actor_id=self.actor_id, object_type=purpose, object_id=data_key_id
            )
            return
        audit.record(
            "record.open",
            actor_id=self.actor_id,
            object_type=purposes.pop() if len(purposes) == 1 else "records",
            object_id=len(opened),
            records=[f"{purpose}:{key_id}" for key_id, purpose in opened.items()],
        )


def as_uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


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
    except BaseException:
        # A rolled-back transaction cannot take the entry (nor would it keep it); otherwise
        # what was read before the error is still audited.
        if not connection.needs_rollback:
            keychain.audit_opened()
        raise
    else:
        keychain.audit_opened()
    finally:
        _current.reset(token)
