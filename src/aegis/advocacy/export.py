"""A communication rendered in its mechanism's working language: a PDF (WeasyPrint, from the
HTML template) for mechanisms that take documents, a plain-text body for e-mail, a
field-by-field sheet to copy into an online form. All three read the same parts."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _

from aegis import clock, places

from . import builder, checks
from .builder import Dossier, EventLine
from .models import Communication
from .vocabulary import Channel, Kind

PDF, TEXT, SHEET = "pdf", "text", "sheet"
FORMATS = (PDF, TEXT, SHEET)


def default_format(channel: str) -> str:
    by_channel: dict[str, str] = {Channel.EMAIL: TEXT, Channel.ONLINE_FORM: SHEET}
    return by_channel.get(channel, PDF)


ISOLATES = ("LRI", "RLI", "FSI")


def direction(line: str) -> str:
    """The direction of a line by its first strong letter: typed text keeps its own direction
    in a right-to-left document (WeasyPrint does not resolve dir="auto"). Letters inside an
    isolate do not count, as in Unicode's bidirectional algorithm (rule P2): a sentence of the
    document's language that begins with a name keeps the language's direction."""
    depth = 0
    for char in line:
        kind = unicodedata.bidirectional(char)
        if kind in ISOLATES:
            depth += 1
        elif kind == "PDI":
            depth = max(depth - 1, 0)
        elif depth == 0 and kind in ("R", "AL"):
            return "rtl"
        elif depth == 0 and kind == "L":
            return "ltr"
    return "auto"


def isolated(value: str) -> str:
    """Typed text set inside a sentence in its own direction (first strong isolate)."""
    return f"\u2068{value}\u2069"


@dataclass(frozen=True)
class Part:
    label: str
    lines: list[str]

    @property
    def rows(self) -> list[tuple[str, str]]:
        return [(line, direction(line)) for line in self.lines]


def _when(event: EventLine) -> str:
    if event.precision == "year":
        shown = formats.date_format(event.date_start, "Y")
    elif event.precision == "month":
        shown = formats.date_format(event.date_start, "YEAR_MONTH_FORMAT")
    else:
        shown = formats.date_format(event.date_start, "DATE_FORMAT")
    if event.precision == "approximate":
        shown = _("about %(date)s") % {"date": shown}
    if event.date_end and event.date_end != event.date_start:
        shown = f"{shown} – {formats.date_format(event.date_end, 'DATE_FORMAT')}"
    return shown


def _event(event: EventLine) -> list[str]:
    lines = [f"{_when(event)} — {event.place or _('place not recorded')}: {event.title}"]
    if event.description.strip():
        lines.append(event.description.strip())
    for act in event.acts:
        by = ", ".join(act.perpetrators) or _("perpetrator not identified")
        lines.append(_("%(violation)s (by: %(by)s)") % {"violation": act.violation, "by": by})
    return lines


def withheld_line(dossier: Dossier) -> str:
    names = ", ".join(isolated(v.label) for v in dossier.withheld)
    return _(
        "%(names)s: referred to by a pseudonym. Their consent does not cover naming them to "
        "the government, so their identity is withheld."
    ) % {"names": names}


def parts(dossier: Dossier) -> list[Part]:
    """The document's sections, in order (call inside the mechanism's language)."""
    found = [Part(_("Alleged victims"), [v.label for v in dossier.victims] or ["—"])]
    if dossier.withheld:
        found.append(Part(_("Identity"), [withheld_line(dossier)]))
    found.append(Part(_("Alleged perpetrators"), [p.label for p in dossier.perpetrators] or ["—"]))
    chain = [line for event in dossier.events for line in [*_event(event), ""]]
    found.append(Part(_("Chain of events"), chain[:-1] or ["—"]))
    found.append(Part(_("Detailed account"), dossier.narrative.strip().splitlines() or ["—"]))
    for spec in checks.fields_of(dossier.mechanism.checks):
        value = dossier.elements.get(spec.key)
        if spec.flag:
            continue
        if value:
            found.append(Part(str(spec.label), str(value).splitlines()))
    return found


def subject(dossier: Dossier) -> str:
    """The mechanism's subject line with its placeholders filled: <country>, <date> (today),
    <kind>, <surname> (the first victim as the export names them: the name where consent
    allows, else the pseudonym) and <removal> (the planned removal, as written)."""
    case = dossier.communication.case
    convention = dossier.mechanism.subject_convention or "<kind> – <country>"
    removal = str(dossier.elements.get("removal") or "").strip().splitlines()
    return (
        convention.replace("<country>", places.country_name(case.country) if case.country else "")
        .replace("<date>", formats.date_format(clock.today(), "DATE_FORMAT"))
        .replace("<kind>", str(Kind(dossier.communication.kind).label))
        .replace("<surname>", dossier.victims[0].label if dossier.victims else "—")
        .replace("<removal>", removal[0] if removal else "—")
    )


def _context(dossier: Dossier) -> dict[str, Any]:
    communication = dossier.communication
    return {
        "dossier": dossier,
        "communication": communication,
        "mechanism_name": _(dossier.mechanism.name),
        "kind": Kind(communication.kind).label,
        "mandates": [_(name) for name in dossier.mandates],
        "parts": parts(dossier),
        "subject": subject(dossier),
        "today": clock.today(),
        "rtl": communication.language == "ar",
    }


def render(communication: Communication, fmt: str) -> str:
    """The text or HTML of one format, in the communication's language."""
    template = {TEXT: "advocacy/export.txt", SHEET: "advocacy/sheet.html"}.get(
        fmt, "advocacy/export.html"
    )
    with translation.override(communication.language):
        return render_to_string(template, _context(builder.build(communication)))


def pdf(communication: Communication) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, which only exports need.
    from weasyprint import HTML

    return HTML(string=render(communication, PDF)).write_pdf()
