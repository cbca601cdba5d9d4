"""The incident's city: a wire dateline's city ("CORPUS CHRISTI, Texas -") if the body opens
with one; else the city named most, a known one (annotated in training) counting 1 and a
capitalised place after "in", "at", "from", "near" that is no country or state 0.5, a known
city of another country than the article's counting less; failing both, the body's opening
words before a comma or a dash. Weights chosen by cross-validation."""

from __future__ import annotations

import re

from . import features as F
from . import given_names, places

# Latin letters with their accents (Latin-1), so that "in Toribío" is not cut to "Torib".
UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
LOWER = "a-z\u00df-\u00f6\u00f8-\u00ff"
PLACE_AFTER = re.compile(
    rf"\b(?:in|at|from|near|outside|of) +([{UPPER}][{LOWER}]+(?: [{UPPER}][{LOWER}]+)?)"
    r"(?![^\W\d_])"  # a word never cut short by a letter it does not know
)
# A dateline in mixed case ("Lima, Peru -", "San Jose del Guaviare, Colombia -"): one to four
# capitalised words (lower-case particles between them), then a comma, a parenthesis or a dash
# set apart by a space (a hyphen inside "Pro-government" ends nothing).
OPENING = re.compile(
    rf" *([{UPPER}][{UPPER}{LOWER}.'-]*(?: (?:(?:de|del|da|do|dos|la|el|al) )?"
    rf"[{UPPER}][{UPPER}{LOWER}.'-]*){{0,3}})"
    r" *(?:,|\(|\u2014|\u2013| -)"
)
KNOWN = 1.0
AFTER_PREPOSITION = 0.5
# A known city of another country than the one chosen for the article.
ELSEWHERE = 0.25


def country_of(name: str, city_countries: dict[str, str]) -> str | None:
    """The country of a city: as annotated in training, else a city that stands for its
    country ("Lagos"), else a state or province of the same name."""
    if name in city_countries:
        return city_countries[name]
    if name in places.PLACES:
        return places.country_names().get(name)
    return places.subdivisions().get(name)


def choose(
    article: F.Article,
    known: frozenset[str],
    city_countries: dict[str, str],
    country: str | None,
) -> tuple[str, float, int] | None:
    """(city, confidence, offset in article.full), or None."""
    body_start = len(article.full) - len(article.plain)
    dateline = places.dateline_city(article.plain)
    if dateline is not None:
        return dateline[0], 0.6, body_start + dateline[1]
    votes: dict[str, float] = {}
    first: dict[str, int] = {}
    countries, subdivisions = places.country_names(), places.subdivisions()
    for name, offset in places.find(article.full, known):
        where = country_of(name, city_countries)
        weight = ELSEWHERE if country and where and where != country else KNOWN
        votes[name] = votes.get(name, 0.0) + weight
        first.setdefault(name, offset)
    people = _people(article)
    for m in PLACE_AFTER.finditer(article.full):
        name = m.group(1)
        if (
            name in people
            or name in countries
            or name in subdivisions
            or name in places.CONTINENTS
            or any(word in F.NOT_PLACE for word in name.split())
            # A common noun capitalised ("in Agriculture"): the text writes it in lower
            # case elsewhere.
            or any(word.lower() in article.lowered for word in name.split())
        ):
            continue
        votes[name] = votes.get(name, 0.0) + AFTER_PREPOSITION
        first.setdefault(name, m.start(1))
    if not votes:
        opening = OPENING.match(article.plain)
        if opening is None:
            return None
        name = opening.group(1).strip()
        name = name.title() if name.isupper() else name
        words = [w for w in name.split() if w[:1].isupper()]
        if (
            name in countries
            or name in subdivisions
            or len(name) < 3
            # An opening word, not a place ("However,", "On Monday,", "Last Friday,").
            or any(w in F.NOT_PLACE or w.lower() in article.lowered for w in words)
        ):
            return None
        return name, 0.2, body_start
    name = max(votes, key=lambda n: (votes[n], -first[n]))
    return name, votes[name] / sum(votes.values()), first[name]


def _people(article: F.Article) -> frozenset[str]:
    """Names of people the article writes: a given name and what follows it ("Donald Trump"),
    and the last word alone ("of Trump"); such a name after "in" or "of" is no city."""
    out: set[str] = set()
    for candidate in F.candidates(article):
        parts = candidate.name.split()
        if given_names.prior(parts[0]) is not None and parts[-1] not in places.PLACES:
            out.add(candidate.name)
            out.add(" ".join(parts[:2]))
            out.add(parts[-1])
    return frozenset(out)
