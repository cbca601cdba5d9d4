"""Countries and first-level regions (ISO 3166-1 and 3166-2, from pycountry), with names in
the reader's language. Only these coarse codes are kept in clear."""

from __future__ import annotations

import gettext
from functools import cache
from typing import Any

import pycountry
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

# Country names the iso-codes catalogues leave in English where the language has its own
# (the others they leave are written the same: "Argentina", "Canada").
MISSING_NAMES = {
    ("iso3166-1", "es"): {"Algeria": "Argelia"},
    ("iso3166-1", "ar"): {"Türkiye": "تركيا"},
}


class _Filled(gettext.NullTranslations):
    """A catalogue with the names it lacks (MISSING_NAMES) filled in."""

    def __init__(self, names: dict[str, str], catalogue: gettext.NullTranslations) -> None:
        super().__init__()
        self.names = names
        self.add_fallback(catalogue)

    def gettext(self, message: str) -> str:
        return self.names.get(message) or super().gettext(message)


@cache
def catalogue(domain: str, language: str) -> gettext.NullTranslations:
    """pycountry's names of one ISO standard ("iso3166-1", "iso4217"…) in `language`; the
    English names where it has none."""
    found = gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)
    missing = MISSING_NAMES.get((domain, language))
    return _Filled(missing, found) if missing else found


def language_names(codes: str) -> str:
    """ISO 639 codes as stored ("es,quc") by name in the reader's language ("Español,
    K'iche'"); a code pycountry does not know is shown as it is."""
    t = catalogue("iso639-3", (get_language() or "en").split("-")[0])
    named = []
    for code in (c.strip() for c in codes.split(",") if c.strip()):
        found = (
            pycountry.languages.get(alpha_2=code)
            if len(code) == 2
            else pycountry.languages.get(alpha_3=code)
        )
        named.append(t.gettext(found.name) if found is not None else code)
    return ", ".join(named)


def countries() -> list[tuple[str, str]]:
    """(alpha-2 code, name in the current language), sorted by name."""
    return list(_countries((get_language() or "en").split("-")[0]))


@cache
def _countries(language: str) -> tuple[tuple[str, str], ...]:
    t = catalogue("iso3166-1", language)
    return tuple(
        sorted(((c.alpha_2, t.gettext(c.name)) for c in pycountry.countries), key=lambda x: x[1])
    )


def country_options() -> str:
    """Every country as HTML <option>s, in the current language: one cached string, so a
    filter form does not render some 250 options through the widget templates each view."""
    return _country_options((get_language() or "en").split("-")[0])


@cache
def _country_options(language: str) -> str:
    return str(format_html_join("", '<option value="{}">{}</option>', _countries(language)))


def country_select(name: str, value: Any, attrs: dict[str, Any], blank: Any) -> SafeString:
    """A <select> of every country with `value` chosen and a first, empty choice."""
    options = country_options()
    chosen = str(value or "")
    if chosen:
        plain = str(format_html('<option value="{}">', chosen))
        options = options.replace(plain, plain[:-1] + " selected>", 1)
    empty = format_html('<option value=""{}>{}</option>', "" if chosen else " selected", blank)
    start = format_html('<select name="{}"{}>{}', name, flatatt(attrs), empty)
    return mark_safe(f"{start}{options}</select>")  # noqa: S308 - escaped parts (format_html)


@cache
def _first_level(country: str) -> tuple[tuple[str, str], ...]:
    subdivisions = pycountry.subdivisions.get(country_code=country) or []
    return tuple(sorted((s.code, s.name) for s in subdivisions if not s.parent_code))


def regions(country: str) -> list[tuple[str, str]]:
    """First-level regions of a country: (ISO 3166-2 code, name)."""
    t = catalogue("iso3166-2", (get_language() or "en").split("-")[0])
    return sorted(
        ((code, t.gettext(name)) for code, name in _first_level(country.upper())),
        key=lambda x: x[1],
    )


def region_code(country: str, name: str) -> str:
    """The ISO 3166-2 code of the country's first-level region named so ("Cauca", "Rivers",
    "Rivers State"), in any case; "" where none is."""
    wanted = name.strip().casefold()
    for code, full in _first_level(country.upper()) if country and wanted else ():
        plain = full.split(" (")[0]
        forms = {plain, *(plain.removesuffix(s) for s in (" State", " Province", " Region"))}
        if wanted in {f.casefold() for f in forms} or wanted.removesuffix(" state") == (
            plain.casefold()
        ):
            return code
    return ""


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
    return catalogue("iso3166-2", (get_language() or "en").split("-")[0]).gettext(name)


def place_label(country: str, region: str = "") -> str:
    """'Antioquia, Colombia' from coded values, in the reader's language; '' when nothing is
    known."""
    return ", ".join(p for p in (region_name(country, region), country_name(country)) if p)


def country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code.upper()) if code else None
    return (
        catalogue("iso3166-1", (get_language() or "en").split("-")[0]).gettext(found.name)
        if found
        else ""
    )
