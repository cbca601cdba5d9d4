"""Coded values of risk assessment (kept in clear: the analytic projection) and the default
checklist of vulnerabilities and capacities, after Protection International's and Front Line
Defenders' protection manuals."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class Level(models.TextChoices):
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


# Lowest first: "rose" and "above the acceptable threshold" compare these ranks.
LEVEL_RANK = {level: rank for rank, level in enumerate(Level.values)}


class ChecklistKind(models.TextChoices):
    VULNERABILITY = "vulnerability", _("Vulnerability")
    CAPACITY = "capacity", _("Capacity")


class Category(models.TextChoices):
    PHYSICAL = "physical", _("Physical")
    DIGITAL = "digital", _("Digital")
    LEGAL = "legal", _("Legal")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")
    FAMILY = "family", _("Family")
    ECONOMIC = "economic", _("Economic")
    ORGANISATIONAL = "organisational", _("Organisational")


class Amplifier(models.TextChoices):
    """Defenders for whom a factor amplifies risk; blank: a factor for everyone."""

    EVERYONE = "", _("Every defender")
    WOMEN = "women", _("Women defenders")
    LGBTI = "lgbti", _("LGBTI defenders")
    INDIGENOUS = "indigenous", _("Indigenous defenders")
    YOUNG = "young", _("Young defenders")
    OLDER = "older", _("Older defenders")
    DISABLED = "disabled", _("Defenders with disabilities")


class Strategy(models.TextChoices):
    ACCEPT = "accept", _("Accept the risk")
    REDUCE = "reduce", _("Reduce the risk")
    SHARE = "share", _("Share the risk")
    AVOID = "avoid", _("Avoid the risk")


class FindingKind(models.TextChoices):
    PERSON = "person", _("Same person")
    ORGANISATION = "organisation", _("Same group or organisation")
    SECTOR = "sector", _("Same sector in a region")
    REGION = "region", _("Same region")


V, C = ChecklistKind.VULNERABILITY.value, ChecklistKind.CAPACITY.value

# (kind, category, amplifier, label). Labels are stored as typed; gettext_noop marks them for
# the translation catalogues, so pages show them in the reader's language until an
# administrator rewrites one.
DEFAULT_CHECKLIST: list[tuple[str, str, str, str]] = [
    (V, "physical", "", gettext_noop("Home or office without secure access, locks or lighting")),
    (V, "physical", "", gettext_noop("Travels alone, or on predictable routes and times")),
    (V, "physical", "", gettext_noop("Lives or works in an isolated place, far from help")),
    (V, "digital", "", gettext_noop("Devices without encryption or screen lock")),
    (V, "digital", "", gettext_noop("Uses unencrypted calls, messages or e-mail")),
    (V, "digital", "", gettext_noop("Location and routines visible on social media")),
    (V, "legal", "", gettext_noop("No lawyer or legal support to call on")),
    (
        V,
        "legal",
        "",
        gettext_noop("Open proceedings or a legal status that can be used against them"),
    ),
    (V, "legal", "", gettext_noop("Missing identity, residence or registration documents")),
    (V, "psychosocial", "", gettext_noop("Exhaustion, fear or trauma weighing on decisions")),
    (V, "psychosocial", "", gettext_noop("Nobody to talk to about the threats")),
    (V, "family", "", gettext_noop("Family exposed or unaware of the risks")),
    (V, "family", "", gettext_noop("Dependants who cannot be moved quickly")),
    (V, "economic", "", gettext_noop("No savings or income to relocate or pay for protection")),
    (V, "economic", "", gettext_noop("Livelihood tied to the place or to the adversary")),
    (V, "organisational", "", gettext_noop("No security protocols or incident log")),
    (V, "organisational", "", gettext_noop("Isolated from networks, allies and media")),
    (
        V,
        "psychosocial",
        "women",
        gettext_noop("Gender-based threats: sexual violence, smears on private life or family"),
    ),
    (
        V,
        "family",
        "lgbti",
        gettext_noop("Hostility from family, community or authorities for who they are or love"),
    ),
    (
        V,
        "legal",
        "indigenous",
        gettext_noop("Collective land under pressure; authorities do not speak their language"),
    ),
    (V, "organisational", "young", gettext_noop("Little experience of security measures")),
    (V, "physical", "older", gettext_noop("Health or mobility that slows an evacuation")),
    (
        V,
        "physical",
        "disabled",
        gettext_noop("Shelters, transport or communications that are not accessible"),
    ),
    (C, "physical", "", gettext_noop("Secure home or office, and safe places to go")),
    (C, "physical", "", gettext_noop("Varies routes and routines; travels accompanied")),
    (C, "digital", "", gettext_noop("Encrypted devices and messaging, strong passwords, backups")),
    (C, "legal", "", gettext_noop("A lawyer reachable at any hour")),
    (C, "legal", "", gettext_noop("Knows their rights on arrest and searches")),
    (C, "psychosocial", "", gettext_noop("Access to psychosocial support")),
    (C, "family", "", gettext_noop("Family informed and part of the safety plan")),
    (C, "economic", "", gettext_noop("Emergency fund or savings for relocation")),
    (C, "organisational", "", gettext_noop("Security protocols, check-ins and an incident log")),
    (
        C,
        "organisational",
        "",
        gettext_noop("Support networks: allies, community, media, embassies, UN"),
    ),
    (
        C,
        "organisational",
        "indigenous",
        gettext_noop("Community guard or collective protection mechanisms"),
    ),
    (C, "organisational", "women", gettext_noop("A network of women defenders for accompaniment")),
]
