"""Compartments, the people we protect, their cases, notes, tasks and consent.

Identifying fields are EncryptedTextField (ciphertext at rest); the coded fields beside them
are the analytic projection, kept in clear on purpose."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop

from aegis.labels import QuickChoiceLabels
from aegis.roles import Role
from aegis.vault.fields import NAME_PADDED, BlindIndexField, EncryptedTextField

if TYPE_CHECKING:
    from aegis.vault.models import DataKey

from .vocabulary import (
    AgeGroup,
    CaseStatus,
    CompartmentKind,
    ConsentScope,
    Gender,
    Sector,
    SubjectKind,
)

# Responders join compartments to be reached by its alerts: they hold the keys of those
# alerts and nothing that opens a case file (nor the search key).
RESPONDER_KEY_PURPOSES = frozenset({"alert"})


class Compartment(models.Model):
    """Who may open what: every record key in a compartment is sealed to each member. The
    key scope of vault.services.new_record_key."""

    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(
        max_length=20, choices=CompartmentKind.choices, default=CompartmentKind.WORK
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def holds_a_safe_house(self) -> bool:
        return self.kind == CompartmentKind.SAFE_HOUSE

    def key_holder_ids(self, purpose: str) -> models.QuerySet[CompartmentMember, Any]:
        """The members who receive a new key of this purpose (responders: alerts only)."""
        members = self.members.all()
        if purpose not in RESPONDER_KEY_PURPOSES:
            members = members.exclude(user__groups__name=Role.RESPONDER.value)
        return members.values("user_id")

    def keep_key(self, data_key: DataKey) -> None:
        CompartmentKey.objects.create(compartment=self, data_key=data_key)


class CompartmentMember(models.Model):
    compartment = models.ForeignKey(Compartment, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["compartment", "user"], name="cases_one_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.compartment_id}"


class CompartmentKey(models.Model):
    """Every record key that belongs to a compartment, so that adding or removing a member
    seals or revokes all of them, whatever app the record lives in."""

    compartment = models.ForeignKey(Compartment, on_delete=models.CASCADE, related_name="keys")
    data_key = models.OneToOneField("vault.DataKey", on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.data_key_id} in {self.compartment_id}"


class Person(QuickChoiceLabels, models.Model):
    """A defender, or someone else the organisation protects."""

    compartment = models.ForeignKey(Compartment, on_delete=models.PROTECT, related_name="people")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    pseudonym = models.CharField(max_length=80, help_text="Shown in lists; must not identify.")
    legal_name = EncryptedTextField(pad=NAME_PADDED)
    name_index = BlindIndexField(source="legal_name", kind="name")
    other_names = EncryptedTextField(pad=NAME_PADDED)
    phone = EncryptedTextField(pad=NAME_PADDED)
    phone_index = BlindIndexField(source="phone", kind="phone")
    email = EncryptedTextField(pad=NAME_PADDED)
    contact_channels = EncryptedTextField(
        pad=NAME_PADDED, help_text="Signal, WhatsApp, Matrix… one per line."
    )
    organisation = EncryptedTextField(pad=NAME_PADDED)
    identity_document = EncryptedTextField(pad=NAME_PADDED)
    identity_index = BlindIndexField(source="identity_document", kind="identifier")
    gender = models.CharField(max_length=16, choices=Gender.choices, default=Gender.UNKNOWN)
    age_group = models.CharField(max_length=16, choices=AgeGroup.choices, default=AgeGroup.UNKNOWN)
    sector = models.CharField(max_length=24, choices=Sector.choices, default=Sector.OTHER)
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=8, blank=True)
    languages = models.CharField(max_length=60, blank=True, help_text="Language codes, e.g. es,qu")
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves with every saved correction: public statistics' data version reads its latest
    # value (a sector changed), through the index's end.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pseudonym"]
        # The people list's order, so its pages (aegis.paging) are read through an index.
        indexes = [
            models.Index(fields=["pseudonym", "id"], name="cases_person_list_order"),
            models.Index(fields=["updated_at"], name="cases_person_updated_at"),
        ]

    def __str__(self) -> str:
        return self.pseudonym


class Case(QuickChoiceLabels, models.Model):
    reference = models.CharField(max_length=20, unique=True)
    compartment = models.ForeignKey(Compartment, on_delete=models.PROTECT, related_name="cases")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    subject_kind = models.CharField(max_length=16, choices=SubjectKind.choices)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    subject_name = EncryptedTextField(
        pad=NAME_PADDED, help_text="The group or organisation, when not a person."
    )
    summary = EncryptedTextField()
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.INTAKE)
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=8, blank=True)
    sector = models.CharField(max_length=24, choices=Sector.choices, default=Sector.OTHER)
    opened_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["compartment", "status", "-updated_at"]),
            # The case list's order, so its pages (aegis.paging) are read through an index;
            # with the compartment, so a deep page's start is found in the index alone.
            models.Index(
                fields=["-updated_at", "-id"], name="cases_case_list_order", include=["compartment"]
            ),
            # Retention: the closed cases whose period ended, longest closed first (the work
            # queue counts them on every visit), read without the open ones.
            models.Index(
                fields=["closed_at", "id"],
                condition=models.Q(status="closed"),
                name="cases_closed_by_date",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseStatusChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=CaseStatus.choices)
    reason = EncryptedTextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    # The reason of the first change, written by Aegis (stored in English), not a person.
    OPENED = gettext_noop("Case opened")

    class Meta:
        ordering = ["changed_at"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} → {self.to_status}"

    @property
    def reason_shown(self) -> str:
        """The reason in the reader's language where Aegis wrote it, else as written."""
        opened = not self.from_status and self.reason == self.OPENED
        return gettext(self.OPENED) if opened else str(self.reason)


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.case_id}"


class CaseTask(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    title = EncryptedTextField()
    due_on = models.DateField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_at", "due_on"]
        indexes = [
            # The work queue's overdue and due-today counts: open tasks by due date.
            models.Index(
                fields=["due_on"], condition=Q(done_at__isnull=True), name="cases_task_open_due"
            ),
        ]

    def __str__(self) -> str:
        return f"task {self.pk} on {self.case_id}"


class ConsentRecord(models.Model):
    """What a person agreed to, when, and whether they withdrew it. Later features check these."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(max_length=24, choices=ConsentScope.choices)
    note = EncryptedTextField(help_text="How consent was given, conditions, limits.")
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.scope} for {self.person_id}"


class ReferenceCounter(models.Model):
    """The last number given in one series of references (AEG for cases, INC for incidents) in
    one year. A counter row rather than the highest reference stored: references sort as text,
    so AEG-2026-100000 would sort below AEG-2026-99999."""

    series = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="one_counter_per_series_year")
        ]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last}"


class RecordChange(models.Model):
    """One correction of a protected record (case, person, incident, act, source,
    perpetrator): who, when, why, and each changed field's value before and after. The reason
    and the values may identify someone, so they are encrypted under the record's own key:
    only those who can open the record can read its history."""

    record_type = models.CharField(max_length=16)
    record_id = models.CharField(max_length=40)
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField()
    # JSON list of [field, before, after]; encrypted like the record itself.
    changes = EncryptedTextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["record_type", "record_id"])]

    def __str__(self) -> str:
        return f"change {self.pk} of {self.record_type} {self.record_id}"
