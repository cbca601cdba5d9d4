"""Providers, referrals, emergency grants and the grant ledger.

Identifying text (contacts, references, addresses, narratives, what a referral passed on,
payment details) is ciphertext under a record key made by `vault.services.new_record_key`:
a provider's under the directory compartment it was entered in, a safe house's address under
a compartment of its own (only its members hold that key), a referral's and a grant's under
the case's compartment. Codes, dates, amounts and currencies stay in clear: the programme
summary and the ledger read them with no key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from aegis import places
from aegis.audit.chain import Link
from aegis.audit.models import AppendOnly
from aegis.vault.fields import NAME_PADDED, EncryptedTextField

from .vocabulary import (
    Availability,
    Beneficiary,
    GrantStatus,
    GrantType,
    LedgerKind,
    Method,
    ProviderKind,
    ReferralKind,
    ReferralStatus,
    ReportKind,
    Urgency,
    VettingStatus,
)


def _money(**extra: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **extra)


def _rate(**extra: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=18, decimal_places=8, **extra)


USER = settings.AUTH_USER_MODEL


def _who(related: str = "+", **extra: Any) -> models.ForeignKey:
    return models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name=related, **extra
    )


class Provider(models.Model):
    compartment = models.ForeignKey("cases.Compartment", on_delete=models.PROTECT, related_name="+")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120, help_text="The directory's name for it.")
    individual = models.BooleanField(default=False)
    kinds = models.CharField(max_length=200, help_text="ProviderKind codes, comma-separated.")
    countries = models.CharField(max_length=120, blank=True)
    regions = models.CharField(max_length=200, blank=True)
    languages = models.CharField(max_length=60, blank=True)
    capacity = models.PositiveSmallIntegerField(null=True, blank=True)
    availability = models.CharField(
        max_length=12, choices=Availability.choices, default=Availability.AVAILABLE
    )
    cost = models.CharField(max_length=120, blank=True)
    contact = EncryptedTextField(pad=NAME_PADDED)
    notes = EncryptedTextField()
    vetting = models.CharField(
        max_length=12, choices=VettingStatus.choices, default=VettingStatus.NEW
    )
    vetted_by = _who()
    vetted_at = models.DateTimeField(null=True, blank=True)
    revet_on = models.DateField(null=True, blank=True)
    # A safe house's address lives in a compartment of its own (see SafeHouseAddress).
    safe_house_compartment = models.ForeignKey(
        "cases.Compartment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = _who()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def kind_list(self) -> list[str]:
        return [k for k in self.kinds.split(",") if k]

    def kinds_shown(self) -> str:
        """The kinds of help by their labels, in the reader's language."""
        return ", ".join(
            str(ProviderKind(k).label) if k in ProviderKind.values else k for k in self.kind_list()
        )

    def languages_shown(self) -> str:
        return places.language_names(self.languages)

    def country_list(self) -> list[str]:
        return [c for c in self.countries.split(",") if c]

    def places_served(self) -> str:
        """Countries and regions by name, in the reader's language ('Antioquia, Colombia')."""
        regions = [r.strip() for r in self.regions.split(",") if r.strip()]
        named = [places.place_label(r.split("-")[0], r) for r in regions]
        covered = {r.split("-")[0] for r in regions}
        named += [places.country_name(c) for c in self.country_list() if c not in covered]
        return "; ".join(n for n in named if n)


class ProviderReference(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="references")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    name = EncryptedTextField(pad=NAME_PADDED)
    contact = EncryptedTextField(pad=NAME_PADDED)
    added_by = _who()
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return f"reference {self.pk} of {self.provider_id}"


class VettingStep(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="vetting_steps")
    status = models.CharField(max_length=12, choices=VettingStatus.choices)
    revet_on = models.DateField(null=True, blank=True)
    by = _who()
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.provider_id} → {self.status}"


class SafeHouseAddress(models.Model):
    provider = models.OneToOneField(
        Provider, on_delete=models.CASCADE, related_name="safe_house_address"
    )
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    address = EncryptedTextField(pad=NAME_PADDED)

    def __str__(self) -> str:
        return f"address of {self.provider_id}"


class Referral(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="referrals")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=ReferralKind.choices)
    purpose = EncryptedTextField()
    # What was shared: the coded list in clear (so a withdrawn consent finds its referrals
    # with no key), the values as passed on encrypted.
    shared_fields = models.CharField(max_length=200)
    shared_text = EncryptedTextField()
    consent = models.ForeignKey("cases.ConsentRecord", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    follow_up_on = models.DateField(null=True, blank=True)
    outcome = EncryptedTextField()
    grant = models.ForeignKey(
        "Grant", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    created_by = _who()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return f"referral {self.pk}"

    def shared_list(self) -> list[str]:
        return [f for f in self.shared_fields.split(",") if f]


class Relocation(models.Model):
    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="relocation")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    destination_country = models.CharField(max_length=2)
    destination_why = EncryptedTextField()
    host = EncryptedTextField(pad=NAME_PADDED)
    months = models.PositiveSmallIntegerField(default=6)
    renewals = models.PositiveSmallIntegerField(default=0)
    visa_travel_plan = EncryptedTextField()
    security_plan = EncryptedTextField()
    family = EncryptedTextField()
    return_plan = EncryptedTextField()

    def __str__(self) -> str:
        return f"relocation of {self.referral_id}"


class ReferralStep(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=12, choices=ReferralStatus.choices)
    by = _who()
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id} → {self.status}"


class Grant(models.Model):
    reference = models.CharField(max_length=20, unique=True, help_text="Pseudonymous: GR-…")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.CharField(max_length=8, choices=Beneficiary.choices)
    group_size = models.PositiveSmallIntegerField(default=1)
    grant_type = models.CharField(max_length=16, choices=GrantType.choices)
    urgency = models.CharField(max_length=12, choices=Urgency.choices)
    country = models.CharField(max_length=2, blank=True)
    need = EncryptedTextField()
    other_funders = EncryptedTextField()
    currency = models.CharField(max_length=3)
    amount = _money()
    rate_to_base = _rate(help_text="Base currency per unit.")
    base_amount = _money()
    approved_amount = _money(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=GrantStatus.choices, default=GrantStatus.REQUESTED
    )
    requested_by = _who()
    requested_at = models.DateTimeField()
    diligence_by = _who()
    diligence_at = models.DateTimeField(null=True, blank=True)
    diligence_note = EncryptedTextField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class BudgetLine(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="budget_lines")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    label = EncryptedTextField()
    amount = _money()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"line {self.pk} of {self.grant_id}"


class Approval(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "approver"], name="support_one_approval_each")
        ]

    def __str__(self) -> str:
        return f"{self.grant_id} approved by {self.approver_id}"


class GrantStep(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=12, choices=GrantStatus.choices)
    by = _who()
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.grant_id} → {self.status}"


class Disbursement(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="disbursements")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField()
    method = models.CharField(max_length=12, choices=Method.choices)
    amount = _money()
    currency = models.CharField(max_length=3)
    rate = _rate(help_text="Grant currency per unit paid.")
    grant_amount = _money()
    payment_details = EncryptedTextField(pad=NAME_PADDED)
    by = _who()
    at = models.DateTimeField()
    receipt_at = models.DateTimeField(null=True, blank=True)
    receipt_by = _who()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "number"], name="support_one_tranche_number")
        ]

    def __str__(self) -> str:
        return f"tranche {self.number} of {self.grant_id}"


class GrantReport(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="reports")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=ReportKind.choices)
    due_on = models.DateField()
    text = EncryptedTextField()
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = _who()

    class Meta:
        ordering = ["due_on", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "kind"], name="support_one_report_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} report of {self.grant_id}"


class LedgerEntry(AppendOnly):
    """One money movement, chained under the audit log's keyed MAC (chain name "ledger").
    Holds no identity: the grant's pseudonymous reference, its type, amounts and dates."""

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=LedgerKind.choices)
    grant_ref = models.CharField(max_length=20)
    grant_type = models.CharField(max_length=16, choices=GrantType.choices)
    tranche = models.PositiveSmallIntegerField(null=True, blank=True)
    method = models.CharField(max_length=12, choices=Method.choices, blank=True)
    amount = _money()
    currency = models.CharField(max_length=3)
    rate = _rate()
    grant_amount = _money()
    grant_currency = models.CharField(max_length=3)
    prev_mac = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"ledger #{self.seq}"

    def mac_fields(self) -> tuple[object, ...]:
        return (
            self.at.isoformat(),
            self.kind,
            self.grant_ref,
            self.grant_type,
            self.tranche,
            self.method,
            str(self.amount),
            self.currency,
            str(self.rate),
            str(self.grant_amount),
            self.grant_currency,
        )

    def link(self) -> Link:
        return Link(self.seq, self.mac_fields(), self.prev_mac, self.mac)


class LedgerHead(models.Model):
    seq = models.PositiveBigIntegerField(default=0)
    mac = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"ledger head at {self.seq}"
