"""The wipe key: 32 random bytes in AEGIS_HOME/secrets/wipe_key, mixed into every key derived
from something a person knows or holds outside the server (a password, a receipt code, a
service's unlock secret, a session's cookie secret, an API token).

`aegis wipe` overwrites rows, but the disk keeps older copies of them in blocks it freed: a
checkpointed write-ahead log, a backup's removed scratch copy, an SSD's remapped pages, a
copy-on-write file system's old extents. Carved from the raw disk, a copy of a person's
sealed private key opened again with one coerced password. A key bound to the wipe key
opens only while this one small file exists; the wipe overwrites it in place and unlinks
it, and every old copy of what was sealed under it is useless from then on, password or
code in hand.

Rows sealed before the wipe key existed carry seal version 0 and are opened without it;
whoever opens one with the password or code seals it again at once (version 1)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.conf import settings

from . import crypto

SEAL_VERSION = 1  # what a new seal is; 0: sealed before the wipe key existed
NAME = "wipe_key"

# One domain each: a key derived for one purpose never opens another's seal.
PASSWORD = b"aegis-password"
RECEIPT = b"aegis-receipt"
SESSION = b"aegis-session"
RECEIPT_SESSION = b"aegis-receipt-session"  # a reporter's follow-up session
API_TOKEN = b"aegis-api-token"

# What seals a service key again after its wipe key was replaced (see `aegis recover`).
RESEAL_SERVICE_KEYS = (
    "'aegis seal-service-key --recovery-key-file RECOVERY-KEY-FILE' for the alert service, "
    "and with '--service exchange' for the exchange with partners, where it is used"
)

logger = logging.getLogger(__name__)


class WipeKeyMissing(Exception):
    """The wipe key file is missing or damaged while rows sealed under it exist."""

    def __init__(self, path: Path | None = None) -> None:
        where = path or key_file()
        super().__init__(
            f"The wipe key ({where}) is missing or damaged: nothing sealed under it opens, "
            "so nobody can sign in and no receipt code works. Put back the file from the "
            "instance's last backup ('aegis backup restore' writes it back). If it is lost "
            "for good (and was not destroyed by a wipe), remove a damaged file and restore "
            "each person's access with the organisation recovery key ('aegis recover'): "
            "the first recovery makes a new wipe key. Then seal the service keys again, "
            "since no unlock secret opens them under a new wipe key and the worker sends no "
            f"alert until then: {RESEAL_SERVICE_KEYS}. Receipt codes and API tokens bound to "
            "the lost wipe key open nothing any more: reporters write in again, and API "
            "tokens are made again."
        )


def key_file() -> Path:
    return Path(settings.AEGIS_HOME) / "secrets" / NAME


def current() -> bytes:
    """The wipe key; WipeKeyMissing (logged) where the file is missing or not 32 bytes."""
    path = key_file()
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = b""
    if len(key) != crypto.KEY_BYTES:
        error = WipeKeyMissing(path)
        logger.error("%s", error)
        raise error
    return key


def exists() -> bool:
    try:
        return key_file().stat().st_size == crypto.KEY_BYTES
    except FileNotFoundError:
        return False


def ensure(*, in_use: bool = False) -> bytes:
    """The wipe key, made (0600) where there is none yet. `in_use`: rows sealed under a
    wipe key exist, so a missing one is not replaced (that would lose them for good) but
    refused with WipeKeyMissing."""
    path = key_file()
    if path.exists() or in_use:
        return current()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it meanwhile
        return current()
    with os.fdopen(fd, "wb") as handle:
        handle.write(crypto.random_key())
        handle.flush()
        os.fsync(handle.fileno())
    return current()


def key_id(key: bytes | None = None) -> str:
    """A short name of a wipe key (16 hex digits of a keyed hash, which tells nothing of the
    key), kept beside what is sealed under it: a seal made under another wipe key than the
    current one (replaced by `aegis recover`) is then told apart from a wrong secret."""
    return crypto.derive_subkey(key or current(), b"aegis-wipe-key-id")[:8].hex()


def bind(key: bytes, domain: bytes, wipe_key: bytes | None = None) -> bytes:
    """The key actually used: `key` (derived from what a person holds) mixed with the wipe
    key, for one domain (BLAKE2b keyed with the wipe key)."""
    return crypto.derive_subkey(wipe_key or current(), domain + b"\x00" + key)


def put(key: bytes) -> None:
    """Write a wipe key (a restored backup's): atomically, 0600."""
    if len(key) != crypto.KEY_BYTES:
        raise ValueError("a wipe key is 32 bytes")
    path = key_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fresh = path.with_name(f".{NAME}.new")
    fresh.unlink(missing_ok=True)
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(fresh, path)


ERASE_CHUNK = 1 << 20  # random bytes written at a time: a backup may be gigabytes


def erase_file(path: Path) -> None:
    """Overwrite a file's bytes in place with random ones, flush them to the disk, then
    unlink it: a copy of the folder taken afterwards, or a link or descriptor kept to the
    file, reads nothing of what it held."""
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        for start in range(0, size, ERASE_CHUNK):
            handle.write(os.urandom(min(ERASE_CHUNK, size - start)))
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()


def destroy() -> bool:
    """For `aegis wipe`: overwrite and unlink the wipe key; True when there was one."""
    path = key_file()
    try:
        erase_file(path)
    except FileNotFoundError:
        return False
    return True
