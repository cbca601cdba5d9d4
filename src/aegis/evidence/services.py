"""Writes and rules for evidence: adding files, reading them with an integrity check,
working copies, and exhibit packages. Every access leaves a custody event and an audit entry.

Reads are checked before anything is served: the file is decrypted while it is hashed, and
bytes whose SHA-256 differs from the one recorded at upload are refused. A refusal is itself
recorded (action "integrity-failure"); call these functions outside an outer transaction that
would roll the record back with the exception."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, BinaryIO, NoReturn, cast

import nacl.exceptions
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aegis.audit import services as audit
from aegis.audit.chain import GENESIS
from aegis.files import storage
from aegis.files.uploads import CheckedUpload, UploadRejected, check_upload
from aegis.rules import Conflict, RuleError, text
from aegis.vault import crypto
from aegis.vault.fields import EncryptedTextField

from . import custody, exhibit, images, pdfs, selectors
from .models import INTEGRITY_CHECKED, CustodyAction, CustodyEvent, EvidenceItem, ItemKind

MAX_DESCRIPTION = 5000
MAX_REASON = 1000
# Reasons Aegis writes itself, for accesses nobody is asked to justify.


class IntegrityFailure(Exception):
    """The stored file no longer matches its recorded SHA-256; it is not served."""

    def __init__(self, item: EvidenceItem, detail: str) -> None:
        super().__init__(
            _(
                "This file failed its integrity check: what is stored no longer matches the "
                "SHA-256 recorded at upload, so it will not be served. The failure has been "
                "recorded in the chain of custody; tell your coordinator."
            )
        )
        self.item = item
        self.detail = detail


@dataclass(frozen=True)
class Retrieved:
    """An item's bytes after a passed integrity check."""

    item: EvidenceItem
    name: str
    content_type: str
    data: bytes


# --- Custody ------------------------------------------------------------------------------


def _audit_action(action: str, attempted: str) -> str:
    """The audit action of a custody event. The audit log has no action for a failed integrity
    check yet, so it is logged as the access that was attempted (object type says it failed)."""
    name = f"custody.{action}"
    return name if name in audit.ACTIONS else f"custody.{attempted}"


@transaction.atomic
def record_custody(
    item: EvidenceItem,
    action: str,
    *,
    actor_id: int | None,
    reason: str = "",
    attempted: str = CustodyAction.VIEW,
) -> CustodyEvent:
    """Append one event to the item's chain of custody (custody.py) and one entry to the
    audit log, which the event names so that a removed tail of the log is noticed."""
    if action not in CustodyAction.values:
        raise ValueError(f"Unknown custody action {action!r}")
    # The audit log's lock first, as every service that records takes it (audit.hold_chain),
    # then the item's: two events of an item never take the same number.
    audit.hold_chain()
    list(EvidenceItem.objects.select_for_update().filter(pk=item.pk).values_list("pk"))
    last = item.custody.order_by("-seq").values_list("seq", "mac").first()
    failed = action == CustodyAction.INTEGRITY_FAILURE
    entry = audit.record(
        _audit_action(action, attempted),
        actor_id=actor_id,
        object_type="evidence.integrity-failure" if failed else "evidence",
        object_id=item.pk,
    )
    event = CustodyEvent(
        item=item,
        seq=last[0] + 1 if last else 1,
        data_key_id=item.data_key_id,
        action=action,
        actor_id=actor_id,
        at=timezone.now(),
        audit_seq=entry.seq,
        prev_mac=last[1] if last else GENESIS,
    )
    # Encrypted now rather than on save, so that the MAC covers the ciphertext stored.
    field = cast(EncryptedTextField, CustodyEvent._meta.get_field("reason"))
    event.__dict__["reason"] = field.encrypt(event, reason)
    custody.seal(event)
    event.save(force_insert=True)
    return event


def _reason(reason: str) -> str:
    return text(reason, "reason", _("Reason"), limit=MAX_REASON)


def _description(description: str) -> str:
    return text(description, "description", _("The description"), limit=MAX_DESCRIPTION)


def _required_reason(reason: str) -> str:
    reason = _reason(reason)
    if not reason:
        raise RuleError(_("Say why: the reason is kept in the chain of custody."), "reason")
    return reason


# --- Storing ------------------------------------------------------------------------------


class _HashingReader:
    """Hashes what the blob store reads, to prove that what was stored is what was checked."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _store(data_key_id: Any, source: BinaryIO, sha256: str, size: int) -> str:
    if source.seekable():
        source.seek(0)
    reader = _HashingReader(source)
    blob_id = storage.store(data_key_id, cast(BinaryIO, reader))
    if reader.digest.hexdigest() != sha256 or reader.size != size:
        storage.delete(blob_id)
        raise UploadRejected(_("The file changed while it was being stored. Send it again."))
    return blob_id


def _create_item(
    *,
    case: Any,
    blob_id: str,
    name: str,
    content_type: str,
    size: int,
    sha256: str,
    actor_id: int | None,
    description: str,
    kind: str = ItemKind.ORIGINAL,
    derived_from: EvidenceItem | None = None,
) -> EvidenceItem:
    return EvidenceItem.objects.create(
        case=case,
        data_key_id=case.data_key_id,
        kind=kind,
        derived_from=derived_from,
        name=name,
        description=description,
        sealed_type=content_type,
        stored_size=storage.stored_size(size),
        exact_size=str(size),
        sha256=sha256,
        blob_id=blob_id,
        added_by_id=actor_id,
    )


@contextmanager
def _rows_for(blob_id: str) -> Iterator[None]:
    """One transaction for the rows that refer to a blob just stored: if it fails, the blob
    is deleted again, as nothing refers to it."""
    try:
        with transaction.atomic():
            yield
    except BaseException:
        storage.delete(blob_id)
        raise


def add_evidence(
    case: Any,
    upload: CheckedUpload,
    *,
    actor_id: int | None,
    reason: str = "",
    description: str = "",
) -> EvidenceItem:
    """Store a checked file as an original (evidentiary copy) of `case`, under the case key.

    The caller's key context must hold the case's key. If this runs inside a transaction that
    later rolls back, the encrypted blob stays on disk unreferenced (it cannot be read
    without the case key)."""
    reason = _reason(reason)
    description = _description(description)
    blob_id = _store(case.data_key_id, upload.data, upload.sha256, upload.size)
    with _rows_for(blob_id):
        item = _create_item(
            case=case,
            blob_id=blob_id,
            name=upload.name,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
            actor_id=actor_id,
            description=description,
        )
        record_custody(item, CustodyAction.UPLOAD, actor_id=actor_id, reason=reason)
    return item


def upload_evidence(
    case: Any,
    source: BinaryIO,
    name: str,
    claimed_type: str = "",
    *,
    actor_id: int | None,
    reason: str = "",
    description: str = "",
) -> EvidenceItem:
    """Check a file as received and add it; raises UploadRejected with a message to show."""
    reason = _reason(reason)
    description = _description(description)
    checked = check_upload(source, name, claimed_type)
    return add_evidence(case, checked, actor_id=actor_id, reason=reason, description=description)


# --- Reading ------------------------------------------------------------------------------


class _HashingWriter:
    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.target.write(data)


# What a damaged, altered, truncated or missing blob raises when it is decrypted.
_UNREADABLE = (crypto.DecryptionError, nacl.exceptions.CryptoError, ValueError, OSError)


def _read_verified(item: EvidenceItem, *, actor_id: int | None, attempted: str) -> bytes:
    """The item's bytes, decrypted in memory (never to disk) and checked against its hash."""
    buffer = io.BytesIO()
    writer = _HashingWriter(buffer)
    try:
        storage.read(item.data_key_id, item.blob_id, cast(BinaryIO, writer))
    except _UNREADABLE as exc:
        detail = f"The stored file could not be decrypted ({type(exc).__name__}: {exc})."
        _refuse(item, detail, actor_id=actor_id, attempted=attempted)
    found = writer.digest.hexdigest()
    if found != item.sha256 or buffer.tell() != item.size:
        detail = f"SHA-256 recorded {item.sha256}, found {found} ({buffer.tell()} bytes)."
        _refuse(item, detail, actor_id=actor_id, attempted=attempted)
    return buffer.getvalue()


def _refuse(item: EvidenceItem, detail: str, *, actor_id: int | None, attempted: str) -> NoReturn:
    record_custody(
        item,
        CustodyAction.INTEGRITY_FAILURE,
        actor_id=actor_id,
        reason=f"Refused to {attempted}: {detail}",
        attempted=attempted,
    )
    raise IntegrityFailure(item, detail)


def record_view(item: EvidenceItem, *, actor_id: int | None, reason: str = "") -> CustodyEvent:
    """Someone opened the item's record (its metadata and custody log)."""
    return record_custody(
        item,
        CustodyAction.VIEW,
        actor_id=actor_id,
        reason=_reason(reason),
    )


def download(item: EvidenceItem, *, actor_id: int | None, reason: str) -> Retrieved:
    """The item's bytes for someone who said why they need them."""
    reason = _required_reason(reason)
    data = _read_verified(item, actor_id=actor_id, attempted=CustodyAction.DOWNLOAD)
    record_custody(item, CustodyAction.DOWNLOAD, actor_id=actor_id, reason=reason)
    return Retrieved(item, item.name, item.content_type, data)


def verify_integrity(item: EvidenceItem, *, actor_id: int | None) -> None:
    """Read the whole file and check its hash; raises IntegrityFailure (and records it)."""
    _read_verified(item, actor_id=actor_id, attempted=CustodyAction.VIEW)
    record_custody(item, CustodyAction.VIEW, actor_id=actor_id, reason=INTEGRITY_CHECKED)


def _working_copy_name(name: str) -> str:
    """The copy's file name, in the language of whoever made it (a file name is kept as it
    was written, as the original's is)."""
    path = PurePath(name)
    return _("%(name)s (working copy)%(extension)s") % {"name": path.stem, "extension": path.suffix}


def make_working_copy(
    item: EvidenceItem, *, actor_id: int | None, reason: str = ""
) -> EvidenceItem:
    """A derived copy to work on. Photos lose their metadata (EXIF, GPS, XMP, ICC, text
    chunks) and PDFs are redrawn without theirs, their scripts, actions and attachments; the
    original keeps everything. Other files are copied byte for byte."""
    if not item.is_original:
        raise Conflict(_("Make working copies from the original, not from a copy."))
    reason = _reason(reason)
    data = _read_verified(item, actor_id=actor_id, attempted=CustodyAction.COPY)
    if images.is_image(item.content_type):
        data = images.without_metadata(data, item.content_type)
    elif pdfs.is_pdf(item.content_type):
        try:
            data = pdfs.redrawn(data)
        except pdfs.Unreadable as error:
            raise RuleError(error.MESSAGE) from error
    sha256 = hashlib.sha256(data).hexdigest()
    blob_id = _store(item.data_key_id, io.BytesIO(data), sha256, len(data))
    with _rows_for(blob_id):
        copy = _create_item(
            case=item.case,
            blob_id=blob_id,
            name=_working_copy_name(item.name),
            content_type=item.content_type,
            size=len(data),
            sha256=sha256,
            actor_id=actor_id,
            description=item.description or "",
            kind=ItemKind.WORKING,
            derived_from=item,
        )
        record_custody(item, CustodyAction.COPY, actor_id=actor_id, reason=reason)
        record_custody(copy, CustodyAction.COPY, actor_id=actor_id, reason=reason)
    return copy


# --- Exhibit packages ---------------------------------------------------------------------


def export_exhibit(
    case: Any,
    *,
    actor: Any,
    reason: str,
    item_ids: Iterable[Any] | None = None,
) -> exhibit.ExhibitPackage:
    """A ZIP of the case's original files (all, or those in `item_ids`), a manifest that
    `sha256sum -c` verifies, and their custody log as CSV and as a printable page.

    The export is recorded on every item first, so the package's own log shows it. An item
    whose custody log (or a working copy's) does not verify is refused before anything is
    recorded or written."""
    reason = _required_reason(reason)
    items = EvidenceItem.objects.filter(case=case, kind=ItemKind.ORIGINAL)
    if item_ids is not None:
        wanted = list(item_ids)
        items = items.filter(pk__in=wanted)
        if items.count() != len(set(wanted)):
            raise RuleError(_("Choose original files of this case only."))
    chosen = list(items.order_by("added_at", "pk"))
    if not chosen and item_ids is not None:
        raise RuleError(_("Choose at least one original file to export."))
    if not chosen:
        raise Conflict(_("This case has no original files to export."))
    for item in chosen:
        # The package's signed manifest would vouch for a custody log altered outside Aegis.
        _custody_verifies(item, _("No exhibit was made"))
    with transaction.atomic():
        for item in chosen:
            record_custody(item, CustodyAction.EXPORT, actor_id=actor.pk, reason=reason)
    writer = exhibit.PackageWriter(case.reference, timezone.now())
    for item in chosen:
        writer.add_file(
            item, _read_verified(item, actor_id=actor.pk, attempted=CustodyAction.EXPORT)
        )
    key_id, public_key = audit.instance_key()
    comment = f"aegis exhibit of case {case.reference}, {exhibit.iso(writer.at)}"
    return writer.finish(
        events=list(selectors.custody_of_items(chosen)),
        exported_by=actor.get_username(),
        reason=reason,
        signer=exhibit.ManifestSigner(
            key_id, public_key, lambda data: audit.sign_as_instance(data, comment)
        ),
    )


def read_for_partner(item: EvidenceItem, *, actor_id: int | None, reason: str) -> bytes:
    """The item's bytes, checked against its hash, for a bundle to a partner organisation;
    the export is recorded in its chain of custody first (exchange)."""
    reason = _required_reason(reason)
    # The bundle carries the log to the partner, whose signature then stands behind it.
    _custody_verifies(item, _("Nothing was sent"))
    record_custody(item, CustodyAction.EXPORT, actor_id=actor_id, reason=reason)
    return _read_verified(item, actor_id=actor_id, attempted=CustodyAction.EXPORT)


def _custody_verifies(item: EvidenceItem, outcome: str) -> None:
    """RuleError naming the item when its custody log (or a working copy's) does not verify:
    it may not leave Aegis vouched for."""
    if selectors.custody_problem([item]) is not None:
        raise RuleError(
            _(
                "The chain of custody of “%(name)s” does not verify: an event in it was "
                "changed, moved or removed outside Aegis. %(outcome)s; tell your coordinator "
                "(“aegis audit verify” names the event)."
            )
            % {"name": item.name, "outcome": outcome}
        )


def receive_from_partner(
    case: Any, data: bytes, *, name: str, content_type: str, actor_id: int | None, reason: str
) -> EvidenceItem:
    """An original received from a partner organisation (exchange), stored as sent: the
    partner's hash must match the bytes; its own custody log goes into the reason."""
    digest = hashlib.sha256(data).hexdigest()
    checked = CheckedUpload(name, content_type, len(data), digest, io.BytesIO(data))
    return add_evidence(case, checked, actor_id=actor_id, reason=reason)


# --- Expiry (retention) -------------------------------------------------------------------


def shred_evidence(case: Any, *, actor_id: int | None) -> int:
    """Remove a closed case's evidence at the end of its retention period: its custody log,
    its working copies and originals, one audit entry per item (its id only), and, once that
    is committed, the encrypted files. Runs in the caller's transaction: retention shreds the
    case in the same one, which destroys the key the files' own keys are wrapped under, so
    the rows go only when the key goes too. Returns how many items went."""
    items = EvidenceItem.objects.filter(case=case)
    found = list(items.values_list("pk", "blob_id"))
    if not found:
        return 0
    with transaction.atomic():
        CustodyEvent.objects.filter(item__case=case).expire()
        items.expire()
        for item_id, _blob in found:
            audit.record(
                "evidence.expire", actor_id=actor_id, object_type="evidence", object_id=item_id
            )
        blobs = [blob for _item, blob in found]

        def delete_files() -> None:
            for blob in blobs:
                storage.delete(blob)

        transaction.on_commit(delete_files)
    return len(found)
