"""Charts drawn on the server as SVG with pygal, from a table's published cells only (a
withheld cell is drawn as no bar; its table beside the chart says why). No script: pygal's
own is removed, the pages need none and the CSP allows none."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from xml.sax.saxutils import unescape

import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

from .release import Release, TableView, view
from .statistics import TABLES_BY_SLUG, UNITS

_SCRIPT = re.compile(rb"<script\b[^>]*?(/>|>.*?</script>)", re.DOTALL)
_STYLE_ATTRIBUTE = re.compile(rb' style="([^"<>]*)"')
_DECLARATION = re.compile(rb"\s*([a-z-]+)\s*:\s*([^;\s][^;]*?)\s*")
_STYLE_SHEET = re.compile(rb"<style\b[^>]*>(.*?)</style>", re.DOTALL)

# High contrast, one colour: readable printed in black and white too.
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#222",
    foreground_strong="#000",
    foreground_subtle="#555",
    colors=("#1f5a8a",),
    font_family="DejaVu Sans, sans-serif",
    # pygal's 64 px ran the message past the chart's edges in every language but English.
    no_data_font_size=18,
)


def _no_data() -> str:
    # pygal's own words are English; the table beside the chart says why each count is out.
    return _("Nothing to draw: no count here is published.")


def _clean(svg: bytes) -> bytes:
    return _STYLE_ATTRIBUTE.sub(_presentation, _SCRIPT.sub(b"", svg))


def _presentation(found: re.Match[bytes]) -> bytes:
    """pygal's style attributes ("fill-opacity: 0.3", the shade of a country on the map) as
    SVG's presentation attributes, which the Content Security Policy does not govern: opened on
    its own, the SVG is a document under the policy, and an inline style attribute would need
    'unsafe-inline' (the map had been drawn all black). pygal writes none of the same name."""
    declarations = [d for d in found.group(1).split(b";") if d.strip()]
    matched = [_DECLARATION.fullmatch(d) for d in declarations]
    if not all(matched):
        return found.group(0)
    return b"".join(b' %s="%s"' % (m.group(1), m.group(2)) for m in matched if m)


def style_hashes(svg: bytes) -> list[str]:
    """The CSP sources that allow the SVG's own style sheets and no other: pygal writes one per
    chart (its selectors name the chart's random id), so it is allowed by its hash."""
    digests = (
        hashlib.sha256(unescape(m.group(1).decode()).encode()).digest()
        for m in _STYLE_SHEET.finditer(svg)
    )
    return [f"'sha256-{base64.b64encode(digest).decode()}'" for digest in digests]


def series(table: TableView) -> list[tuple[str, int | None]]:
    """What the chart draws: each row's total, or the one column shown when the view is
    filtered to a column; None where the count is withheld."""
    out = []
    for _code, label, cells, total in table.rows:
        cell = total if total is not None else (cells[0] if cells else None)
        out.append((label, cell.cell.value if cell is not None else None))
    return out


def whole_ticks(top: int) -> list[int]:
    """Ticks for counts: whole numbers, 1, 2 or 5 times a power of ten apart, about ten of
    them (pygal's own ran 0, 0.1, … 1 where every count was zero or withheld)."""
    top, magnitude = max(top, 1), 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if top <= 10 * step:
                return list(range(0, top + step, step))
        magnitude *= 10


def bar_chart(table: TableView) -> bytes:
    points = series(table)
    shown = [v for _l, v in points if v is not None]
    chart = pygal.HorizontalBar(
        js=[],
        style=STYLE,
        show_legend=False,
        width=640,
        height=max(160, 28 * len(points) + 80),
        print_values=True,
        truncate_label=40,
        no_data_text=_no_data(),
        y_labels=whole_ticks(max(shown, default=0)),
    )
    chart.x_labels = [str(label) for label, _v in points]
    chart.add(str(UNITS[table.spec.unit]), [v for _l, v in points])
    return _clean(chart.render())


def chart_svg(release: Release, slug: str, filters: Mapping[str, str]) -> bytes:
    return bar_chart(view(release, TABLES_BY_SLUG[slug], filters))


_PATH = re.compile(rb' d="([^"]*)"')
_LONG_DECIMAL = re.compile(rb"(\.\d)\d+")


def _coarser(svg: bytes) -> bytes:
    """The boundaries' coordinates to one decimal: the map's space is about 2,000 units wide
    and drawn 800 pixels wide, so a tenth is a twentieth of a pixel, and the file a sixth
    lighter for a reader on a slow link."""
    return _PATH.sub(lambda m: b' d="' + _LONG_DECIMAL.sub(rb"\1", m.group(1)) + b'"', svg)


def world_map(release: Release, filters: Mapping[str, str]) -> bytes:
    """Incidents by country as a choropleth (boundaries from pygal_maps_world), each
    country's tooltip named as the table names it, in the reader's language."""
    from pygal_maps_world.maps import World

    table = view(release, TABLES_BY_SLUG["incidents-by-country"], filters)
    values, names = {}, {}
    for (code, label, _cells, _total), (_l, value) in zip(table.rows, series(table), strict=True):
        if value:
            values[code.lower()] = value
            names[code.lower()] = str(label)
    chart = World(
        js=[], style=STYLE, show_legend=False, width=800, height=420, no_data_text=_no_data()
    )
    chart.area_names = {**chart.area_names, **names}  # pygal's own are English
    chart.add(_("Incidents"), values)
    return _coarser(_clean(chart.render()))
