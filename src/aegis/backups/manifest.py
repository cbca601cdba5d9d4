"""The manifest, the tar's last member: what the backup holds and the SHA-256 of every part,
so that `verify` and `restore` can check each byte before anything is kept."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any

from .errors import BackupError

NAME = "manifest.json"
# The manifest's minisign signature by the instance's key (the audit checkpoints' key), the
# tar's last member: the recovery key's recipient is public, so anyone could have encrypted
# a backup of their own making to it; only the instance holding the audit key signs.
SIGNATURE = "manifest.json.minisig"
FORMAT = "aegis-backup"
FORMAT_VERSION = 1
# The only names a backup's parts may have: the database, the wipe key (the keys sealed under
# it in the database open with nothing else), then blobs as the store names them.
WIPE_KEY = "secrets/wipe_key"
PART_NAME = re.compile(
    r"\A(database\.sqlite3|database\.pgdump|secrets/wipe_key|blobs/[0-9a-f]{2}/[0-9a-f]{32})\Z"
)


def aegis_version() -> str:
    try:
        return metadata.version("aegis")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


@dataclass
class Part:
    sha256: str
    size: int


@dataclass
class Manifest:
    created_at: str
    database: str  # snapshot.SQLITE or snapshot.POSTGRESQL
    migrations: list[str]
    tables: dict[str, int]
    recipients: list[str]
    audit_key_id: str  # the checkpoint key's id: which audit key the chain needs
    audit_entries: int
    parts: dict[str, Part] = field(default_factory=dict)
    aegis_version: str = field(default_factory=aegis_version)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @property
    def blob_count(self) -> int:
        return sum(1 for name in self.parts if name.startswith("blobs/"))


def parse(data: bytes) -> Manifest:
    try:
        raw: dict[str, Any] = json.loads(data)
        if raw.get("format") != FORMAT:
            raise ValueError("not an Aegis backup")
        if raw.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                f"This backup's format (version {raw.get('format_version')}) is newer than "
                "this Aegis reads: restore it with the Aegis version that made it "
                f"({raw.get('aegis_version')}) or a later one."
            )
        parts = {name: Part(**part) for name, part in raw.pop("parts").items()}
        manifest = Manifest(**raw, parts=parts)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        if isinstance(error, BackupError):
            raise
        raise BackupError("The backup's manifest is not readable: not an Aegis backup.") from error
    if any(not PART_NAME.match(name) for name in manifest.parts):
        raise BackupError("The backup's manifest names a part Aegis never writes.")
    return manifest
