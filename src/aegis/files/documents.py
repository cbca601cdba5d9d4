"""Word (.docx) and OpenDocument (.odt) text documents are ZIP containers: the file's first
bytes say only "ZIP". Their type is read from inside the container (the OpenDocument
`mimetype` entry, the Office `[Content_Types].xml`), so a renamed archive, spreadsheet or
macro-carrying document is not taken for a text document. Only these small entries are read,
never the document's body, so an archive that expands enormously costs nothing here."""

from __future__ import annotations

import zipfile
from typing import BinaryIO

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
_DOCX_MAIN = DOCX + ".main+xml"
# The entries read are small XML files; more than this is not a real document's.
_MAX_ENTRY = 1024 * 1024


def is_zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


def _read(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_ENTRY:
        return None
    with archive.open(info) as entry:
        return entry.read(_MAX_ENTRY + 1)[:_MAX_ENTRY]


def zipped_document_type(data: BinaryIO) -> str | None:
    """DOCX or ODT when the container really holds a text document; None otherwise (another
    ZIP, a damaged one, a document with macros)."""
    try:
        with zipfile.ZipFile(data) as archive:
            names = set(archive.namelist())
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # macros: a .docm renamed, not a plain document
            if "mimetype" in names:
                mimetype = _read(archive, "mimetype")
                first = archive.infolist()[0].filename
                if mimetype == ODT.encode() and first == "mimetype" and "content.xml" in names:
                    return ODT
                return None
            types = _read(archive, "[Content_Types].xml")
            if types is not None and _DOCX_MAIN.encode() in types and "word/document.xml" in names:
                return DOCX
            return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        return None
    finally:
        data.seek(0)
