"""Findings and places in words, in the reader's language, for the pages and the API."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aegis import places
from aegis.cases.vocabulary import Sector

from .patterns import Finding
from .vocabulary import FindingKind


def sector_label(sector: str) -> str:
    return str(Sector(sector).label) if sector in Sector.values else sector


def finding_text(finding: Finding, subject: str | None = None) -> str:
    """'4 incidents against defenders of “Land and environment” in Cauca, Colombia within
    30 days'. `subject` names the person or organisation (staff only; analysts get none)."""
    values = {
        "count": finding.count,
        "days": finding.window_days,
        "place": places.place_label(finding.country, finding.region) or _("an unknown place"),
        "sector": sector_label(finding.sector),
        "subject": subject or _("one defender"),
    }
    if finding.kind == FindingKind.PERSON:
        text = ngettext(
            "%(count)s incident against %(subject)s within %(days)s days",
            "%(count)s incidents against %(subject)s within %(days)s days",
            finding.count,
        )
    elif finding.kind == FindingKind.ORGANISATION:
        values["subject"] = subject or _("one group or organisation")
        text = ngettext(
            "%(count)s incident against %(subject)s within %(days)s days",
            "%(count)s incidents against %(subject)s within %(days)s days",
            finding.count,
        )
    elif finding.kind == FindingKind.SECTOR:
        text = ngettext(
            "%(count)s incident against defenders of “%(sector)s” in %(place)s "
            "within %(days)s days",
            "%(count)s incidents against defenders of “%(sector)s” in %(place)s "
            "within %(days)s days",
            finding.count,
        )
    else:
        text = ngettext(
            "%(count)s incident in %(place)s within %(days)s days",
            "%(count)s incidents in %(place)s within %(days)s days",
            finding.count,
        )
    return text % values
