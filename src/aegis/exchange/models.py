"""Partner organisations and their keys, the organisation's own exchange identity, the
bundles sent and received, and the quarantine where received records wait for review.

Partner names and keys are public by nature and kept in clear; what arrives in a bundle is
ciphertext at rest (a record key of the receiving compartment) until a caseworker decides."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from aegis.vault.fields import TEXT_PADDED, EncryptedTextField

from .vocabulary import Decision, ItemKind, Profile, Purpose, RejectReason


class Partner(models.Model):
    name = models.CharField(max_length=120, unique=True)
    vetted_at = models.DateTimeField(null=True, blank=True)
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerKey(models.Model):
    """One generation of a partner's keys. Rotation closes the old one (valid_until) and
    keeps it, so bundles it signed before then still verify."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="keys")
    age_recipient = models.CharField(max_length=100)
    minisign_key = models.CharField(max_length=60, blank=True)
    key_id = models.CharField(max_length=16, blank=True, db_index=True)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_from", "-pk"]

    def __str__(self) -> str:
        return f"key {self.key_id or self.pk} of {self.partner_id}"


class Identity(models.Model):
    """The organisation's Ed25519 signing key. Its seed is sealed to the exchange service
    keypair (vault.service_keys, "exchange"), whose X25519 private key is also the age
    identity bundles are encrypted to; that one is sealed under an unlock secret kept off the
    disk. So nothing here opens without that secret."""

    age_public = models.BinaryField(max_length=32)
    signing_public = models.BinaryField(max_length=32)
    sealed_signing_seed = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"exchange identity {self.pk}"


class Export(models.Model):
    """A bundle sent: to whom, with which profile and consents (ids only, no content)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="exports")
    partner_key = models.ForeignKey(PartnerKey, on_delete=models.PROTECT, related_name="+")
    profile = models.CharField(max_length=16, choices=Profile.choices)
    purpose = models.CharField(max_length=24, choices=Purpose.choices)
    case_references = models.JSONField(default=list)
    consent_ids = models.JSONField(default=list)
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"bundle {self.pk} to {self.partner_id}"


class ExportedRecord(models.Model):
    """One record that left in a bundle, so each record says where it went."""

    export = models.ForeignKey(Export, on_delete=models.CASCADE, related_name="records")
    record_type = models.CharField(max_length=16)
    record_id = models.CharField(max_length=40)

    class Meta:
        indexes = [models.Index(fields=["record_type", "record_id"])]

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id} in {self.export_id}"


class Received(models.Model):
    """A bundle received. Its id is unique: the same bundle twice is a replay."""

    bundle_id = models.UUIDField(unique=True)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="received")
    partner_key = models.ForeignKey(PartnerKey, on_delete=models.PROTECT, related_name="+")
    compartment = models.ForeignKey("cases.Compartment", on_delete=models.PROTECT, related_name="+")
    profile = models.CharField(max_length=16, choices=Profile.choices)
    purpose = models.CharField(max_length=24, blank=True)
    schema = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64)
    sent_at = models.DateTimeField()
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"bundle {self.bundle_id} from {self.partner_id}"


class QuarantineItem(models.Model):
    """One received person, incident or evidence item, waiting for a caseworker. Its content
    (the bundle's JSON for it, evidence bytes included) is ciphertext under a record key of
    the receiving compartment."""

    received = models.ForeignKey(Received, on_delete=models.CASCADE, related_name="items")
    compartment = models.ForeignKey("cases.Compartment", on_delete=models.PROTECT, related_name="+")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ItemKind.choices)
    local_id = models.CharField(max_length=40)
    # Padded: an evidence file inside would otherwise give its exact size by its length.
    content = EncryptedTextField(pad=TEXT_PADDED)
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING)
    target = models.CharField(max_length=40, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # A rejection's reason: its code in clear, the caseworker's words (which may name
    # someone) encrypted under the item's data key, like its content.
    reject_reason = models.CharField(max_length=16, choices=RejectReason.choices, blank=True)
    reject_note = EncryptedTextField()

    class Meta:
        ordering = ["received", "kind", "pk"]
        indexes = [models.Index(fields=["decision", "received"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.local_id} of {self.received_id}"
