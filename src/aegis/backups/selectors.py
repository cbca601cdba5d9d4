"""Reading the backup folder: which backups are there, how old and how large. Nothing here
decrypts: listing needs no key."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from .services import backup_dir


@dataclass(frozen=True)
class Listed:
    path: Path
    size: int
    made: datetime.datetime

    def age(self, now: datetime.datetime) -> datetime.timedelta:
        return max(now - self.made, datetime.timedelta(0))


def backups(folder: Path | None = None) -> list[Listed]:
    """The finished backups (`*.age`, not the `.part` of one being written), newest first."""
    folder = folder or backup_dir()
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.age"):
        if path.is_file():
            stat = path.stat()
            made = datetime.datetime.fromtimestamp(stat.st_mtime, tz=datetime.UTC)
            found.append(Listed(path, stat.st_size, made))
    return sorted(found, key=lambda listed: listed.made, reverse=True)
