"""Findings and places in words, in the reader's language, for the pages and the API."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aegis import places
from aegis.cases.vocabulary import Sector

from .patterns import Finding
from .vocabulary import FindingKind


def sector_label(sector: str) -> str:
    return str(Sector(sector).label) if sector in Sector.values else sector


def finding_text(finding: Finding, subject: str | None = None) -> str:
    """'4 incidents against defenders of “Land and environment” in Cauca, Colombia since
    November 2026'. `subject` names the person or organisation (staff only; analysts get
    none). The window is read in months (patterns.window_start), so the text names its
    first month rather than a number of days."""
    since = finding.since or finding.first_date
    values = {
        "count": finding.count,
        "since": formats.date_format(since, "YEAR_MONTH_FORMAT"),
        "place": places.place_label(finding.country, finding.region) or _("an unknown place"),
        "sector": sector_label(finding.sector),
        "subject": subject or _("one defender"),
    }
    if finding.kind == FindingKind.PERSON:
        text = ngettext(
            "%(count)s incident against %(subject)s since %(since)s",
            "%(count)s incidents against %(subject)s since %(since)s",
            finding.count,
        )
    elif finding.kind == FindingKind.ORGANISATION:
        values["subject"] = subject or _("one group or organisation")
        text = ngettext(
            "%(count)s incident against %(subject)s since %(since)s",
            "%(count)s incidents against %(subject)s since %(since)s",
            finding.count,
        )
    elif finding.kind == FindingKind.SECTOR:
        text = ngettext(
            "%(count)s incident against defenders of “%(sector)s” in %(place)s since %(since)s",
            "%(count)s incidents against defenders of “%(sector)s” in %(place)s since %(since)s",
            finding.count,
        )
    else:
        text = ngettext(
            "%(count)s incident in %(place)s since %(since)s",
            "%(count)s incidents in %(place)s since %(since)s",
            finding.count,
        )
    return text % values
