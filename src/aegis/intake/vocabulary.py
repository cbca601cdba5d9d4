"""Coded values of a report, kept in clear (the analytic projection). Who did it and the
date precision are the incidents' own vocabularies, so a report converts without mapping."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from aegis.incidents.vocabulary import DatePrecision, PerpetratorType

__all__ = ["DatePrecision", "PerpetratorType", "SenderKind", "SubmissionStatus", "TargetKind"]


class TargetKind(models.TextChoices):
    ME = "me", _("Me")
    SOMEONE_ELSE = "someone_else", _("Someone else")
    GROUP = "group", _("A group")
    ORGANISATION = "organisation", _("An organisation")


class SubmissionStatus(models.TextChoices):
    NEW = "new", _("New")
    SPAM = "spam", _("Spam")
    DUPLICATE = "duplicate", _("Duplicate")
    CONVERTED = "converted", _("Taken up")


class SenderKind(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    STAFF = "staff", _("Protection team")
