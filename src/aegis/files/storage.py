"""Encrypted blob store on disk (MEDIA_ROOT/blobs). Each blob has its own file key, wrapped
under a record's data key (vault.crypto.encrypt_stream); nothing is written in clear. Files are
padded (Padmé) before they are encrypted, so a blob's length tells only which of a few sizes the
file falls in, not which public file it is; a record keeps the exact size under its own key
and, in clear, at most `stored_size`."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from aegis.vault import crypto
from aegis.vault.keychain import current


def root() -> Path:
    """The store's folder: blobs/<first two characters>/<blob id> (backups copy it whole)."""
    return Path(settings.MEDIA_ROOT) / "blobs"


def _path(blob_id: str) -> Path:
    if not blob_id.isalnum():
        raise ValueError("bad blob id")
    return root() / blob_id[:2] / blob_id


def stored_size(size: int) -> int:
    """What a blob's length says of a file of `size` bytes: its padded length, the size
    a record may keep in clear (to count what the disk holds) without telling the file."""
    return crypto.padded_file_length(size)


def store(data_key_id: uuid.UUID, source: BinaryIO) -> str:
    """Encrypt `source` under the record's key; return the blob id. Written atomically."""
    key = current().data_key(data_key_id)
    blob_id = uuid.uuid4().hex
    target = _path(blob_id)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with written_whole(target) as handle:
        crypto.encrypt_stream(key, source, handle)
    return blob_id


@contextmanager
def written_whole(target: Path) -> Iterator[BinaryIO]:
    """A file written whole or not at all: what is written to the handle goes to a file
    beside `target`, synced, then renamed over it; on any failure (a full disk, a size limit)
    that file is removed and `target` is as it was."""
    with written_together(target) as (handle,):
        yield handle


@contextmanager
def written_together(*targets: Path) -> Iterator[tuple[BinaryIO, ...]]:
    """Files that belong together (a model's description and its weights), each written
    whole or not at all as by written_whole, and renamed over their targets, in order, only
    once every one is written and synced. Only a crash between two renames can leave some new
    and some old: a reader that must tell marks them (the extraction model's build id)."""
    partials = [target.with_name(target.name + ".part") for target in targets]
    try:
        with ExitStack() as stack:
            handles = tuple(stack.enter_context(open(p, "wb")) for p in partials)
            yield handles
            for handle in handles:
                handle.flush()
                os.fsync(handle.fileno())
        for partial, target in zip(partials, targets, strict=True):
            os.replace(partial, target)
    except BaseException:
        for partial in partials:
            partial.unlink(missing_ok=True)
        raise


def read(data_key_id: uuid.UUID, blob_id: str, target: BinaryIO) -> int:
    key = current().data_key(data_key_id)
    with open(_path(blob_id), "rb") as handle:
        return crypto.decrypt_stream(key, handle, target)


def delete(blob_id: str) -> None:
    _path(blob_id).unlink(missing_ok=True)


def exists(blob_id: str) -> bool:
    return _path(blob_id).exists()
