"""Coded, non-identifying values kept in clear (the analytic projection)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CompartmentKind(models.TextChoices):
    """What a compartment holds: case work (cases, people, incidents, providers), or one safe
    house's address (support), which no chooser of where to file work offers."""

    WORK = "work", _("Case work")
    SAFE_HOUSE = "safe_house", _("One safe house's address")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


class AgeGroup(models.TextChoices):
    UNDER_18 = "under_18", _("Under 18")
    AGE_18_29 = "18_29", _("18 to 29")
    AGE_30_44 = "30_44", _("30 to 44")
    AGE_45_59 = "45_59", _("45 to 59")
    AGE_60_PLUS = "60_plus", _("60 or older")
    UNKNOWN = "unknown", _("Not known")


class Sector(models.TextChoices):
    LAND_ENVIRONMENT = "land_environment", _("Land and environment")
    INDIGENOUS = "indigenous", _("Indigenous peoples' rights")
    WOMENS_RIGHTS = "womens_rights", _("Women's rights")
    LGBTI = "lgbti", _("LGBTI rights")
    JOURNALISM = "journalism", _("Journalism")
    LABOUR = "labour", _("Labour rights")
    ANTI_CORRUPTION = "anti_corruption", _("Anti-corruption")
    LEGAL = "legal", _("Legal profession")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    INTAKE = "intake", _("Intake")
    ACTIVE = "active", _("Active protection")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Closed")


class SubjectKind(models.TextChoices):
    PERSON = "person", _("A person")
    GROUP = "group", _("A group")
    ORGANISATION = "organisation", _("An organisation")


class ConsentScope(models.TextChoices):
    SHARE_PARTNER = "share_partner", _("Share with a partner organisation")
    UN_MECHANISM = "un_mechanism", _("Send to a UN or regional mechanism")
    NAME_TO_GOVERNMENT = "name_to_government", _("Name in a communication to a government")
    PUBLIC_STATISTICS = "public_statistics", _("Count in public statistics")
    PUBLISH_NAME = "publish_name", _("Publish the name")


# A person's details by name (services.PERSON_FIELDS), as the person form and the review of
# a person received from a partner both label them.
PERSON_LABELS = {
    "pseudonym": _("Pseudonym"),
    "legal_name": _("Legal name"),
    "other_names": _("Other names"),
    "phone": _("Phone"),
    "email": _("Email"),
    "contact_channels": _("Contact channels"),
    "organisation": _("Organisation"),
    "identity_document": _("Identity document"),
    "gender": _("Sex or gender"),
    "age_group": _("Age group"),
    "sector": _("Sector of work"),
    "country": _("Country"),
    "region": _("Region (first level)"),
    "languages": _("Languages"),
}
