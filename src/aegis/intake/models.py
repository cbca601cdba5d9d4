"""Reports from the public form, their follow-up threads and files, and the counters that
protect the form from floods and the receipts from guessing (none of them store addresses).

Each submission has its own data key, sealed to the intake team and the organisation
recovery key; everything identifying is ciphertext under it. The coded fields beside them
(country, region, year and month, who was targeted, who did it) stay in clear on purpose."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from aegis.vault.fields import NAME_PADDED, TEXT_PADDED, EncryptedTextField, SealedOrLegacy

from .vocabulary import DatePrecision, PerpetratorType, SenderKind, SubmissionStatus, TargetKind


def plain(value: object) -> str:
    """An encrypted field's value as text (the descriptor has already decrypted it; typing
    sees the BinaryField underneath)."""
    return value if isinstance(value, str) else ""


class Submission(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    compartment = models.ForeignKey("cases.Compartment", on_delete=models.PROTECT, related_name="+")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    language = models.CharField(max_length=8, blank=True)
    status = models.CharField(
        max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.NEW
    )
    # Past the flood threshold: accepted like any other, flagged for the team.
    held = models.BooleanField(default=False)

    anonymous = models.BooleanField(default=True)
    contact_name = EncryptedTextField(pad=NAME_PADDED)
    contact_phone = EncryptedTextField(pad=NAME_PADDED)
    contact_email = EncryptedTextField(pad=NAME_PADDED)
    contact_channel = EncryptedTextField(
        pad=NAME_PADDED, help_text="How the reporter prefers to be reached."
    )

    narrative = EncryptedTextField()
    occurred_on = EncryptedTextField(help_text="ISO date as precise as the reporter gave it.")
    date_precision = models.CharField(max_length=16, choices=DatePrecision.choices, blank=True)
    occurred_year = models.PositiveSmallIntegerField(null=True, blank=True)
    occurred_month = models.PositiveSmallIntegerField(null=True, blank=True)
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=8, blank=True)
    place_details = EncryptedTextField()
    target_kind = models.CharField(max_length=16, choices=TargetKind.choices)
    perpetrator_type = models.CharField(
        max_length=24, choices=PerpetratorType.choices, default=PerpetratorType.UNKNOWN
    )

    # The receipt: a hash to find the row, and the data key wrapped under an Argon2id key
    # derived from the code. Both are cleared when the receipt expires.
    receipt_lookup = models.CharField(max_length=64, null=True, blank=True, unique=True)
    receipt_salt = models.BinaryField(null=True)
    receipt_wrapped_key = models.BinaryField(null=True)
    receipt_opslimit = models.PositiveIntegerField(null=True)
    receipt_memlimit = models.PositiveBigIntegerField(null=True)
    # 1: the key from the code is bound to the wipe key (vault/wipe_key.py); 0: wrapped
    # before the wipe key existed, wrapped again when the code is next typed.
    receipt_seal_version = models.PositiveSmallIntegerField(default=0)
    receipt_expires_at = models.DateTimeField(db_index=True)

    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    triage_reason = EncryptedTextField()
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    # What the report became, sealed: in clear, beside `received_at`, it tied a case or an
    # incident to the moment its reporter sent the form (which a web server's or a network's
    # log ties to an address). The references are set through `case_reference` and
    # `incident_reference`; `legacy_case` and `legacy_incident_reference` hold the links
    # kept in clear before, until a member opens the report (triage.seal_links).
    case_sealed = EncryptedTextField()
    incident_sealed = EncryptedTextField()
    legacy_case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    legacy_incident_reference = models.CharField(max_length=32, blank=True, editable=False)
    # The reference of the incident the report recorded (its key opened), if any.
    incident_reference = SealedOrLegacy("incident_sealed", "legacy_incident_reference")

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["compartment", "-received_at"])]

    def __str__(self) -> str:
        return f"submission {self.reference}"

    @property
    def reference(self) -> str:
        """A short label for staff; not secret, not a receipt."""
        return self.id.hex[:8].upper()

    @property
    def case_reference(self) -> str:
        """The reference of the case the report opened (its key opened), if any."""
        if self.legacy_case_id is not None and self.legacy_case is not None:
            return self.legacy_case.reference
        return plain(self.case_sealed)

    @case_reference.setter
    def case_reference(self, reference: str) -> None:
        self.case_sealed = reference
        self.legacy_case = None

    @property
    def links_sealed(self) -> bool:
        """Whether no link to a case or an incident is kept in clear."""
        return self.legacy_case_id is None and not self.legacy_incident_reference


class SubmissionMessage(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="messages")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    sender = models.CharField(max_length=16, choices=SenderKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # Each report's latest message (selectors.awaiting_answer, on every dashboard of
            # the intake team): read from the index, not by sorting the report's messages.
            models.Index(fields=["submission", "-created_at", "-id"], name="intake_message_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.sender} message {self.pk}"


class SubmissionFile(models.Model):
    """A file sent with a report or a follow-up message, encrypted under the submission key."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    message = models.ForeignKey(
        SubmissionMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    sender = models.CharField(max_length=16, choices=SenderKind.choices)
    name = EncryptedTextField(pad=NAME_PADDED)
    # The hash would let whoever seizes the server confirm that a known photo was sent.
    sha256 = EncryptedTextField()
    # The content type of a file stored before types were sealed; empty for later ones.
    clear_type = models.CharField(max_length=127, blank=True, default="")
    # Padded: a Word document's type is 71 characters, a PNG's 9.
    sealed_type = EncryptedTextField(pad=NAME_PADDED)
    # The size padded as the blob is (files.storage.stored_size), which the hour's budget of
    # the public form counts; the exact size of a file stored before blobs were padded.
    stored_size = models.PositiveBigIntegerField()
    # The exact size would tell which public photo or video was sent, as the hash would.
    exact_size = EncryptedTextField(pad=TEXT_PADDED)
    blob_id = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    # The id of the case's evidence item this file became (at the take-up, or added later
    # from the report's page), "" while it is in no case's evidence; sealed, and padded so
    # that "" and an id look alike: in clear, beside `created_at`, it would tie a case to the
    # moment its reporter wrote. None: stored before this was recorded (see
    # selectors.evidence_state).
    evidence_sealed = EncryptedTextField(pad=NAME_PADDED)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"file {self.pk} of {self.submission_id}"

    @property
    def evidence_link(self) -> str | None:
        """The evidence item's id, "" for none, None when not recorded (read with the
        submission key open)."""
        sealed = self.evidence_sealed
        return sealed if isinstance(sealed, str) else None

    @property
    def content_type(self) -> str:
        """The file's content type (read with the submission key open)."""
        sealed = self.sealed_type
        return self.clear_type if sealed is None else str(sealed)

    @property
    def size(self) -> int:
        """The file's exact size in bytes (read with the submission key open)."""
        exact = self.exact_size
        return self.stored_size if exact is None else int(str(exact))


class FloodNotice(models.Model):
    """Staff notice: more reports than the threshold arrived in one time window."""

    window_start = models.DateTimeField(unique=True)
    window_minutes = models.PositiveIntegerField()
    threshold = models.PositiveIntegerField()
    held = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        ordering = ["-window_start"]

    def __str__(self) -> str:
        return f"flood from {self.window_start:%Y-%m-%d %H:%M}"


class UsedFormToken(models.Model):
    """The nonces of form tokens already used, so a form is sent only once."""

    nonce = models.CharField(max_length=32, primary_key=True)
    used_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.nonce


class ReceiptOpenings(models.Model):
    """How often one receipt was opened (one Argon2id derivation each) in one minute. Only a
    code that exists gets this far, so guessers elsewhere cannot spend a reporter's allowance;
    no addresses are kept."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField(db_index=True)
    openings = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "window_start"], name="intake_receipt_openings_per_minute"
            )
        ]

    def __str__(self) -> str:
        return f"{self.openings} openings from {self.window_start:%H:%M}"
