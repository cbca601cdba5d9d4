"""Incidents on the HURIDOCS Events Standard Formats model: the event, its acts, the victims
and perpetrators of each act, the sources, and the chain of events between incidents.

Narratives, exact places, names and descriptions are EncryptedTextField (ciphertext at rest);
the codes beside them (country, region, dates, types, statuses) are the analytic projection."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from aegis.cases.vocabulary import AgeGroup, Gender
from aegis.labels import QuickChoiceLabels
from aegis.vault.fields import (
    LINE_PADDED,
    NAME_PADDED,
    TEXT_PADDED,
    BlindIndexField,
    EncryptedTextField,
)

from .vocabulary import (
    DatePrecision,
    Involvement,
    LinkKind,
    PerpetratorType,
    Reliability,
    SourceKind,
    VerificationStatus,
    ViolationType,
)


class Incident(QuickChoiceLabels, models.Model):
    """The event: what happened, when and where. Its own data key, sealed to the compartment."""

    reference = models.CharField(max_length=20, unique=True)
    compartment = models.ForeignKey(
        "cases.Compartment", on_delete=models.PROTECT, related_name="incidents"
    )
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    # Padded: an incident taken up from the news carries the article's headline and sentences,
    # whose public lengths would otherwise tell which article it came from.
    title = EncryptedTextField(pad=LINE_PADDED)
    description = EncryptedTextField(pad=TEXT_PADDED)
    date_start = models.DateField()
    date_end = models.DateField(null=True, blank=True)
    date_precision = models.CharField(
        max_length=12, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=8, blank=True)
    exact_location = EncryptedTextField()
    verification = models.CharField(
        max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.UNVERIFIED
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="incidents")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date_start", "-pk"]
        indexes = [
            models.Index(fields=["compartment", "-date_start"]),
            # The incident list's order, so its pages (aegis.paging) are read through an index;
            # with the compartment, so a deep page's start is found in the index alone.
            models.Index(
                fields=["-date_start", "-id"], name="incidents_list_order", include=["compartment"]
            ),
            models.Index(fields=["country", "region"]),
            models.Index(fields=["verification"]),
            # The latest change, read on every public statistics view (the data version).
            models.Index(fields=["updated_at"], name="incidents_updated"),
            # Each part's version (selectors.part_versions), read from the index alone
            # rather than from every row of the table.
            models.Index(fields=["id", "updated_at"], name="incidents_part_version"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_end__isnull=True)
                | models.Q(date_end__gte=models.F("date_start")),
                name="incidents_end_not_before_start",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class VerificationChange(models.Model):
    """Who moved an incident between verification statuses, and when (coded, no content)."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="verification_changes"
    )
    from_status = models.CharField(max_length=12, choices=VerificationStatus.choices)
    to_status = models.CharField(max_length=12, choices=VerificationStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.from_status} → {self.to_status}"


class Perpetrator(models.Model):
    """An alleged perpetrator, reusable across the incidents of its compartment."""

    compartment = models.ForeignKey(
        "cases.Compartment", on_delete=models.PROTECT, related_name="perpetrators"
    )
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    perpetrator_type = models.CharField(
        max_length=24, choices=PerpetratorType.choices, default=PerpetratorType.UNKNOWN
    )
    name = EncryptedTextField(pad=NAME_PADDED, help_text="Name, unit or identity, as far as known.")
    name_index = BlindIndexField(source="name", kind="name")
    description = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["perpetrator_type", "pk"]

    def __str__(self) -> str:
        return f"perpetrator {self.pk} ({self.perpetrator_type})"


class Act(QuickChoiceLabels, models.Model):
    """One violation within an incident, against its victims, by its perpetrators."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="acts")
    violation_type = models.CharField(max_length=24, choices=ViolationType.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["violation_type"])]

    def __str__(self) -> str:
        return f"{self.violation_type} in {self.incident_id}"


class Victim(models.Model):
    """A victim of an act: a known person, or someone described (description encrypted,
    sex and age group coded in clear for statistics)."""

    act = models.ForeignKey(Act, on_delete=models.CASCADE, related_name="victims")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "cases.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = EncryptedTextField(pad=LINE_PADDED)  # a victim named in a news article
    sex = models.CharField(max_length=16, choices=Gender.choices, default=Gender.UNKNOWN)
    age_group = models.CharField(max_length=16, choices=AgeGroup.choices, default=AgeGroup.UNKNOWN)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["act", "person"],
                condition=models.Q(person__isnull=False),
                name="incidents_person_once_per_act",
            )
        ]

    def __str__(self) -> str:
        return f"victim {self.pk} of act {self.act_id}"


class ActPerpetrator(models.Model):
    act = models.ForeignKey(Act, on_delete=models.CASCADE, related_name="perpetrators")
    perpetrator = models.ForeignKey(Perpetrator, on_delete=models.PROTECT, related_name="acts")
    involvement = models.CharField(
        max_length=12, choices=Involvement.choices, default=Involvement.PERPETRATOR
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["act", "perpetrator"], name="incidents_perpetrator_once_per_act"
            )
        ]

    def __str__(self) -> str:
        return f"{self.perpetrator_id} ({self.involvement}) in act {self.act_id}"


class Source(models.Model):
    """Where the information on an incident comes from, and how far it can be trusted."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="sources")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=SourceKind.choices)
    reliability = models.CharField(max_length=1, choices=Reliability.choices)
    independent = models.BooleanField(
        default=False, help_text="Independent of the other sources (not repeating them)."
    )
    description = EncryptedTextField(pad=LINE_PADDED)  # a news article's headline and address
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.kind} source {self.pk} of {self.incident_id}"


class IncidentLink(models.Model):
    """Chain of events: `from_incident` caused / followed / is related to `to_incident`."""

    from_incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links_out")
    to_incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=12, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_incident", "to_incident", "kind"], name="incidents_link_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_incident=models.F("to_incident")),
                name="incidents_no_self_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_incident_id} {self.kind} {self.to_incident_id}"
