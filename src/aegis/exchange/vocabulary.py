"""Coded choices of the exchange area."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.TextChoices):
    CODED = "coded", _("Coded only: analytic codes, no identity")
    PSEUDONYMISED = "pseudonymised", _("Pseudonymised: pseudonyms, no contacts or exact places")
    FULL = "full", _("Full: everything, for a partner taking over a case")


class Purpose(models.TextChoices):
    JOINT_INVESTIGATION = "joint_investigation", _("Joint investigation")
    REFERRAL = "referral", _("Referral for support")
    CASE_TRANSFER = "case_transfer", _("Case transfer")
    ADVOCACY = "advocacy", _("Advocacy")


class ItemKind(models.TextChoices):
    PERSON = "person", _("Person")
    EVENT = "event", _("Incident")
    EVIDENCE = "evidence", _("Evidence")


class Decision(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    CREATED = "created", _("Created as a new record")
    LINKED = "linked", _("Linked to an existing record")
    MERGED = "merged", _("Merged into an existing record")
    REJECTED = "rejected", _("Rejected")


class RejectReason(models.TextChoices):
    """Why a caseworker rejected a received record: a code, kept in clear (it names no one);
    the words beside it (QuarantineItem.reject_note) are encrypted."""

    DUPLICATE = "duplicate", _("Duplicate of a record we hold")
    OUT_OF_SCOPE = "out_of_scope", _("Not about our work")
    UNRELIABLE = "unreliable", _("Not reliable enough to keep")
    DAMAGED = "damaged", _("Incomplete or damaged")
    OTHER = "other", _("Other")
