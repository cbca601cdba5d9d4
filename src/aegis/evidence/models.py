"""Evidence items of a case and their chain of custody.

An item's bytes live in the encrypted blob store (files.storage) under their own file key,
wrapped under the case's data key, padded to one of a few sizes. Its name, description, the
SHA-256 of the original, its exact size and its content type are ciphertext: in clear, the hash
or the size would tell whoever copies the server which public photo, video or document it is,
and the type whether it is a photo, a video or a document. Only the padded size (what the blob
on disk shows anyway) stays in clear. Originals are the
evidentiary copy and never change; working copies are derived from an original and linked to
it. Custody events are append-only, and each item's events form a keyed chain (custody.py): one
changed, removed or reordered in the database is noticed by `aegis audit verify`."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from aegis.vault.fields import NAME_PADDED, TEXT_PADDED, EncryptedTextField


class EvidenceTampering(Exception):
    """An attempt to change or remove what the chain of custody relies on."""


class ItemKind(models.TextChoices):
    ORIGINAL = "original", _("Original (evidentiary copy)")
    WORKING = "working", _("Working copy")


class CustodyAction(models.TextChoices):
    UPLOAD = "upload", _("Upload")
    VIEW = "view", _("View")
    DOWNLOAD = "download", _("Download")
    COPY = "copy", _("Copy")
    EXPORT = "export", _("Export")
    INTEGRITY_FAILURE = "integrity-failure", _("Integrity failure")


# What identifies the bytes of an item: fixed once the item exists.
WRITE_ONCE_FIELDS = (
    "case_id",
    "data_key_id",
    "kind",
    "derived_from_id",
    "blob_id",
    "sha256",
    "stored_size",
    "exact_size",
    "clear_type",
    "sealed_type",
)


def _raw(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


class EvidenceItemQuerySet(models.QuerySet["EvidenceItem"]):
    def update(self, **kwargs: Any) -> int:
        fixed = {f.removesuffix("_id") for f in WRITE_ONCE_FIELDS} | set(WRITE_ONCE_FIELDS)
        if fixed & set(kwargs):
            raise EvidenceTampering("The file, hash, size and kind of evidence never change.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(kind=ItemKind.ORIGINAL).exists():
            raise EvidenceTampering("Original evidence is never deleted.")
        return super().delete()

    def expire(self) -> int:
        """The one way originals leave: retention, at the end of their period, through
        evidence.services.shred_evidence (which removes their custody log first). Working
        copies go before the originals they were made from."""
        removed = models.QuerySet.delete(self.filter(kind=ItemKind.WORKING))[0]
        return removed + models.QuerySet.delete(self)[0]


class EvidenceItem(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="evidence")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ItemKind.choices, default=ItemKind.ORIGINAL)
    derived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="working_copies"
    )
    # Read and written as str while the case key is unlocked (see vault.fields).
    name: str = EncryptedTextField(pad=NAME_PADDED)  # type: ignore[assignment]
    description: str = EncryptedTextField()  # type: ignore[assignment]
    # The content type of an item stored before types were sealed; empty for later ones.
    clear_type = models.CharField(max_length=127, blank=True, default="")
    # Padded: a Word document's type is 71 characters, a PNG's 9.
    sealed_type: str | None = EncryptedTextField(pad=NAME_PADDED)  # type: ignore[assignment]
    # The file's size padded as its blob is (files.storage.stored_size); the exact size of
    # an item stored before blobs were padded, whose blob shows it anyway (exact_size empty).
    stored_size = models.PositiveBigIntegerField()
    # Encrypted: in clear it would let whoever seizes the server confirm a known file is held.
    exact_size: str | None = EncryptedTextField(pad=TEXT_PADDED)  # type: ignore[assignment]
    sha256: str = EncryptedTextField(help_text="SHA-256 of the bytes, recorded at upload.")  # type: ignore[assignment]
    blob_id = models.CharField(max_length=32, unique=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    objects = EvidenceItemQuerySet.as_manager()

    class Meta:
        ordering = ["-added_at", "id"]
        indexes = [models.Index(fields=["case", "-added_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="original", derived_from__isnull=True)
                    | models.Q(kind="working", derived_from__isnull=False)
                ),
                name="evidence_working_copies_have_an_original",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list(*WRITE_ONCE_FIELDS).first()
            if stored is not None and tuple(map(_raw, stored)) != self._write_once_values():
                raise EvidenceTampering("The file, hash, size and kind of evidence never change.")
        super().save(*args, **kwargs)

    def _write_once_values(self) -> tuple[Any, ...]:
        # Encrypted fields compare as the ciphertext they hold: a new value would be plaintext.
        return tuple(_raw(self.__dict__.get(f)) for f in WRITE_ONCE_FIELDS)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.is_original:
            raise EvidenceTampering("Original evidence is never deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_original(self) -> bool:
        return self.kind == ItemKind.ORIGINAL

    @property
    def content_type(self) -> str:
        """The file's content type (read with the case key open)."""
        sealed = self.sealed_type
        return self.clear_type if sealed is None else sealed

    @property
    def size(self) -> int:
        """The file's exact size in bytes (read with the case key open)."""
        exact = self.exact_size
        return self.stored_size if exact is None else int(exact)


class CustodyEventQuerySet(models.QuerySet["CustodyEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise EvidenceTampering("The chain of custody is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise EvidenceTampering("The chain of custody is append-only.")

    def expire(self) -> int:
        """Removed only with the items they log, when those expire (shred_evidence)."""
        return super().delete()[0]


# A reason the system writes itself: kept in English in the chain (its MAC covers the words),
# shown in the reader's language.
INTEGRITY_CHECKED = gettext_noop("Integrity check: the SHA-256 matches the one recorded at upload.")
SYSTEM_REASONS = frozenset({INTEGRITY_CHECKED})


class CustodyEvent(models.Model):
    """Who did what with an item, when and why. Rows are only ever added, each chained to the
    item's event before it by a keyed MAC (custody.py)."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="custody")
    seq = models.PositiveIntegerField(help_text="The event's number in its item's custody log.")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=CustodyAction.choices)
    # PROTECT: a custody log that loses who acted is worthless in front of a court.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason: str = EncryptedTextField()  # type: ignore[assignment]
    # The audit entry that records the event (its number in the audit log), so that custody
    # events removed from the end of an item's log are noticed: their audit entries remain.
    # None for events from before the chain whose audit entry was already gone.
    audit_seq = models.PositiveBigIntegerField(null=True, blank=True)
    prev_mac = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    objects = CustodyEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["item", "at"])]
        constraints = [
            models.UniqueConstraint(fields=["item", "seq"], name="evidence_custody_one_per_seq")
        ]

    def __str__(self) -> str:
        return f"{self.action} of {self.item_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise EvidenceTampering("The chain of custody is append-only.")
        super().save(*args, **kwargs)

    @property
    def reason_shown(self) -> str:
        """The reason as a page shows it: the system's own in the reader's language."""
        reason = str(self.reason)
        return gettext(reason) if reason in SYSTEM_REASONS else reason

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise EvidenceTampering("The chain of custody is append-only.")
