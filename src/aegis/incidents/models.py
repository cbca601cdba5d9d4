"""Incidents on the HURIDOCS Events Standard Formats model: the event, its acts, the victims
and perpetrators of each act, the sources, and the chain of events between incidents.

Narratives, exact places, exact days, names and descriptions are EncryptedTextField
(ciphertext at rest); the codes beside them (country, region, month, types, statuses) are the
analytic projection."""

from __future__ import annotations

import datetime

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
    # The analytic projection keeps the month (DESIGN.md): the first day of the month the
    # incident began and ended, for sorting, filters, statistics and risk patterns. The exact
    # days are sealed in `days` with the record's key; `date_start` and `date_end` read and
    # write them (see below). A row made before the days were sealed has `days` empty and its
    # exact days still in the month columns, until a member opens or corrects it
    # (services.seal_days).
    month_start = models.DateField()
    month_end = models.DateField(null=True, blank=True)
    days = EncryptedTextField()
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
        ordering = ["-month_start", "-pk"]
        indexes = [
            models.Index(
                fields=["compartment", "-month_start"], name="incidents_compartment_month"
            ),
            # The incident list's order, so its pages (aegis.paging) are read through an index;
            # with the compartment, so a deep page's start is found in the index alone.
            models.Index(
                fields=["-month_start", "-id"], name="incidents_list_order", include=["compartment"]
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
                condition=models.Q(month_end__isnull=True)
                | models.Q(month_end__gte=models.F("month_start")),
                name="incidents_end_not_before_start",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    # --- The dates: exact where the reader can open the record, else the month -------------

    def _days(self) -> tuple[datetime.date | None, datetime.date | None] | None:
        """The exact first and last days, or None where they are sealed and not open."""
        sealed = Incident._meta.get_field("days").read_if_open(self)
        raw = self.__dict__.get("days")
        if raw is None:
            return self.month_start, self.month_end  # not sealed yet: the columns are exact
        if sealed is None:
            return None
        start, _, end = sealed.partition(" ")
        return _day(start), _day(end)

    def _set_days(self, start: datetime.date | None, end: datetime.date | None) -> None:
        self.days = f"{start.isoformat() if start else ''} {end.isoformat() if end else ''}"
        self.month_start = start.replace(day=1) if start else None  # type: ignore[assignment]
        self.month_end = end.replace(day=1) if end else None

    def _readable_days(self) -> tuple[datetime.date | None, datetime.date | None]:
        days = self._days()
        if days is None:
            raise ValueError(
                f"{self.reference}: the exact days are sealed; open the record to change them."
            )
        return days

    @property
    def date_start(self) -> datetime.date:
        """The first day: exact where the record is open, else the first of its month."""
        days = self._days()
        return (days[0] if days else None) or self.month_start

    @date_start.setter
    def date_start(self, value: datetime.date) -> None:
        self._set_days(value, self._readable_days()[1])

    @property
    def date_end(self) -> datetime.date | None:
        days = self._days()
        return days[1] if days else self.month_end

    @date_end.setter
    def date_end(self, value: datetime.date | None) -> None:
        self._set_days(self._readable_days()[0], value)

    def seal_days(self) -> None:
        """Seal the days of a row made before they were sealed (they are in the month columns
        until then) and keep only the months in clear; the record must be open."""
        start, end = self._readable_days()
        self._set_days(start, end)

    @property
    def days_sealed(self) -> bool:
        """Whether the days are sealed (else the row is from before, its columns exact)."""
        if "days" not in self.__dict__:
            self.refresh_from_db(fields=["days"])
        return self.__dict__.get("days") is not None

    @property
    def days_open(self) -> bool:
        """Whether `date_start` and `date_end` are the exact days (else only their months)."""
        return self._days() is not None

    @property
    def shown_precision(self) -> str:
        """The precision the reader can see: at most the month where the days are sealed."""
        if self.days_open or self.date_precision == DatePrecision.YEAR:
            return self.date_precision
        return DatePrecision.MONTH


def _day(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


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
