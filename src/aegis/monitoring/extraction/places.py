"""Countries and subdivisions named in a text, from pycountry's names plus the short forms the
news uses; the string written for a country is the one annotators used most in training."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable
from functools import cache

import pycountry

ALIASES = {
    "US": ("USA", "U.S.", "U.S.A.", "United States", "America", "American", "Americans"),
    "GB": ("UK", "U.K.", "Britain", "British"),
    # The annotators name England, Scotland and Wales as countries (their ISO 3166-2 codes
    # here; an incident draft records GB, see country_iso).
    "GB-ENG": ("England", "London"),
    "GB-SCT": ("Scotland", "Scottish", "Edinburgh", "Glasgow"),
    "GB-WLS": ("Wales", "Welsh", "Cardiff"),
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
    "CD": (
        "DR Congo",
        "DRC",
        "Democratic Republic of Congo",
        "Democratic Republic of the Congo",
        "Kinshasa",
    ),
    "CG": ("Congo-Brazzaville",),
    "MD": ("Moldova",),
    "LA": ("Laos",),
    "CZ": ("Czech Republic",),
    "TR": ("Turkey", "Turkish", "Istanbul", "Ankara"),
    "MM": ("Myanmar", "Burma", "Burmese", "Yangon", "Mandalay"),
    "IN": ("India", "Indian", "New Delhi", "Kashmir", "Mumbai"),
    "PK": ("Pakistan", "Pakistani", "Karachi", "Islamabad", "Lahore"),
    "NG": ("Nigeria", "Nigerian", "Lagos", "Abuja", "Niger Delta"),
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
    "BA": ("Bosnia", "Bosnian"),
    "MK": ("Macedonia",),
}
# Cities and regions above that stand for their country (a mention kind, countries.py).
PLACES = frozenset(
    re.split(
        r"\s+",
        """
        London Edinburgh Glasgow Cardiff Moscow Tehran Damascus Seoul Pyongyang Hanoi Caracas
        Taipei Beijing Xinjiang Gaza Kinshasa Istanbul Ankara Yangon Mandalay Kashmir Mumbai
        Karachi Islamabad Lahore Lagos Abuja Manila Minsk Cairo Kabul Dhaka Bogota Baghdad Harare
        Kampala Nairobi Kyiv Khartoum Mogadishu Beirut Baku Bangkok Jakarta Havana Kathmandu
        Colombo
        """.strip(),
    )
) | {"Hong Kong", "West Bank", "New Delhi", "Addis Ababa", "Phnom Penh"}
DEMONYM_END = re.compile(r"(?:an|ans|ese|ish|i|ic|ino|sh)$")
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


@cache
def official_names() -> frozenset[str]:
    """pycountry's own names (the rest of country_names are the news's short forms)."""
    return frozenset(
        value
        for country in pycountry.countries
        for attr in ("name", "common_name", "official_name")
        if (value := getattr(country, attr, None))
    )


def mention_kind(name: str) -> str:
    """How a text names a country: 'place' (a city or region standing for it), 'name' or
    'demonym' ("Nigerian", "Afghan")."""
    if name in PLACES:
        return "place"
    if name in official_names() or not DEMONYM_END.search(name):
        return "name"
    return "demonym"


def country_code(name: str | None) -> str | None:
    """The code of a country name as annotators wrote it (training only: may be slow): a
    state or province gives its country, a misspelt name ("Turrkey") the closest country name
    (close enough: "Africa" or "Soviet Union" give none)."""
    if not name:
        return None
    known = country_names().get(name)
    if known:
        return known
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        pass
    if name in subdivisions():
        return subdivisions()[name]
    close = difflib.get_close_matches(name, list(country_names()), n=1, cutoff=0.8)
    return country_names()[close[0]] if close else None


def country_iso(name: str | None) -> str:
    """The ISO 3166-1 code for a country name the extractor wrote ("England": GB), or "".
    It writes a country as the annotators did most often ("Columbia", "the Netherlands"), so
    it is read back as training read those (country_code), after pycountry's names and the
    short names country_form writes ("Cocos Islands", "Holy See")."""
    if not name:
        return ""
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        pass
    code = country_names().get(name) or _written_forms().get(name) or country_code(name)
    return (code or "").split("-")[0]


@cache
def _written_forms() -> dict[str, str]:
    return {country_form(c.alpha_2): str(c.alpha_2) for c in pycountry.countries}


def country_form(code: str) -> str:
    """A readable name for a code with no annotated form: the news's short name ("Palestine",
    "Russia", "Wales"), else pycountry's, without its inversion or note ("Palestine, State
    of", "Wales [Cymru GB-CYM]", "Holy See (Vatican City State)")."""
    for alias in ALIASES.get(code, ()):
        if mention_kind(alias) == "name":
            return alias
    record = pycountry.countries.get(alpha_2=code) or pycountry.subdivisions.get(code=code)
    name = str(getattr(record, "common_name", None) or getattr(record, "name", code))
    name = re.sub(r"\s*[\[(].*?[\])]", "", name).strip()
    head, _, tail = name.partition(", ")
    if tail.endswith((" of", " of the")):
        return head
    if tail in ("British", "U.S."):
        return f"{tail} {head}"
    return name


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
        forms = [name] + [
            name[: -len(suffix)]
            for suffix in (" State", " Province", " Region", " Governorate")
            if name.endswith(suffix)
        ]
        for form in forms:
            # A name two countries share ("Florida": the US and Uruguay) goes to the one the
            # news names more (those with short forms above).
            if form not in out or (sub.country_code in ALIASES and out[form] not in ALIASES):
                out[form] = sub.country_code
    return out


# A wire dateline: the city in capitals opening the body, before a comma, a parenthesis or a
# dash ("CORPUS CHRISTI, Texas -", "TORONTO --", "By May Kha YANGON -"), after a byline.
CAPITAL_DATELINE = re.compile(
    r"(?:By [A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3} )?"
    r"([A-Z][A-Z.'\u2019-]+[A-Z](?: [A-Z][A-Z.'\u2019-]*[A-Z])*) *(?:,|\(|\u2014|\u2013|-)"
)
# Capitals that open a body without being a place ("UPDATE -", "FILE -", "UN -").
NOT_DATELINES = frozenset(
    ("UN", "US", "UPDATE", "UPDATED", "FILE", "PHOTO", "EXCLUSIVE", "BREAKING", "WATCH", "VIDEO")
)


def dateline_city(plain: str) -> tuple[str, int] | None:
    """The city of the body's dateline, title-cased, and its offset in the body; None where
    the body opens with no dateline or with a country's name."""
    found = CAPITAL_DATELINE.match(plain)
    if found is None:
        return None
    name = found.group(1).title().replace("\u2019S", "\u2019s")
    if (name in country_names() and name not in PLACES) or name.upper() in NOT_DATELINES:
        return None
    return name, found.start(1)
