"""The exhibit package: a ZIP that a court clerk or a UN mechanism can check without Aegis.

    files/<n>-<name>   the original files, byte for byte
    MANIFEST.sha256    `sha256sum -c MANIFEST.sha256` verifies every other file
    MANIFEST.sha256.minisig   the manifest signed with the instance's key (minisign), and
    aegis-instance.pub        that key: `minisign -Vm MANIFEST.sha256 -p aegis-instance.pub`
    custody.csv        every custody event of the exported items and their working copies
    custody.html       the same log as a printable page (no scripts, nothing fetched)

The package is built in memory: it holds evidence in clear, and a temporary file would leave
that on disk, where a seizure could find it. Files are added one at a time, so only one file
in clear is held beside the (compressed) package."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .models import CustodyAction, CustodyEvent, EvidenceItem

_UNSAFE = re.compile(r"[^\w.()+ -]+")
# Spreadsheets run cells that start with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExhibitFile:
    item: EvidenceItem
    path: str  # inside the package


@dataclass(frozen=True)
class ManifestSigner:
    """Who signs the manifest, so that a file and the manifest altered together are caught:
    `minisign -Vm MANIFEST.sha256 -p aegis-instance.pub`, with the key compared to the one
    the organisation gives out (its id is printed in custody.html)."""

    key_id: str
    public_key: str  # minisign's public key file
    sign: Callable[[bytes], str]


@dataclass(frozen=True)
class ExhibitPackage:
    filename: str
    data: io.BytesIO  # positioned at the start
    size: int
    paths: tuple[str, ...]


def safe_name(name: str, number: int) -> str:
    """A file name that is safe in a ZIP, on any disk and in a sha256sum manifest."""
    base = _UNSAFE.sub("_", name).strip(" ._") or "file"
    stem, dot, extension = base.rpartition(".")
    base = f"{stem[:120]}.{extension}" if dot and len(extension) <= 10 else base[:120]
    return f"files/{number:03d}-{base}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


@dataclass(frozen=True)
class CustodyRow:
    at: str
    item: str
    path: str
    action: str
    actor: str
    reason: str

    @property
    def action_label(self) -> str:
        """The action in words, for the page a court reads (the CSV keeps the code)."""
        known = self.action in CustodyAction.values
        return str(CustodyAction(self.action).label) if known else self.action


def custody_rows(files: Sequence[ExhibitFile], events: Sequence[CustodyEvent]) -> list[CustodyRow]:
    paths = {f.item.pk: f.path for f in files}

    def path_of(item: EvidenceItem) -> str:
        if item.pk in paths:
            return paths[item.pk]
        original = paths.get(item.derived_from_id, "") if item.derived_from_id else ""
        return _("working copy of %(file)s") % {"file": original} if original else ""

    return [
        CustodyRow(
            at=iso(event.at),
            item=str(event.item_id),
            path=path_of(event.item),
            action=event.action,
            actor=event.actor.get_username() if event.actor else "",
            reason=event.reason or "",
        )
        for event in events
    ]


def custody_csv(rows: Sequence[CustodyRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["at", "item", "file", "action", "actor", "reason"])
    for row in rows:
        writer.writerow([row.at, row.item, row.path, row.action, row.actor, _cell(row.reason)])
    return out.getvalue().encode("utf-8")


def custody_html(context: dict[str, Any]) -> bytes:
    return render_to_string("evidence/custody_export.html", context).encode("utf-8")


def manifest(hashes: dict[str, str]) -> bytes:
    """`sha256sum` format: '<hex>  <path>' per line, paths relative to the package root."""
    return "".join(f"{digest}  {path}\n" for path, digest in hashes.items()).encode("utf-8")


class PackageWriter:
    """Writes an exhibit package: add the files one by one, then finish with the custody log."""

    def __init__(self, reference: str, at: datetime) -> None:
        self.reference = reference
        self.at = at
        self.buffer = io.BytesIO()
        self.archive = zipfile.ZipFile(self.buffer, "w", compression=zipfile.ZIP_DEFLATED)
        self.files: list[ExhibitFile] = []
        self.hashes: dict[str, str] = {}

    def _write(self, path: str, data: bytes) -> None:
        info = zipfile.ZipInfo(path, date_time=self.at.astimezone(UTC).timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16  # a plain, read-write file when unpacked
        self.archive.writestr(info, data)
        self.hashes[path] = hashlib.sha256(data).hexdigest()

    def add_file(self, item: EvidenceItem, data: bytes) -> str:
        path = safe_name(item.name, len(self.files) + 1)
        self._write(path, data)
        self.files.append(ExhibitFile(item, path))
        return path

    def finish(
        self,
        *,
        events: Sequence[CustodyEvent],
        exported_by: str,
        reason: str,
        signer: ManifestSigner,
    ) -> ExhibitPackage:
        rows = custody_rows(self.files, events)
        context = {
            "reference": self.reference,
            "files": self.files,
            "rows": rows,
            "exported_by": exported_by,
            "reason": reason,
            "at": iso(self.at),
            "key_id": signer.key_id,
        }
        self._write("custody.csv", custody_csv(rows))
        self._write("custody.html", custody_html(context))
        listed = manifest(self.hashes)
        self._write("MANIFEST.sha256", listed)
        # Beside the manifest, not in it: the signature covers the manifest.
        self._write("MANIFEST.sha256.minisig", signer.sign(listed).encode())
        self._write("aegis-instance.pub", signer.public_key.encode())
        self.archive.close()
        size = self.buffer.tell()
        self.buffer.seek(0)
        filename = f"exhibit-{self.reference}-{self.at.astimezone(UTC):%Y%m%dT%H%M%SZ}.zip"
        return ExhibitPackage(filename, self.buffer, size, tuple(self.hashes))
