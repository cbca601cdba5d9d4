"""Writes and rules of the key hierarchy: keypairs, data keys, grants, shredding, wipe."""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone
from nacl.public import PrivateKey

from aegis.audit import services as audit

from . import crypto, keychain, selectors, wipe_key
from .fields import INDEX_KEY_PURPOSE
from .models import DataKey, Keypair, KeyWrap, Wipe

logger = logging.getLogger(__name__)


class WrongPassphrase(Exception):
    """The passphrase or recovery key does not open this private key."""


class SealedUnderOtherWipeKey(WrongPassphrase):
    """The key is bound to a wipe key that was replaced since (`aegis recover` after it was
    lost): no password opens it any more, only the recovery key. To the person signing in,
    the same answer as a wrong password."""


class WipeKeyMissing(WrongPassphrase):
    """The key is sealed under the wipe key, and its file is missing or damaged: to the person
    signing in, the same answer as a wrong password; the log and the command line say why."""


def kdf_cost() -> crypto.KdfCost:
    return crypto.KDF_PROFILES[settings.VAULT_KDF_PROFILE]


# What _seal_private_key writes, saved after it.
SEALED_FIELDS = [
    "sealed_private_key",
    "kdf_salt",
    "kdf_opslimit",
    "kdf_memlimit",
    "recovery_sealed_private_key",
    "seal_version",
    "wipe_key_id",
]


def wipe_key_in_use() -> bool:
    """Whether anything is sealed under the wipe key, a private key or a receipt (a missing
    one must not be replaced by a new one then: everything sealed under the old one would be
    lost)."""
    return bool(selectors.sealed_under_wipe_key())


def current_wipe_key() -> bytes:
    """The wipe key for a new seal, made on first use; WipeKeyMissing (its message says what
    to do) where it is gone while keys sealed under it remain."""
    try:
        return wipe_key.ensure(in_use=not wipe_key.exists() and wipe_key_in_use())
    except wipe_key.WipeKeyMissing as exc:
        raise WipeKeyMissing(str(exc)) from exc


def current_id() -> str:
    """The current wipe key's id (wipe_key.key_id); WipeKeyMissing where it is gone."""
    try:
        return wipe_key.key_id()
    except wipe_key.WipeKeyMissing as exc:
        raise WipeKeyMissing(str(exc)) from exc


def _password_key(argon: bytes, version: int, key: bytes | None = None) -> bytes:
    """The key that seals a private key: the Argon2id output of the password, bound to the
    wipe key (version 1) or alone (version 0, sealed before the wipe key existed)."""
    if version < wipe_key.SEAL_VERSION:
        return argon
    if key is None:
        try:
            key = wipe_key.current()
        except wipe_key.WipeKeyMissing as exc:
            raise WipeKeyMissing(str(exc)) from exc
    return wipe_key.bind(argon, wipe_key.PASSWORD, key)


def _seal_private_key(keypair: Keypair, private_key: PrivateKey, password: str) -> None:
    cost = kdf_cost()
    salt = crypto.new_salt()
    bound = current_wipe_key()
    key = _password_key(crypto.derive_key(password, salt, cost), wipe_key.SEAL_VERSION, bound)
    keypair.sealed_private_key = crypto.box_encrypt(key, bytes(private_key))
    keypair.kdf_salt = salt
    keypair.kdf_opslimit = cost.opslimit
    keypair.kdf_memlimit = cost.memlimit
    keypair.seal_version = wipe_key.SEAL_VERSION
    keypair.wipe_key_id = wipe_key.key_id(bound)
    recovery = recovery_keypair()
    keypair.recovery_sealed_private_key = (
        crypto.seal(bytes(recovery.public_key), bytes(private_key)) if recovery else None
    )


def recovery_keypair() -> Keypair | None:
    return Keypair.objects.filter(kind=Keypair.Kind.RECOVERY).first()


def create_user_keypair(user: Any, password: str) -> tuple[Keypair, PrivateKey]:
    private_key = crypto.new_keypair()
    keypair = Keypair(kind=Keypair.Kind.USER, user=user, public_key=bytes(private_key.public_key))
    _seal_private_key(keypair, private_key, password)
    keypair.save()
    return keypair, private_key


def unlock_user_keypair(keypair: Keypair, password: str) -> PrivateKey:
    """The private key, opened with the password (a service's unlock secret). A key sealed
    before the wipe key existed is sealed again under it at once, with the same salt and
    cost (no second derivation). WipeKeyMissing where the wipe key is gone."""
    if keypair.sealed_private_key is None or keypair.kdf_salt is None:
        raise WrongPassphrase("this keypair has no password-sealed private key")
    cost = crypto.KdfCost(int(keypair.kdf_opslimit or 0), int(keypair.kdf_memlimit or 0))
    argon = crypto.derive_key(password, bytes(keypair.kdf_salt), cost)
    version = int(keypair.seal_version or 0)
    key = _password_key(argon, version)
    try:
        private_key = PrivateKey(crypto.box_decrypt(key, bytes(keypair.sealed_private_key)))
    except crypto.DecryptionError as exc:
        if version >= wipe_key.SEAL_VERSION and keypair.wipe_key_id not in ("", current_id()):
            raise SealedUnderOtherWipeKey(
                "this private key is bound to a wipe key that was replaced since"
            ) from exc
        raise WrongPassphrase("the passphrase does not open this private key") from exc
    if version < wipe_key.SEAL_VERSION:
        _bind_to_wipe_key(keypair, private_key, argon)
    return private_key


def _bind_to_wipe_key(keypair: Keypair, private_key: PrivateKey, argon: bytes) -> None:
    """Seal a version-0 key again under the same password, bound to the wipe key. Where the
    wipe key cannot be made, the key stays as it was and still opens (logged)."""
    try:
        bound = current_wipe_key()
    except WipeKeyMissing:
        return
    sealed = crypto.box_encrypt(
        _password_key(argon, wipe_key.SEAL_VERSION, bound), bytes(private_key)
    )
    # Only if nobody sealed it anew meanwhile (a password change in another request).
    updated = Keypair.objects.filter(
        pk=keypair.pk, seal_version=keypair.seal_version, kdf_salt=keypair.kdf_salt
    ).update(
        sealed_private_key=sealed,
        seal_version=wipe_key.SEAL_VERSION,
        wipe_key_id=wipe_key.key_id(bound),
    )
    if updated:
        keypair.sealed_private_key = sealed
        keypair.seal_version = wipe_key.SEAL_VERSION
        keypair.wipe_key_id = wipe_key.key_id(bound)


def reseal_user_keypair(keypair: Keypair, private_key: PrivateKey, new_password: str) -> None:
    """Seal the same private key under a new password (password change or recovery)."""
    if bytes(private_key.public_key) != bytes(keypair.public_key):
        raise WrongPassphrase("this private key does not belong to the keypair")
    _seal_private_key(keypair, private_key, new_password)
    keypair.save(update_fields=SEALED_FIELDS)


@transaction.atomic
def replace_user_keypair(
    keypair: Keypair, private_key: PrivateKey, new_password: str
) -> PrivateKey:
    """A new private key for the person, sealed under their new password, and every data key
    sealed to the old one sealed to the new; returns it. For a password someone else chose
    (the administrator's at invitation): a copy of the keypair's row sealed under it, kept
    by whoever knew it, then opens nothing sealed to the person from now on. The caller
    holds the keypair's row locked, and ends the copies of the old key (sessions, tokens)."""
    if bytes(private_key.public_key) != bytes(keypair.public_key):
        raise WrongPassphrase("this private key does not belong to the keypair")
    new_key = crypto.new_keypair()
    public = bytes(new_key.public_key)
    done: set[int] = set()
    # Again until nothing is left: a grant that read the old public key may commit meanwhile.
    while wraps := [
        w
        for w in KeyWrap.objects.filter(keypair=keypair).only("pk", "sealed_key")
        if w.pk not in done
    ]:
        kept = []
        for wrap in wraps:
            done.add(wrap.pk)
            try:
                raw = crypto.unseal(private_key, bytes(wrap.sealed_key))
            except crypto.DecryptionError:
                continue  # sealed to an older key already (keychain.open refuses it too)
            wrap.sealed_key = crypto.seal(public, raw)
            kept.append(wrap)
        KeyWrap.objects.bulk_update(kept, ["sealed_key"], batch_size=500)
    keypair.public_key = public
    _seal_private_key(keypair, new_key, new_password)
    keypair.save(update_fields=["public_key", *SEALED_FIELDS])
    audit.record(
        "key.replace", actor_id=keypair.user_id, object_type="user", object_id=keypair.user_id
    )
    return new_key


# --- Organisation recovery key ------------------------------------------------------------


def format_recovery_key(private_key: PrivateKey) -> str:
    text = base64.b32encode(bytes(private_key)).decode().rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> PrivateKey:
    cleaned = re.sub(r"[^A-Za-z2-7]", "", text).upper()
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except ValueError as exc:
        raise WrongPassphrase("this is not a recovery key: check for typing mistakes") from exc
    if len(raw) != crypto.KEY_BYTES:
        raise WrongPassphrase("this recovery key is too short or too long: check every group")
    return PrivateKey(raw)


def create_recovery_key() -> str:
    """Create the organisation's recovery keypair; return its private key, shown only once."""
    if recovery_keypair() is not None:
        raise ValueError("This organisation already has a recovery key.")
    private_key = crypto.new_keypair()
    Keypair.objects.create(kind=Keypair.Kind.RECOVERY, public_key=bytes(private_key.public_key))
    return format_recovery_key(private_key)


def recover_user_keypair(keypair: Keypair, recovery_key_text: str, new_password: str) -> bool:
    """Seal the person's key under a new password, opened with the recovery key. True when a
    new wipe key was made (the old one was lost): the caller tells what that leaves to do."""
    recovery = recovery_keypair()
    if recovery is None or keypair.recovery_sealed_private_key is None:
        if Wipe.objects.exists() and keypair.sealed_private_key is None:
            raise WrongPassphrase(
                "this instance was wiped: the account's key was destroyed, and no recovery key "
                "brings it back (a backup made before the wipe can be restored)"
            )
        raise WrongPassphrase("this account's key was never sealed to a recovery key")
    recovery_private = parse_recovery_key(recovery_key_text)
    if bytes(recovery_private.public_key) != bytes(recovery.public_key):
        raise WrongPassphrase("this is not this organisation's recovery key")
    private_key = PrivateKey(
        crypto.unseal(recovery_private, bytes(keypair.recovery_sealed_private_key))
    )
    made = not wipe_key.key_file().exists()
    if made:
        # Whoever holds the recovery key may replace a wipe key that is lost for good: each
        # person's key is then sealed under the new one as their access is recovered.
        wipe_key.ensure()
        logger.warning(
            "A new wipe key was made by a recovery with the organisation recovery key: "
            "keys sealed under the lost one open only through the recovery key now; seal "
            "the service keys again: %s.",
            wipe_key.RESEAL_SERVICE_KEYS,
        )
    reseal_user_keypair(keypair, private_key, new_password)
    audit.record("key.recover", actor_id=None, object_type="user", object_id=keypair.user_id)
    return made


def recovery_keychain(recovery_key_text: str) -> keychain.Keychain:
    """A key context holding the recovery key itself (for offline key ceremonies)."""
    recovery = recovery_keypair()
    private_key = parse_recovery_key(recovery_key_text)
    if recovery is None or bytes(private_key.public_key) != bytes(recovery.public_key):
        raise WrongPassphrase("this is not this organisation's recovery key")
    return keychain.Keychain({recovery.pk: private_key})


# --- Data keys ----------------------------------------------------------------------------


@transaction.atomic
def create_data_key(purpose: str, holders: Iterable[Keypair]) -> DataKey:
    """A fresh random key sealed to each holder. Only public keys are needed to do this."""
    raw = crypto.random_key()
    data_key = DataKey.objects.create(purpose=purpose)
    KeyWrap.objects.bulk_create(
        KeyWrap(data_key=data_key, keypair=h, sealed_key=crypto.seal(bytes(h.public_key), raw))
        for h in {h.pk: h for h in holders}.values()
    )
    if (chain := keychain.current_or_none()) is not None:
        chain.remember(data_key.id, raw)
    return data_key


def single_key_id(purpose: str, holders: Callable[[], Iterable[Keypair]]) -> uuid.UUID:
    """The key of a purpose that has one key per instance (`selectors.live_key_id`), made
    (sealed to `holders()`) on its first use. Two processes at first use make one key, not
    two: the making is serialised, by an advisory lock on PostgreSQL and, on SQLite, by the
    write lock its IMMEDIATE transactions take at their start; the second process then reads
    the first one's key."""
    key_id = selectors.live_key_id(purpose)
    if key_id is not None:
        return key_id
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_number(purpose)])
        key_id = selectors.live_key_id(purpose)
        if key_id is None:
            key_id = create_data_key(purpose, holders()).id
    return key_id


def _lock_number(purpose: str) -> int:
    """A stable signed 64-bit number for a purpose (PostgreSQL's advisory locks take one)."""
    digest = hashlib.blake2b(f"aegis-key:{purpose}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@transaction.atomic
def grant(data_key_id: uuid.UUID, keypair: Keypair, *, actor_id: int | None = None) -> None:
    """Seal an existing data key to one more keypair; the caller must hold it."""
    raw = keychain.current().data_key(data_key_id)
    _, created = KeyWrap.objects.get_or_create(
        data_key_id=data_key_id,
        keypair=keypair,
        defaults={"sealed_key": crypto.seal(_current_public_key(keypair), raw)},
    )
    if created:
        audit.record("key.grant", actor_id=actor_id, object_type="datakey", object_id=data_key_id)


@transaction.atomic
def revoke(data_key_id: uuid.UUID, keypair: Keypair, *, actor_id: int | None = None) -> None:
    deleted, _ = KeyWrap.objects.filter(data_key_id=data_key_id, keypair=keypair).delete()
    if deleted:
        audit.record("key.revoke", actor_id=actor_id, object_type="datakey", object_id=data_key_id)


@transaction.atomic
def grant_all(
    data_key_ids: QuerySet[Any, Any] | Iterable[uuid.UUID],
    keypair: Keypair,
    *,
    actor_id: int | None,
) -> int:
    """Seal these data keys (best a query of their ids: it stays in the database) to one
    more keypair, the live ones it lacks, in one go (a person let into a compartment). The
    caller must hold every one, or keychain.NoKeyAccess is raised and nothing is sealed. One
    `key.grant` entry listing the keys. Returns how many wraps were made. One key at a time
    (`grant`) took 1.8 ms a key: 2 minutes, a web request's limit, at 65,000 keys."""
    missing = list(
        DataKey.objects.filter(id__in=data_key_ids, shredded_at=None)
        .exclude(wraps__keypair=keypair)
        .order_by("id")
        .values_list("id", flat=True)
    )
    chain = keychain.current()
    chain.open(missing)
    for key_id in missing:
        if not chain.holds(key_id):
            raise keychain.NoKeyAccess(key_id)
    return _seal(missing, keypair, actor_id=actor_id)


def _seal(key_ids: list[uuid.UUID], keypair: Keypair, *, actor_id: int | None) -> int:
    """Seal these keys, opened in the current key context, to `keypair` (one `key.grant`
    entry listing them); returns how many."""
    chain = keychain.current()
    public = _current_public_key(keypair) if key_ids else b""
    wraps = [
        KeyWrap(
            data_key_id=key_id,
            keypair=keypair,
            sealed_key=crypto.seal(public, chain.data_key(key_id)),
        )
        for key_id in key_ids
    ]
    if not wraps:
        return 0
    KeyWrap.objects.bulk_create(wraps, ignore_conflicts=True)
    _audit_keys("key.grant", keypair, [w.data_key_id for w in wraps], actor_id=actor_id)
    return len(wraps)


def _current_public_key(keypair: Keypair) -> bytes:
    """The keypair's public key as it stands, its row locked to the end of the caller's
    transaction: a person whose key is being replaced (replace_user_keypair) gets the new
    one, not the one a caller read before."""
    return bytes(
        Keypair.objects.select_for_update().values_list("public_key", flat=True).get(pk=keypair.pk)
    )


def _audit_keys(
    action: str, keypair: Keypair, key_ids: list[uuid.UUID], *, actor_id: int | None
) -> None:
    """One entry for keys sealed to, or taken from, one keypair, listing them."""
    audit.record(
        action,
        actor_id=actor_id,
        object_type="keypair",
        records=[f"keypair:{keypair.pk}", *(f"datakey:{i}" for i in key_ids)],
    )


@transaction.atomic
def pass_on(
    purposes: Iterable[str],
    keypairs: Iterable[Keypair],
    *,
    actor_id: int | None,
    limit: int | None = None,
) -> int:
    """Seal every live key of these purposes that the caller holds to each keypair that
    lacks it: keys sealed to a role at creation reach the people given the role later. One
    `key.grant` entry per receiver, listing the keys. With `limit`, at most that many wraps
    in all, the newest keys first, so that a page view which passes keys on stays quick
    however many wait; the next passes on the rest. Returns how many wraps were made."""
    purposes = list(purposes)
    chain = keychain.current()
    held = KeyWrap.objects.filter(data_key=OuterRef("pk"), keypair_id__in=list(chain.private_keys))
    made = 0
    for keypair in keypairs:
        key_ids: list[uuid.UUID] = []
        for purpose in purposes:
            left = None if limit is None else limit - made - len(key_ids)
            if left is not None and left <= 0:
                break
            # Newest first along the (purpose, created_at) index, stopping at `left`.
            missing = (
                DataKey.objects.filter(purpose=purpose, shredded_at=None)
                .filter(Exists(held))
                .exclude(Exists(KeyWrap.objects.filter(data_key=OuterRef("pk"), keypair=keypair)))
                .order_by("-created_at")
                .values_list("id", flat=True)
            )
            key_ids += missing if left is None else missing[:left]
        chain.open(key_ids)
        made += _seal([k for k in key_ids if chain.holds(k)], keypair, actor_id=actor_id)
    return made


@transaction.atomic
def revoke_purposes(purposes: Iterable[str], keypair: Keypair, *, actor_id: int | None) -> int:
    """Delete this keypair's wraps of every key of these purposes (a role that held them was
    taken away); needs no key. One `key.revoke` entry listing them. Returns how many."""
    return _revoke(
        KeyWrap.objects.filter(keypair=keypair, data_key__purpose__in=list(purposes)),
        keypair,
        actor_id=actor_id,
    )


@transaction.atomic
def revoke_all(
    data_key_ids: QuerySet[Any, Any] | Iterable[uuid.UUID],
    keypair: Keypair,
    *,
    actor_id: int | None,
) -> int:
    """Delete this keypair's wraps of these keys (best a query of their ids: a member leaving
    a compartment); needs no key. One `key.revoke` entry listing them. Returns how many."""
    return _revoke(
        KeyWrap.objects.filter(keypair=keypair, data_key_id__in=data_key_ids),
        keypair,
        actor_id=actor_id,
    )


def _revoke(wraps: QuerySet[KeyWrap], keypair: Keypair, *, actor_id: int | None) -> int:
    key_ids = list(wraps.values_list("data_key_id", flat=True))
    if not key_ids:
        return 0
    KeyWrap.objects.filter(pk__in=wraps.values("pk")).delete()
    _audit_keys("key.revoke", keypair, key_ids, actor_id=actor_id)
    return len(key_ids)


@transaction.atomic
def shred(data_key_id: uuid.UUID, *, actor_id: int | None = None) -> None:
    """Crypto-shredding: destroy every wrap of the key; its records can never be read again."""
    KeyWrap.objects.filter(data_key_id=data_key_id).delete()
    DataKey.objects.filter(id=data_key_id).update(shredded_at=timezone.now())
    audit.record("key.shred", actor_id=actor_id, object_type="datakey", object_id=data_key_id)


class KeyScope(Protocol):
    """A group of people who hold the keys of its records together (a compartment). The
    vault seals each new record key to them and hands the key to the scope, which keeps it
    so that people who join later receive it too."""

    def key_holder_ids(self, purpose: str) -> Iterable[int] | QuerySet[Any, Any]:
        """The users who receive a new key of this purpose."""
        ...

    def keep_key(self, data_key: DataKey) -> None: ...


@transaction.atomic
def new_record_key(
    scope: KeyScope,
    purpose: str,
    *,
    extra_holders: Iterable[Keypair] = (),
    recovery: bool = False,
) -> DataKey:
    """The one way to key a new protected record: a fresh key sealed to the scope's members
    (found in one query), to the organisation recovery key when `recovery` (a report must
    never be lost, even with nobody on the team), and to any extra holders (the alert
    service). The scope keeps it, so that later members receive it."""
    holders = Q(kind=Keypair.Kind.USER, user_id__in=scope.key_holder_ids(purpose))
    if recovery:
        holders |= Q(kind=Keypair.Kind.RECOVERY)
    data_key = create_data_key(purpose, [*Keypair.objects.filter(holders), *extra_holders])
    scope.keep_key(data_key)
    return data_key


def create_index_key(holders: Iterable[Keypair]) -> DataKey:
    if index_key_id() is not None:
        raise ValueError("The search index key already exists.")
    return create_data_key(INDEX_KEY_PURPOSE, holders)


def index_key_id() -> uuid.UUID | None:
    """The live search key (one shredded by a wipe does not count)."""
    found = DataKey.objects.filter(purpose=INDEX_KEY_PURPOSE, shredded_at=None)
    return found.values_list("id", flat=True).first()


def grant_index_key(keypair: Keypair, *, actor_id: int | None) -> bool:
    """Seal the search key to one more keypair; True when it did not hold it yet. The caller's
    key context must hold the search key: NoSearchKey (its message says who can) otherwise."""
    key_id = index_key_id()
    if key_id is None:
        raise keychain.VaultLocked("The search index key has not been created; run 'aegis init'.")
    if KeyWrap.objects.filter(data_key_id=key_id, keypair=keypair).exists():
        return False
    try:
        grant(key_id, keypair, actor_id=actor_id)
    except keychain.NoKeyAccess as missing:
        raise keychain.NoSearchKey(key_id) from missing
    return True


# --- Duress wipe --------------------------------------------------------------------------


@dataclass(frozen=True)
class Shredded:
    """What one app destroyed for the wipe: counts for the operator, and the models whose
    tables held the destroyed bytes (compacted afterwards)."""

    counts: dict[str, int]
    models: tuple[type[models.Model], ...] = ()


# Sent inside the wipe's transaction. Each app that keeps a key, a wrapped key or anything a
# key can be derived from outside the vault's tables receives it and destroys them through
# its own services (API tokens and sessions in accounts, receipts in intake), returning a
# Shredded. Everything happens in one transaction: all of it, or (on an error) none of it.
wiping = Signal()


def wipe(*, actor_id: int | None = None) -> dict[str, int]:
    """Destroy every key copy. Afterwards no protected field, file or index can be opened,
    and the instance takes no new protected data until `aegis init` sets it up again."""
    now = timezone.now()
    tables: list[type[models.Model]] = [KeyWrap, Keypair]
    # First, and so even where the rows then could not be destroyed: every copy of a key
    # sealed under the wipe key, wherever the disk still keeps one, opens with nothing now.
    destroyed = wipe_key.destroy()
    counts = _wipe_rows(now, tables, actor_id)
    counts["wipe_key"] = int(destroyed)
    from .service_keys import destroy_key_files

    counts["service_keys"] = destroy_key_files()
    counts["log_emptied"] = int(compact_database(tables))
    return counts


def _wipe_rows(
    now: datetime.datetime, tables: list[type[models.Model]], actor_id: int | None
) -> dict[str, int]:
    with transaction.atomic():
        audit.record("vault.wipe", actor_id=actor_id, object_type="vault", object_id="all")
        wraps, _ = KeyWrap.objects.all().delete()
        keypairs = Keypair.objects.filter(kind=Keypair.Kind.USER).update(
            sealed_private_key=None, recovery_sealed_private_key=None, kdf_salt=None
        )
        # The recovery key is offline and the service keys' files are destroyed below: their
        # public halves go too, so nothing new is sealed to keys nobody can open, and
        # `aegis init` can make new ones.
        _, organisation = Keypair.objects.exclude(kind=Keypair.Kind.USER).delete()
        keypairs += organisation.get(Keypair._meta.label, 0)
        DataKey.objects.filter(shredded_at=None).update(shredded_at=now)
        Wipe.objects.create(wiped_at=now)
        counts = {"key_wraps": wraps, "keypairs": keypairs}
        for _receiver, shredded in wiping.send(sender=Keypair):
            # A receiver that returns nothing has still destroyed what it holds: under
            # duress a missing count must not undo the whole wipe.
            if isinstance(shredded, Shredded):
                counts.update(shredded.counts)
                tables.extend(shredded.models)
    return counts


def compact_database(tables: Iterable[type[models.Model]]) -> bool:
    """Make sure destroyed key bytes are not left in free pages, the WAL or dead tuples.
    False when SQLite's write-ahead log could not be emptied (another process is reading it).

    SQLite: secure_delete (settings) overwrites deleted and replaced rows with zeros as they
    are written; the checkpoint copies those pages into the database file and truncates the
    WAL, which may still hold older copies of them. PostgreSQL: an UPDATE or DELETE leaves
    the old row in the table file until VACUUM FULL rewrites the table; older copies can
    remain in WAL segments until they are recycled (CHECKPOINT, where the role may run it),
    and in archives and replicas, which no command here reaches."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA secure_delete")
            if not cursor.fetchone()[0]:
                cursor.execute("VACUUM")  # without secure_delete, only a rebuild clears pages
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, *_ = cursor.fetchone()
            return not busy
        if connection.vendor == "postgresql":
            for table in dict.fromkeys(model._meta.db_table for model in tables):
                cursor.execute(f'VACUUM FULL "{table}"')
            # CHECKPOINT needs superuser or pg_checkpoint; the WAL is recycled in time anyway.
            with contextlib.suppress(DatabaseError):
                cursor.execute("CHECKPOINT")
    return True


# --- Expiry (retention) ---------------------------------------------------------------------


def keys_in_use(
    key_ids: Iterable[uuid.UUID], *, ignoring: Iterable[type[models.Model]] = ()
) -> set[uuid.UUID]:
    """Which of these data keys some row still names (any model's foreign key to DataKey,
    less the key wraps and the models in `ignoring`): a key shared with a record that stays
    must not be shredded with the ones that go."""
    wanted = set(key_ids)
    skip = {KeyWrap, *ignoring}
    used: set[uuid.UUID] = set()
    for relation in DataKey._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and relation.is_relation and not relation.concrete):
            continue
        model = relation.related_model
        if model is None or model in skip or not wanted - used:
            continue
        field = relation.field  # type: ignore[union-attr]
        used.update(
            model._default_manager.filter(**{f"{field.name}__in": wanted - used}).values_list(
                field.attname, flat=True
            )
        )
    return used
