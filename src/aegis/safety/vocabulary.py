"""Coded values of a safety plan, and the limits its texts must keep to.

The limits are tight on purpose: the whole plan has to fit on one printed A4 page that the
defender can carry, and a pasted megabyte is a mistake, not a plan."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanLanguage(models.TextChoices):
    """The languages the printed plan (and the alert messages) can be written in."""

    EN = "en", _("English")
    ES = "es", _("Spanish")
    FR = "fr", _("French")
    AR = "ar", _("Arabic")


class ScenarioKind(models.TextChoices):
    ARREST = "arrest", _("Arrest or detention")
    RAID = "raid", _("Raid on the home or office")
    ABDUCTION = "abduction", _("Abduction or disappearance")
    ONLINE_ATTACK = "online_attack", _("Online attack")
    TRAVEL = "travel", _("Travel")
    FAMILY_THREATENED = "family_threatened", _("Family threatened")


MAX_CONTACTS = 5  # the edit page shows this many rows, so it works without JavaScript
NAME_MAX = 120
LINE_MAX = 200
SCENARIO_TEXT_MAX = 1_200
SAFE_PLACES_MAX = 1_200
DURESS_MIN = 3
DURESS_MAX = 60
CHECKIN_INTERVAL_MAX_HOURS = 24 * 14
CHECKIN_GRACE_MAX_MINUTES = 24 * 60
DEFAULT_GRACE_MINUTES = 30
