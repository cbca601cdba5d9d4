"""{% place country region %}: a place's name from its codes ('Antioquia, Colombia'), in the
reader's language, so no page shows a code such as CO-ANT. Here, in the foundation app, since
every app's pages show places."""

from __future__ import annotations

from django import template

from aegis import places

register = template.Library()


@register.simple_tag
def place(country: str | None, region: str | None = "") -> str:
    country = country or ""
    region = region or ""
    if not country and region:
        country = region.split("-")[0]  # ISO 3166-2 codes begin with their country's
    return places.place_label(country, region)


@register.filter
def language_names(codes: str | None) -> str:
    """Languages stored as codes ("es,quc") by name in the reader's language."""
    return places.language_names(codes or "")
