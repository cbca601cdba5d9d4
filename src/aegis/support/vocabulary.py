"""Coded values of the support network, kept in clear (the analytic projection)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderKind(models.TextChoices):
    LEGAL = "legal", _("Legal aid")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial care")
    MEDICAL = "medical", _("Medical care")
    SAFE_HOUSE = "safe_house", _("Safe house")
    TRANSPORT = "transport", _("Secure transport")
    DIGITAL = "digital", _("Digital security")
    RELOCATION = "relocation", _("Relocation hosting")
    LIVELIHOOD = "livelihood", _("Livelihood support")


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    FULL = "full", _("Full")
    PAUSED = "paused", _("Paused")


class VettingStatus(models.TextChoices):
    NEW = "new", _("New")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")
    BLOCKED = "blocked", _("Blocked")


class ReferralKind(models.TextChoices):
    SERVICE = "service", _("Service")
    RELOCATION = "relocation", _("Temporary relocation")


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class SharedField(models.TextChoices):
    """What a referral may pass on about the person: chosen one by one, nothing by default."""

    PSEUDONYM = "pseudonym", _("Pseudonym")
    LEGAL_NAME = "legal_name", _("Legal name")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    CONTACT_CHANNELS = "contact_channels", _("Contact channels")
    COUNTRY = "country", _("Country and region")
    LANGUAGES = "languages", _("Languages")
    GENDER = "gender", _("Gender")
    AGE_GROUP = "age_group", _("Age group")
    CASE_SUMMARY = "case_summary", _("Case summary")


class GrantType(models.TextChoices):
    SECURITY = "security", _("Security")
    DIGITAL = "digital", _("Digital security")
    COMMUNICATIONS = "communications", _("Communications")
    TRANSPORT = "transport", _("Transport")
    LEGAL = "legal", _("Legal")
    MEDICAL = "medical", _("Medical and psychosocial")
    FAMILY = "family", _("Family and humanitarian")
    RELOCATION = "relocation", _("Relocation")
    MONITORING = "monitoring", _("Monitoring and advocacy")
    LIVELIHOOD = "livelihood", _("Livelihood")
    OTHER = "other", _("Other")


class Beneficiary(models.TextChoices):
    PERSON = "person", _("A person")
    GROUP = "group", _("A group (two or more people)")


class Urgency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate (within 48 hours)")
    URGENT = "urgent", _("Urgent (within two weeks)")
    PLANNED = "planned", _("Planned")


class GrantStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    DILIGENCE = "diligence", _("Due diligence done")
    APPROVED = "approved", _("Approved")
    DISBURSED = "disbursed", _("Disbursed")
    REPORTED = "reported", _("Reported")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Method(models.TextChoices):
    BANK = "bank", _("Bank transfer")
    MOBILE = "mobile", _("Mobile money")
    CASH = "cash", _("Cash through a partner")
    SUPPLIER = "supplier", _("Payment to a supplier")


class ReportKind(models.TextChoices):
    NARRATIVE = "narrative", _("Narrative report")
    FINANCIAL = "financial", _("Financial report")


class LedgerKind(models.TextChoices):
    DISBURSEMENT = "disbursement", _("Disbursement")
    RETURN = "return", _("Unspent funds returned")
