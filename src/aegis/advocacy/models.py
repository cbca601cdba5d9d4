"""Mechanisms (data an administrator keeps) and the communications sent to them.

A communication lives in its case's compartment: its narrative, the elements the writer fills
in, the State's reply and the measures of a resolution are ciphertext under the
communication's own record key, and so are the mechanism's reference (a UA number or "MC
967-19"), where it was published and a resolution's number: public once the mechanism
publishes, and the public text names the defender, so in clear they tied a case's rows to a
named person. What stays in clear is coded and operational: the mechanism, kind, language,
states and their dates, and the reply deadline the work queue counts."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from aegis.vault.fields import LINE_PADDED, NAME_PADDED, EncryptedTextField, SealedOrLegacy

from .vocabulary import (
    AWAITING_REPLY,
    EVENTS,
    Channel,
    Checks,
    ConsentRule,
    Kind,
    Language,
    Outcome,
    Resolution,
    Status,
)


class Mechanism(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=160)
    checks = models.CharField(max_length=24, choices=Checks.choices)
    kinds = models.CharField(max_length=200, help_text="Kinds of communication, comma-separated.")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    address = models.CharField(
        max_length=200,
        blank=True,
        help_text="Form or portal address, e-mail, fax number or postal address.",
    )
    subject_convention = models.CharField(max_length=200, blank=True)
    consent_rule = models.CharField(max_length=20, choices=ConsentRule.choices)
    languages = models.CharField(max_length=20, help_text="Working languages, e.g. en,fr,es.")
    reply_period_days = models.PositiveSmallIntegerField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.code

    @property
    def kind_list(self) -> list[str]:
        return [k for k in self.kinds.split(",") if k]

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    # What pages show: the kinds and languages by name, in the reader's language (the
    # codes, "urgent_appeal,allegation_letter", had been shown as stored).
    @property
    def kind_names(self) -> list[str]:
        return [str(Kind(k).label) if k in Kind.values else k for k in self.kind_list]

    @property
    def language_names(self) -> list[str]:
        return [
            str(Language(code).label) if code in Language.values else code
            for code in self.language_list
        ]


class Mandate(models.Model):
    """A thematic mandate of a mechanism (Special Procedures): a communication may be joint."""

    mechanism = models.ForeignKey(Mechanism, on_delete=models.CASCADE, related_name="mandates")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=160)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["mechanism", "code"], name="advocacy_one_mandate_code")
        ]

    def __str__(self) -> str:
        return self.code


class Communication(models.Model):
    compartment = models.ForeignKey("cases.Compartment", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    incidents = models.ManyToManyField("incidents.Incident", blank=True, related_name="+")
    mechanism = models.ForeignKey(
        Mechanism, on_delete=models.PROTECT, related_name="communications"
    )
    mandates = models.ManyToManyField(Mandate, blank=True, related_name="+")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    language = models.CharField(max_length=2, choices=Language.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    narrative = EncryptedTextField()
    # JSON object: the mechanism's elements the writer fills in (checks.py), by key.
    elements = EncryptedTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_on = models.DateField(null=True, blank=True)
    acknowledged_on = models.DateField(null=True, blank=True)
    # The mechanism's reference and the publication are sealed (see the module's docstring)
    # and read and set through `reference` and `publication`; `legacy_reference` and
    # `legacy_publication` hold those kept in clear before, until a member opens the
    # communication (services.seal_references). Nothing looks a communication up by them.
    reference_sealed = EncryptedTextField(pad=NAME_PADDED)
    legacy_reference = models.CharField(max_length=60, blank=True, editable=False)
    transmitted_on = models.DateField(null=True, blank=True)
    reply_due_on = models.DateField(null=True, blank=True)
    replied_on = models.DateField(null=True, blank=True)
    reply = EncryptedTextField()
    reply_summary = EncryptedTextField()
    published_on = models.DateField(null=True, blank=True)
    publication_sealed = EncryptedTextField(pad=LINE_PADDED)
    legacy_publication = models.CharField(max_length=200, blank=True, editable=False)
    follow_up_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField()
    reference = SealedOrLegacy("reference_sealed", "legacy_reference")
    publication = SealedOrLegacy("publication_sealed", "legacy_publication")

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["compartment", "status", "reply_due_on"]),
            models.Index(fields=["-updated_at", "-id"], name="advocacy_list_order"),
        ]

    def __str__(self) -> str:
        return f"communication {self.pk}"

    @property
    def awaiting_reply(self) -> bool:
        return self.status in AWAITING_REPLY

    @property
    def reference_if_open(self) -> str:
        """The reference where the reader's keys opened the record, else "": a list shows it
        beside rows whose key does not open (a wrap lost), not a refused page."""
        if self.legacy_reference:
            return self.legacy_reference
        field = Communication._meta.get_field("reference_sealed")
        return field.read_if_open(self) or ""

    @property
    def references_sealed(self) -> bool:
        """Whether nothing of the mechanism's is kept in clear (a row from before may)."""
        return not self.legacy_reference and not self.legacy_publication


class Event(models.Model):
    """One step of a communication's tracking: who moved it to which state, when; or a step
    that leaves its state as it is (`Step`: the internal review, its reset by an edit; a
    State's reply recorded after the publication is a `Status.REPLIED` entry, see
    services.record_reply)."""

    communication = models.ForeignKey(
        Communication, on_delete=models.CASCADE, related_name="events"
    )
    status = models.CharField(max_length=16, choices=EVENTS)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.communication_id}: {self.status}"


class PrecautionaryResolution(models.Model):
    """A mechanism's decision on precautionary or interim measures."""

    communication = models.ForeignKey(
        Communication, on_delete=models.CASCADE, related_name="resolutions"
    )
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=16, choices=Resolution.choices)
    # Sealed as the communication's reference is; `legacy_number`: one kept in clear before.
    number_sealed = EncryptedTextField(pad=NAME_PADDED)
    legacy_number = models.CharField(max_length=60, blank=True, editable=False)
    number = SealedOrLegacy("number_sealed", "legacy_number")  # e.g. Resolution 12/2026
    decided_on = models.DateField()
    measures = EncryptedTextField(
        help_text="The measures the State must agree with the beneficiaries."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["decided_on", "pk"]

    def __str__(self) -> str:
        return f"{self.decision} on {self.communication_id}"


class CommunicationOutcome(models.Model):
    """What changed after a communication: coded for counting, details encrypted."""

    communication = models.ForeignKey(
        Communication, on_delete=models.CASCADE, related_name="outcomes"
    )
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    on = models.DateField()
    note = EncryptedTextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.outcome} after {self.communication_id}"
