"""A defender's safety plan, kept as versions.

Every save writes a new `PlanVersion` with its own contacts and scenarios; earlier versions
are never changed (their rows refuse a second save). All of them use the plan's one data key,
which is sealed to the compartment, to the alert service key and to the defender's own
account (see services.py). Texts are ciphertext at rest; what stays in clear is coded and
operational: the plan's language, the contacts' languages and order, the scenario kinds, and
the check-in interval and grace period, which the alert worker reads to know when a check-in
is missed without opening anything."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from aegis.vault.fields import NAME_PADDED, EncryptedTextField

from .vocabulary import PlanLanguage, ScenarioKind


class WrittenOnce(models.Model):
    """A row that is written once and then only read: a version is history."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Safety plan versions are kept as written; save a new version.")
        super().save(*args, **kwargs)


class SafetyPlan(models.Model):
    person = models.OneToOneField(
        "cases.Person", on_delete=models.PROTECT, related_name="safety_plan"
    )
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"safety plan of person {self.person_id}"


class PlanVersion(WrittenOnce):
    plan = models.ForeignKey(SafetyPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=2, choices=PlanLanguage.choices)
    # In clear: operational numbers the alert worker needs with no key (see module docstring).
    checkin_interval_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    checkin_grace_minutes = models.PositiveSmallIntegerField(default=30)
    quiet_hours = EncryptedTextField(help_text="'22:00-06:00', or empty.")
    duress_word = EncryptedTextField()
    # HMAC under a key derived from the plan's data key (see duress.py), for comparisons.
    duress_digest = models.CharField(max_length=64, blank=True)
    safe_places = EncryptedTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="safety_one_version_number")
        ]

    def __str__(self) -> str:
        return f"version {self.number} of plan {self.plan_id}"


class EmergencyContact(WrittenOnce):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="contacts")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    priority = models.PositiveSmallIntegerField(help_text="1 is called first.")
    name = EncryptedTextField(pad=NAME_PADDED)
    relation = EncryptedTextField(pad=NAME_PADDED)
    phone = EncryptedTextField(pad=NAME_PADDED, help_text="For calls and SMS.")
    email = EncryptedTextField(pad=NAME_PADDED)
    signal = EncryptedTextField(pad=NAME_PADDED)
    other_channel = EncryptedTextField(pad=NAME_PADDED)
    language = models.CharField(max_length=2, choices=PlanLanguage.choices)

    class Meta:
        ordering = ["priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "priority"], name="safety_one_contact_per_priority"
            )
        ]

    def __str__(self) -> str:
        return f"contact {self.priority} of {self.version_id}"


class Scenario(WrittenOnce):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="scenarios")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=ScenarioKind.choices)
    steps = EncryptedTextField()
    whom_to_call = EncryptedTextField()
    what_to_carry = EncryptedTextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "kind"], name="safety_one_scenario_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} in {self.version_id}"
