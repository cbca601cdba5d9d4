"""Checking uploaded files before anything is stored: size, emptiness, a name without hidden
characters, content that matches the claimed type, and images that are not decompression
bombs. Every refusal carries a message the uploader can act on."""

from __future__ import annotations

import codecs
import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

import filetype
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image

from aegis.rules import RuleError
from aegis.text import has_control_characters, has_disguising_characters

from . import documents

# Accepted kinds: content type → file name extensions.
ACCEPTED: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    documents.DOCX: (".docx",),
    documents.ODT: (".odt",),
    "audio/mpeg": (".mp3",),
    "audio/ogg": (".ogg", ".oga", ".opus"),
    "audio/mp4": (".m4a",),
    "video/mp4": (".mp4", ".m4v"),
    "video/webm": (".webm",),
    "text/plain": (".txt",),
}
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}
# What browsers may also claim: no type known, or the container for ZIP-based documents.
_ALSO_CLAIMED = {"application/octet-stream", "application/zip"}
MAX_IMAGE_PIXELS = 50_000_000  # about 8000 by 6000; larger images are refused


class UploadRejected(RuleError):
    """A file that cannot be accepted; str(error) is the message for the uploader. Its own
    kind: the forms put it on their file input, whatever the input is called."""


def _mismatch(name: str) -> str:
    return _(
        "The content of “%(name)s” does not match its type. Check that it is the file you "
        "meant to send."
    ) % {"name": name}


class UnacceptedKind(UploadRejected):
    """A file of no kind accepted here at all; its message lists the kinds that are, so a
    form that reads fewer kinds says its own instead."""


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    size: int
    sha256: str
    data: BinaryIO  # positioned at the start


def max_upload_bytes() -> int:
    return int(settings.AEGIS_MAX_UPLOAD_MB) * 1024 * 1024


def _check_name(name: str) -> str:
    base = PurePath(name.replace("\\", "/")).name.strip()
    if not base:
        raise UploadRejected(_("The file has no name."))
    if has_control_characters(base) or has_disguising_characters(base):
        raise UploadRejected(
            _(
                "The name of “%(name)s” contains hidden characters that can disguise its type. "
                "Rename the file and try again."
            )
            % {"name": base.encode("ascii", "replace").decode()}
        )
    return _shortened(base, 200)


def _shortened(name: str, limit: int) -> str:
    """The name cut to `limit` characters in its stem, never its extension (".txt", ".pdf"),
    from which the kind of a plain-text file is told."""
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > 16:
        return name[:limit]
    return stem[: limit - len(extension) - 1] + "." + extension


def _sniff(head: bytes, name: str) -> str | None:
    kind = filetype.guess(head)
    if kind is not None:
        mime = "audio/mp4" if kind.mime in {"audio/x-m4a", "audio/m4a"} else kind.mime
        return (
            "audio/ogg"
            if mime == "video/ogg" and name.lower().endswith((".ogg", ".oga", ".opus"))
            else mime
        )
    if name.lower().endswith(".txt"):
        try:
            # Incremental: a multi-byte character cut at the end of the sample is no error.
            text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError as error:
            # Latin-1, UTF-16 or binary: the text is read as UTF-8 everywhere after this.
            raise UploadRejected(
                _("“%(name)s” is not plain text in UTF-8. Save it as UTF-8 text and send it again.")
                % {"name": name}
            ) from error
        return "text/plain" if "\x00" not in text else None
    return None


def _check_image(data: BinaryIO, name: str) -> None:
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(data) as image:
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRejected(
            _("“%(name)s” is an image too large to open safely (it may be a decompression bomb).")
            % {"name": name}
        ) from exc
    except Exception as exc:  # Pillow raises many kinds for broken files
        raise UploadRejected(
            _("“%(name)s” is a damaged image that cannot be opened.") % {"name": name}
        ) from exc
    finally:
        data.seek(0)


def check_upload(source: BinaryIO, name: str, claimed_type: str = "") -> CheckedUpload:
    """Read the whole file once (bounded by the size limit), hash it and check it."""
    clean_name = _check_name(name)
    limit = max_upload_bytes()
    buffer = io.BytesIO()
    digest = hashlib.sha256()
    while chunk := source.read(1024 * 1024):
        digest.update(chunk)
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise UploadRejected(
                _("“%(name)s” is larger than the limit of %(mb)s MB.")
                % {"name": clean_name, "mb": settings.AEGIS_MAX_UPLOAD_MB}
            )
    size = buffer.tell()
    if size == 0:
        raise UploadRejected(_("“%(name)s” is empty.") % {"name": clean_name})
    buffer.seek(0)
    head = buffer.read(8192)
    buffer.seek(0)
    # A ZIP container's type is read from inside it, not guessed from its first bytes.
    sniffed = (
        documents.zipped_document_type(buffer)
        if documents.is_zip(head)
        else _sniff(head, clean_name)
    )
    extension = PurePath(clean_name).suffix.lower()
    named_as_taken = any(extension in suffixes for suffixes in ACCEPTED.values())
    if sniffed is None and named_as_taken and not documents.is_zip(head):
        # Named as a kind taken here, its content of none: "not a kind we accept" had sent
        # the person looking for another format when the file itself is not what it says.
        raise UnacceptedKind(_mismatch(clean_name))
    if sniffed is None or sniffed not in ACCEPTED:
        raise UnacceptedKind(
            _(
                "“%(name)s” is not a kind of file we accept. Send photos (JPEG, PNG, WebP), "
                "documents (PDF, Word .docx, OpenDocument .odt), audio, video (MP4, WebM) or "
                "plain text."
            )
            % {"name": clean_name}
        )
    if extension not in ACCEPTED[sniffed] or (
        claimed_type and claimed_type.split(";")[0] not in {sniffed, *_ALSO_CLAIMED}
    ):
        raise UploadRejected(_mismatch(clean_name))
    if sniffed in IMAGE_TYPES:
        _check_image(buffer, clean_name)
    return CheckedUpload(clean_name, sniffed, size, digest.hexdigest(), buffer)
