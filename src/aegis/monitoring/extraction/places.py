"""Countries and subdivisions named in a text, from pycountry's names plus the short forms the
news uses; the string written for a country is the one annotators used most in training."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import cache

import pycountry

ALIASES = {
    "US": ("USA", "U.S.", "U.S.A.", "United States", "America", "American", "Americans"),
    "GB": ("UK", "U.K.", "Britain", "British", "England", "Scotland", "Wales", "London"),
    "RU": ("Russia", "Russian", "Moscow"),
    "IR": ("Iran", "Iranian", "Tehran"),
    "SY": ("Syria", "Syrian", "Damascus"),
    "KR": ("South Korea", "Korean", "Seoul"),
    "KP": ("North Korea", "Pyongyang"),
    "VN": ("Vietnam", "Vietnamese", "Hanoi"),
    "VE": ("Venezuela", "Venezuelan", "Caracas"),
    "BO": ("Bolivia", "Bolivian"),
    "TZ": ("Tanzania", "Tanzanian"),
    "TW": ("Taiwan", "Taiwanese", "Taipei"),
    "CN": ("China", "Chinese", "Beijing", "Xinjiang", "Hong Kong"),
    "HK": (),
    "PS": ("Palestine", "Palestinian", "Gaza", "West Bank"),
    "CD": ("DR Congo", "DRC", "Democratic Republic of Congo", "Kinshasa"),
    "CG": ("Congo-Brazzaville",),
    "MD": ("Moldova",),
    "LA": ("Laos",),
    "CZ": ("Czech Republic",),
    "TR": ("Turkey", "Turkish", "Istanbul", "Ankara"),
    "MM": ("Myanmar", "Burma", "Burmese", "Yangon", "Mandalay"),
    "IN": ("India", "Indian", "New Delhi", "Kashmir", "Mumbai"),
    "PK": ("Pakistan", "Pakistani", "Karachi", "Islamabad", "Lahore"),
    "NG": ("Nigeria", "Nigerian", "Lagos", "Abuja"),
    "PH": ("Philippines", "Philippine", "Filipino", "Manila"),
    "BY": ("Belarus", "Belarusian", "Minsk"),
    "MX": ("Mexico", "Mexican"),
    "SA": ("Saudi Arabia", "Saudi"),
    "EG": ("Egypt", "Egyptian", "Cairo"),
    "AF": ("Afghanistan", "Afghan", "Kabul"),
    "BD": ("Bangladesh", "Bangladeshi", "Dhaka"),
    "CO": ("Colombia", "Colombian", "Bogota"),
    "BR": ("Brazil", "Brazilian"),
    "IQ": ("Iraq", "Iraqi", "Baghdad"),
    "YE": ("Yemen", "Yemeni"),
    "ZW": ("Zimbabwe", "Zimbabwean", "Harare"),
    "UG": ("Uganda", "Ugandan", "Kampala"),
    "KE": ("Kenya", "Kenyan", "Nairobi"),
    "ET": ("Ethiopia", "Ethiopian", "Addis Ababa"),
    "IL": ("Israel", "Israeli"),
    "UA": ("Ukraine", "Ukrainian", "Kyiv"),
    "HN": ("Honduras", "Honduran"),
    "GT": ("Guatemala", "Guatemalan"),
    "CM": ("Cameroon", "Cameroonian"),
    "SD": ("Sudan", "Sudanese", "Khartoum"),
    "SO": ("Somalia", "Somali", "Mogadishu"),
    "LY": ("Libya", "Libyan"),
    "LB": ("Lebanon", "Lebanese", "Beirut"),
    "AZ": ("Azerbaijan", "Azerbaijani", "Baku"),
    "TH": ("Thailand", "Thai", "Bangkok"),
    "KH": ("Cambodia", "Cambodian", "Phnom Penh"),
    "MY": ("Malaysia", "Malaysian"),
    "ID": ("Indonesia", "Indonesian", "Jakarta"),
    "MV": ("Maldives", "Maldivian"),
    "NI": ("Nicaragua", "Nicaraguan"),
    "CU": ("Cuba", "Cuban", "Havana"),
    "NP": ("Nepal", "Nepali", "Kathmandu"),
    "LK": ("Sri Lanka", "Sri Lankan", "Colombo"),
}
CONTINENTS = frozenset(
    ("Africa", "Asia", "Europe", "Middle East", "Latin America", "South America", "North America")
)
WORD_BOUNDARY = r"(?<![A-Za-z]){}(?![A-Za-z])"


@cache
def country_names() -> dict[str, str]:
    """Name as written in a text -> ISO alpha-2 code."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:
                names[value] = country.alpha_2
    for code, aliases in ALIASES.items():
        for alias in aliases:
            names[alias] = code
    return names


def country_code(name: str | None) -> str | None:
    """The ISO code of a country name as annotators wrote it (training only: may be slow)."""
    if not name:
        return None
    known = country_names().get(name)
    if known:
        return known
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        try:
            return str(pycountry.countries.search_fuzzy(name)[0].alpha_2)
        except LookupError:
            return None


def countries_in(text: str) -> list[tuple[str, int]]:
    """(code, character offset) for every country named in the text, in order."""
    names = country_names()
    return [(names[name], offset) for name, offset in find(text, names.keys())]


TOKEN = re.compile(r"[A-Za-z\u00c0-\u024f0-9][\w'\u2019.&-]*")


def find(text: str, names: Iterable[str], longest: int = 5) -> list[tuple[str, int]]:
    """(name, offset) of each whole-word occurrence of a name, longest match first: a lookup
    of word n-grams in a set (a regular expression of thousands of names is far slower)."""
    known: Collection[str] = (
        names if isinstance(names, (set, frozenset, dict, type({}.keys()))) else set(names)
    )
    spans = [(m.group(0), m.start()) for m in TOKEN.finditer(text)]
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(spans):
        for n in range(min(longest, len(spans) - i), 0, -1):
            words = [w for w, _ in spans[i : i + n]]
            phrase = " ".join(words)
            hit = phrase if phrase in known else None
            if hit is None:
                bare = phrase.rstrip(".,").removesuffix("'s").removesuffix("\u2019s")
                hit = bare if bare in known else None
            if hit is not None:
                out.append((hit, spans[i][1]))
                i += n
                break
        else:
            i += 1
    return out


@cache
def subdivisions() -> dict[str, str]:
    """Subdivision name (and the name without its 'State'/'Province' suffix) -> country code."""
    out: dict[str, str] = {}
    for sub in pycountry.subdivisions:
        name = sub.name.split(" (")[0]
        out[name] = sub.country_code
        for suffix in (" State", " Province", " Region", " Governorate"):
            if name.endswith(suffix):
                out[name[: -len(suffix)]] = sub.country_code
    return out
