"""Countries and first-level regions (ISO 3166-1 and 3166-2, from pycountry), with names in
the reader's language. Only these coarse codes are kept in clear."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry
from django.utils.translation import get_language


@cache
def _translator(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


@cache
def _region_translator(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-2", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def countries() -> list[tuple[str, str]]:
    """(alpha-2 code, name in the current language), sorted by name."""
    t = _translator((get_language() or "en").split("-")[0])
    return sorted(((c.alpha_2, t.gettext(c.name)) for c in pycountry.countries), key=lambda x: x[1])


@cache
def _first_level(country: str) -> tuple[tuple[str, str], ...]:
    subdivisions = pycountry.subdivisions.get(country_code=country) or []
    return tuple(sorted((s.code, s.name) for s in subdivisions if not s.parent_code))


def regions(country: str) -> list[tuple[str, str]]:
    """First-level regions of a country: (ISO 3166-2 code, name)."""
    t = _region_translator((get_language() or "en").split("-")[0])
    return sorted(
        ((code, t.gettext(name)) for code, name in _first_level(country.upper())),
        key=lambda x: x[1],
    )


def is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code.upper()) is not None


def is_region_of(region: str, country: str) -> bool:
    return any(code == region for code, _ in _first_level(country.upper()))


def region_name(country: str, region: str, unknown: str = "") -> str:
    """A first-level region's name in the current language; `unknown` where the country has
    no such region."""
    name = dict(_first_level(country.upper())).get(region) if country and region else None
    if name is None:
        return unknown if country and region else ""
    return _region_translator((get_language() or "en").split("-")[0]).gettext(name)


def place_label(country: str, region: str = "") -> str:
    """'Antioquia, Colombia' from coded values, in the reader's language; '' when nothing is
    known."""
    return ", ".join(p for p in (region_name(country, region), country_name(country)) if p)


def country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code.upper()) if code else None
    return _translator((get_language() or "en").split("-")[0]).gettext(found.name) if found else ""
