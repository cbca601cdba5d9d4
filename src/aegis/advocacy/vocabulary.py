"""Coded values of communications to mechanisms, kept in clear (the analytic projection)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    ONLINE_FORM = "online_form", _("Online form")
    EMAIL = "email", _("E-mail")
    PORTAL = "portal", _("Portal")
    FAX_POST = "fax_post", _("Fax or post")


class ConsentRule(models.TextChoices):
    """What consent a mechanism asks for before it acts on a person's situation."""

    PERSON = "person", _("The informed consent of the person concerned")
    FAMILY = "family", _("The consent of the family")
    PERSON_OR_REASON = "person_or_reason", _("The consent of the beneficiaries, or why not")


class Checks(models.TextChoices):
    """Which table of required elements applies (checks.py)."""

    SPECIAL_PROCEDURES = "special_procedures", _("UN Special Procedures")
    WGEID = "wgeid", _("Working Group on Enforced or Involuntary Disappearances")
    REPRISALS = "reprisals", _("UN reprisals")
    IACHR = "iachr", _("IACHR precautionary measures")
    ECHR_RULE_39 = "echr_rule_39", _("ECtHR interim measures (Rule 39)")
    ACHPR = "achpr", _("ACHPR Special Rapporteur on human rights defenders")


class Kind(models.TextChoices):
    URGENT_APPEAL = "urgent_appeal", _("Urgent appeal")
    ALLEGATION_LETTER = "allegation_letter", _("Allegation letter")
    DISAPPEARANCE = "disappearance", _("Case of disappearance")
    REPRISAL = "reprisal", _("Allegation of reprisal")
    PRECAUTIONARY = "precautionary", _("Request for precautionary measures")
    INTERIM = "interim", _("Request for interim measures")
    FOLLOW_UP = "follow_up", _("Follow-up information")


class Language(models.TextChoices):
    EN = "en", _("English")
    FR = "fr", _("French")
    ES = "es", _("Spanish")
    AR = "ar", _("Arabic")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In internal review")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    TRANSMITTED = "transmitted", _("Transmitted to the State")
    REPLIED = "replied", _("Reply received")
    NO_REPLY = "no_reply", _("No reply by the deadline")
    PUBLISHED = "published", _("Published")
    FOLLOW_UP = "follow_up", _("Follow-up sent")


# Once sent, the State's reply is awaited in these states (the deadline counts).
AWAITING_REPLY = (Status.SENT, Status.ACKNOWLEDGED, Status.TRANSMITTED)


class Step(models.TextChoices):
    """Steps the History records that leave the communication's state as it is (its other
    entries are the states it moved to: `Status`)."""

    REVIEWED = "reviewed", _("Approved by a second person (internal review)")
    REVIEW_RESET = "review_reset", _("Changed after the review: a new review is needed")


# What a History entry (models.Event) may record: a state reached, or one of the steps.
EVENTS = [*Status.choices, *Step.choices]


class Resolution(models.TextChoices):
    GRANT = "grant", _("Granted")
    EXTENSION = "extension", _("Extended")
    MODIFICATION = "modification", _("Modified")
    LIFTING = "lifting", _("Lifted")


class Outcome(models.TextChoices):
    RELEASE = "release", _("Release")
    MEASURES_GRANTED = "measures_granted", _("Protection measures granted")
    INVESTIGATION_OPENED = "investigation_opened", _("Investigation opened")
    CHARGES_DROPPED = "charges_dropped", _("Charges dropped")
    PERSON_LOCATED = "person_located", _("Person located")
    REMOVAL_STOPPED = "removal_stopped", _("Removal stopped")
    STATE_DENIED = "state_denied", _("The State denied the allegations")
    NO_CHANGE = "no_change", _("No change")
