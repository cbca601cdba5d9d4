"""Key hierarchy: keypairs (users, the organisation's recovery key, services), data keys,
and the wraps that seal each data key to the keypairs allowed to open it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Keypair(models.Model):
    class Kind(models.TextChoices):
        USER = "user", "user"
        RECOVERY = "recovery", "organisation recovery key"
        SERVICE = "service", "service key"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=64, blank=True, help_text="For service keys, e.g. 'alerts'.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="keypair",
    )
    public_key = models.BinaryField(max_length=32)
    # The private key, sealed under an Argon2id key from the user's password (users only).
    sealed_private_key = models.BinaryField(null=True)
    kdf_salt = models.BinaryField(null=True)
    kdf_opslimit = models.PositiveIntegerField(null=True)
    kdf_memlimit = models.PositiveBigIntegerField(null=True)
    # 1: the key from the password is bound to the wipe key (vault/wipe_key.py); 0: sealed
    # before the wipe key existed, sealed again at the next sign-in.
    seal_version = models.PositiveSmallIntegerField(default=0)
    # Which wipe key it is bound to (wipe_key.key_id); "" where sealed before it was kept.
    wipe_key_id = models.CharField(max_length=16, blank=True, default="")
    # The same private key sealed to the organisation's recovery key, for offline recovery.
    recovery_sealed_private_key = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name"],
                condition=~models.Q(kind="user"),
                name="vault_one_keypair_per_service",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} keypair {self.pk}"


class DataKey(models.Model):
    """A random key for one protected record (a case, a submission, ...)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The search key and the service keys are found by purpose among millions of
            # record keys: without it, reading the search key walked the primary key (50 ms
            # at a million incidents, on every search).
            models.Index(fields=["purpose", "id"], name="vault_key_by_purpose"),
            # Keys passed on to a newcomer go newest first, a few hundred at a time (pass_on):
            # without it, each time sorted every key of the purpose.
            models.Index(fields=["purpose", "created_at"], name="vault_key_by_purpose_age"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} key {self.id}"


class KeyWrap(models.Model):
    """A data key sealed to one keypair. Deleting every wrap of a key shreds its records."""

    data_key = models.ForeignKey(DataKey, on_delete=models.CASCADE, related_name="wraps")
    keypair = models.ForeignKey(Keypair, on_delete=models.CASCADE, related_name="wraps")
    sealed_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["data_key", "keypair"], name="vault_one_wrap_per_holder"
            )
        ]

    def __str__(self) -> str:
        return f"wrap of {self.data_key_id} for keypair {self.keypair_id}"


class Wipe(models.Model):
    """A duress wipe happened. Until `aegis init` creates a new recovery key the instance takes
    no new protected data: the public form says it is not accepting reports."""

    wiped_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"wipe of {self.wiped_at:%Y-%m-%d %H:%M}"
