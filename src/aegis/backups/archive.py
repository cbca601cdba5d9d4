"""The backup file: a tar stream encrypted with age on the fly. Nothing in clear is written
beside it: a thread writes the tar into a pipe that age reads (or age decrypts into a pipe
that the tar reader reads), so memory stays constant whatever the size."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO

import pyrage

from .errors import BackupError

CHUNK = 1 << 16


class Hashing(io.RawIOBase):
    """Reads (or writes) through to a file, keeping the SHA-256 and byte count of what passed,
    and telling `seen` how many bytes went by (the progress bar)."""

    def __init__(self, handle: Any, seen: Callable[[int], object] | None = None) -> None:
        self.handle = handle
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.seen = seen

    def _passed(self, data: bytes) -> None:
        self.sha256.update(data)
        self.size += len(data)
        if self.seen is not None:
            self.seen(len(data))

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self.handle.read(-1 if size is None else size)
        self._passed(data)
        return data

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.handle.write(chunk)
        self._passed(chunk)
        return len(chunk)


def write(out: Path, recipients: list[Any], fill: Callable[[tarfile.TarFile], None]) -> None:
    """Encrypt to `recipients` the tar that `fill` writes, into `out` (created, not replaced)."""
    read_end, write_end = os.pipe()
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            with os.fdopen(write_end, "wb") as pipe, tarfile.open(fileobj=pipe, mode="w|") as tar:
                fill(tar)
        except BaseException as error:  # re-raised in the caller's thread
            failure.append(error)

    producer = threading.Thread(target=produce, name="backup-tar", daemon=True)
    producer.start()
    try:
        with os.fdopen(read_end, "rb") as pipe, open(out, "xb") as target:
            pyrage.encrypt_io(pipe, target, recipients)
            target.flush()
            os.fsync(target.fileno())
    finally:
        producer.join()
    if failure:
        raise failure[0]


# How every age file begins: binary, or armoured (PEM-like) as `age -a` writes it.
AGE_BINARY = b"age-encryption.org/v1\n"
AGE_ARMOURED = b"-----BEGIN AGE ENCRYPTED FILE-----"


@contextmanager
def read(path: Path, identities: list[Any]) -> Iterator[tarfile.TarFile]:
    """The tar inside a backup, as a stream, decrypted with `identities` while it is read. A
    wrong key, a truncated or altered file raises BackupError (possibly after some members:
    age authenticates each chunk as it goes, so callers check before they keep anything)."""
    # The file is looked at before the pipe is made: a refusal here leaves nothing open.
    try:
        with open(path, "rb") as source:
            start = source.read(len(AGE_ARMOURED))
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}.") from error
    if not start:
        raise BackupError(f"{path} is empty: not a backup.")
    if not start.startswith(AGE_BINARY) and not start.startswith(AGE_ARMOURED):
        # Said as what it is: age's own words ("Header is invalid") had blamed the key.
        raise BackupError(f"{path} is not an age-encrypted file, so not an Aegis backup.")
    read_end, write_end = os.pipe()
    failure: list[BaseException] = []

    def decrypt() -> None:
        try:
            with open(path, "rb") as source, os.fdopen(write_end, "wb") as pipe:
                pyrage.decrypt_io(source, pipe, identities)
        except BaseException as error:
            failure.append(error)

    decrypter = threading.Thread(target=decrypt, name="backup-age", daemon=True)
    decrypter.start()
    pipe: BinaryIO = os.fdopen(read_end, "rb")
    body_failure: Exception | None = None
    try:
        with tarfile.open(fileobj=pipe, mode="r|") as tar:
            yield tar
    except Exception as error:
        body_failure = error
    finally:
        try:
            # Read to the end: age checks the last chunk only there (a file cut short at a
            # chunk boundary), and a decrypter that stopped early then says why.
            while pipe.read(CHUNK):
                pass
        finally:
            pipe.close()
            decrypter.join()
    if failure:
        raise _decrypt_refusal(path, failure[0]) from body_failure
    if isinstance(body_failure, tarfile.TarError | EOFError | OSError):
        raise BackupError(f"{path} is not an Aegis backup, or it is damaged.") from body_failure
    if body_failure is not None:
        raise body_failure


def _decrypt_refusal(path: Path, error: BaseException) -> BaseException:
    # pyrage raises DecryptError for a header no identity opens, OSError for a chunk that
    # fails its authentication (altered) or a stream that ends early (cut short).
    if isinstance(error, pyrage.DecryptError) and "no matching keys" in str(error).lower():
        return BackupError(
            f"This key does not open {path}: it is not the organisation recovery key (or "
            "another recipient) the backup was encrypted to, or the file's header is damaged."
        )
    if isinstance(error, pyrage.DecryptError | OSError):
        return BackupError(
            f"{path} cannot be opened with this key, or the file is damaged (cut short or "
            f"altered): {age_words(error)}."
        )
    return error


def age_words(error: BaseException) -> str:
    """age's (pyrage's) reason, without its advice to upgrade: what it cannot read here is a
    damaged file, not a newer format. No final full stop: the caller's sentence ends it."""
    kept = [
        line.strip()
        for line in str(error).splitlines()
        if line.strip() and "upgrading" not in line.lower()
    ]
    return " ".join(kept).rstrip(".") or "no reason given"


def copy_out(source: IO[bytes], target: Any, size: int) -> Hashing:
    """Copy a member's bytes into `target` (anything with write), hashing them."""
    hashing = Hashing(target)
    remaining = size
    while remaining > 0:
        chunk = source.read(min(CHUNK, remaining))
        if not chunk:
            raise BackupError("The backup ends inside a part: it is damaged.")
        hashing.write(chunk)
        remaining -= len(chunk)
    return hashing
