"""Controlled vocabularies of incidents (HURIDOCS Events Standard Formats). The codes are
the analytic projection and stay in clear; the labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    DAY = "day", _("Exact date")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    APPROXIMATE = "approximate", _("Approximate")


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    CORROBORATED = "corroborated", _("Corroborated")
    VERIFIED = "verified", _("Verified")


class ViolationType(models.TextChoices):
    KILLING = "killing", _("Killing")
    ATTEMPTED_KILLING = "attempted_killing", _("Attempted killing")
    PHYSICAL_ATTACK = "physical_attack", _("Physical attack")
    DEATH_THREAT = "death_threat", _("Death threat")
    THREAT = "threat", _("Threat")
    HARASSMENT = "harassment", _("Harassment")
    SURVEILLANCE = "surveillance", _("Surveillance")
    ARBITRARY_DETENTION = "arbitrary_detention", _("Arbitrary detention")
    JUDICIAL_HARASSMENT = "judicial_harassment", _("Judicial harassment")
    ENFORCED_DISAPPEARANCE = "enforced_disappearance", _("Enforced disappearance")
    KIDNAPPING = "kidnapping", _("Kidnapping")
    TORTURE = "torture", _("Torture or ill-treatment")
    SEXUAL_VIOLENCE = "sexual_violence", _("Sexual violence")
    SMEAR_CAMPAIGN = "smear_campaign", _("Smear campaign")
    ONLINE_HARASSMENT = "online_harassment", _("Online harassment and doxxing")
    RAID = "raid", _("Raid or break-in")
    PROPERTY = "property", _("Destruction or confiscation of property")
    TRAVEL_BAN = "travel_ban", _("Travel ban")
    REPRISAL_FAMILY = "reprisal_family", _("Reprisal against family")
    OTHER = "other", _("Other")


class PerpetratorType(models.TextChoices):
    STATE_SECURITY = "state_security", _("State security forces")
    POLICE = "police", _("Police")
    MILITARY = "military", _("Military")
    PARAMILITARY = "paramilitary", _("Paramilitary")
    PRIVATE_SECURITY = "private_security", _("Private security")
    COMPANY = "company", _("Company")
    ORGANISED_CRIME = "organised_crime", _("Organised crime")
    ARMED_GROUP = "armed_group", _("Non-state armed group")
    PUBLIC_OFFICIAL = "public_official", _("Public official")
    POLITICAL_PARTY = "political_party", _("Political party")
    RELIGIOUS_GROUP = "religious_group", _("Religious group")
    COMMUNITY_MEMBER = "community_member", _("Community member")
    FAMILY_MEMBER = "family_member", _("Family member")
    UNKNOWN = "unknown", _("Unknown")


class Involvement(models.TextChoices):
    PERPETRATOR = "perpetrator", _("Perpetrator")
    ACCOMPLICE = "accomplice", _("Accomplice")
    INSTIGATOR = "instigator", _("Instigator")
    SUSPECTED = "suspected", _("Suspected")


class SourceKind(models.TextChoices):
    TESTIMONY = "testimony", _("Testimony")
    MEDIA = "media", _("Media")
    DOCUMENT = "document", _("Document")
    SOCIAL_MEDIA = "social_media", _("Social media")
    PARTNER = "partner", _("Partner organisation")
    OFFICIAL = "official", _("Official source")


class Reliability(models.TextChoices):
    """Source reliability on the A to E scale used by intelligence and investigation work."""

    A = "A", _("A — reliable")
    B = "B", _("B — usually reliable")
    C = "C", _("C — fairly reliable")
    D = "D", _("D — not usually reliable")
    E = "E", _("E — unreliable")


class LinkKind(models.TextChoices):
    CAUSED = "caused", _("Caused")
    FOLLOWED = "followed", _("Followed")
    RELATED = "related", _("Related to")
