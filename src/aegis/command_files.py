"""The files a command writes for someone to keep (a bundle to a partner, an audit checkpoint,
and their signatures): new ones only, all or none. An auditor keeps the older checkpoints,
and a bundle sent is the record of what was sent: neither is ever replaced."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path

from django.core.management.base import CommandError


def refuse_existing(*paths: Path) -> None:
    """Said before any work is done: a path taken already (a folder too) is refused."""
    for path in paths:
        if path.is_dir():
            raise CommandError(f"Cannot write {path}: {os.strerror(errno.EISDIR)}.")
        if path.exists() or path.is_symlink():
            raise CommandError(f"{path} exists already: give another --out.")


def write_new(files: Iterable[tuple[Path, bytes]]) -> list[Path]:
    """Write each file new; on any failure, Ctrl-C included, the ones written are removed and
    the failure is said in words (or raised again)."""
    written: list[Path] = []
    try:
        for path, data in files:
            # "x": a file made since `refuse_existing` is not replaced either.
            with open(path, "xb") as handle:
                written.append(path)  # ours: removed if the rest is not written
                handle.write(data)
    except BaseException as error:
        for path in written:
            path.unlink(missing_ok=True)
        if isinstance(error, FileExistsError):
            raise CommandError(f"{error.filename} exists already: give another --out.") from error
        if isinstance(error, OSError):
            raise CommandError(f"Cannot write {error.filename}: {error.strerror}.") from error
        raise
    return written
