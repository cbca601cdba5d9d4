from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models

from aegis.roles import PERMISSIONS, ROLE_LABELS, Role
from aegis.vault.fields import NAME_PADDED, EncryptedTextField


class User(AbstractUser):
    """A staff member or defender. One role per person keeps duties separate.

    `must_enrol`: the person sets up their own authenticator at their next sign-in (a new
    account, or after the administrator reset their second factor), so nobody else ever sees
    the secret. `must_change_password`: the next sign-in leads to the password page first."""

    must_enrol = models.BooleanField(default=False)
    must_change_password = models.BooleanField(default=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = PERMISSIONS

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS[self.role]) if self.role else ""

    @property
    def role(self) -> Role | None:
        names = [g.name for g in self.groups.all()]
        return next((Role(n) for n in names if n in Role.__members__.values()), None)


class ApiToken(models.Model):
    """A personal API token. It carries its own copy of the user's private key, sealed under a
    key derived from the token's secret; revoking the token deletes that copy."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    label = models.CharField(max_length=80)
    secret_hash = models.CharField(max_length=64)
    sealed_private_key = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label


class SignInFailures(models.Model):
    """Failed sign-ins of one throttle bucket (see throttle.py). The bucket is a keyed hash:
    no username, client address or user agent is stored."""

    bucket = models.CharField(max_length=32, unique=True)
    # The keyed hash of the account alone, so the administrator can clear every bucket of
    # one account ("unlock") without knowing the browsers' device ids.
    account = models.CharField(max_length=32, db_index=True, default="")
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.failures} failures, last at {self.last_failure_at:%Y-%m-%d %H:%M}"


class StaffChannels(models.Model):
    """Where alerts reach a staff member, sealed like other contact data: under a data key
    wrapped to the person's own keypair and to the alert service keypair (so the worker reads
    them with nobody signed in), never to the administrator. `kinds` names the channels that
    are set, in clear, so the administrator sees "set" or "not set" and a policy can tell
    whether a step reaches anyone, without any key."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_channels")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    email = EncryptedTextField(pad=NAME_PADDED)
    phone = EncryptedTextField(pad=NAME_PADDED, help_text="For SMS.")
    signal = EncryptedTextField(pad=NAME_PADDED)
    matrix = EncryptedTextField(pad=NAME_PADDED)
    kinds = models.CharField(max_length=40, blank=True, default="")

    def __str__(self) -> str:
        return f"channels of {self.user_id}"


class SentForm(models.Model):
    """A form that makes a record, sent once (`accounts.once`): the digest of the one-time
    token the page carried, and where its answer led. A second press, a reload or Back and
    send again finds the row and is led there, instead of making the record twice. Rows are
    kept a day; they say nothing of who sent what."""

    digest = models.CharField(max_length=64, primary_key=True)
    sent_at = models.DateTimeField(db_index=True)
    location = models.CharField(max_length=2000, blank=True)

    def __str__(self) -> str:
        return self.digest[:12]
