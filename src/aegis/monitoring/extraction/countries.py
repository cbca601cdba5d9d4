"""The incident's country: every country the article names is a candidate, described by where
and how it is named (first mention, how often, in the title or the dateline, as a name, a
demonym or a city, beside words of violence, as the seat of an "X-based" organisation); a
logistic regression (train.py) scores each and the highest wins. The rule it replaced (the
country named most, the title counting three times) is one point of these features."""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

from . import languages, places
from .features import KEYWORD_PATTERNS, Article
from .linear import Features

# A country named as the seat of something else ("a London-based group", "US-based"): the
# organisation's home, seldom where the attack happened.
BASED = re.compile(r"^[\s-]*(?:based|born|headquartered|funded|backed)\b", re.IGNORECASE)
VIOLENCE = tuple(p for name, p in KEYWORD_PATTERNS.items() if name != "other")
LEAD_SENTENCES = 2
# Subdivision names that are common words or given names in English news ("South", "Free",
# "Paul"): no sign of a country.
NOT_PLACES = frozenset(
    re.split(
        r"\s+",
        """
        South East West North Western Eastern Northern Southern Central Centre Center Free Most
        Gulf Paul Mary Unity Delta Rivers Capital Coast Lakes Upper Lower Nelson Kerry Portland
        Island Islands Valley Border Mountain Sud Nord Est Ouest
        """.strip(),
    )
)


@dataclass(frozen=True)
class Mention:
    code: str
    offset: int
    kind: str  # name, demonym, place (a city standing for its country) or subdivision
    sentence: int
    based: bool
    violent: bool


def mentions(article: Article) -> list[Mention]:
    """Each country named in the article, and each state or province (as its country)."""
    # A hyphenated word is one token to places.find, so "London-based" or "US-Mexico" names
    # no country here: reading them as two words (hyphens as spaces) lost 0.25 to 2 points of
    # 5-fold CV. "X-based" is therefore seen only when written apart ("US based").
    if article.language in languages.FOREIGN:
        return _foreign_mentions(article)
    text = article.full
    names = places.country_names()
    subdivisions = places.subdivisions()
    found = [
        _state_or_country(text, name, offset, names[name], subdivisions)
        for name, offset in places.find(text, names)
    ]
    for name, offset in places.find(text, subdivisions):
        if len(name) > 3 and name not in names and name not in NOT_PLACES:
            found.append((subdivisions[name], offset, name, "subdivision"))
    found.sort(key=lambda hit: hit[1])
    violent = [any(p.search(s.lower()) for p in VIOLENCE) for s in article.sentences]
    return _described(article, found, violent)


# "Niger state", "Georgia State": a country's name that is also another country's state,
# named as a state (Niger State is Nigeria's; "Niger's state media" stays Niger's).
AS_A_STATE = re.compile(r"\s+state\b", re.IGNORECASE)


def _state_or_country(
    text: str, name: str, offset: int, code: str, subdivisions: dict[str, str]
) -> tuple[str, int, str, str]:
    state_of = subdivisions.get(name)
    if state_of not in (None, code) and AS_A_STATE.match(text, offset + len(name)):
        return (str(state_of), offset, name, "subdivision")
    return (code, offset, name, places.mention_kind(name))


def _foreign_mentions(article: Article) -> list[Mention]:
    """mentions() in an article in Spanish, French or Arabic: the countries named in its
    language, and in English where not (a name both write, "Colombia"), with its states and
    provinces; violence told in its words."""
    language = article.language
    own = article.places_named()
    taken = {(offset, offset + len(name)) for name, offset, _, _ in own}
    found = [(named.code, offset, name, named.kind) for name, offset, _, named in own]
    names = places.country_names()
    for name, offset in places.find(article.full, names):
        if not any(start <= offset < end for start, end in taken):
            found.append((names[name], offset, name, places.mention_kind(name)))
    subdivisions = places.subdivisions()
    own_names = languages.country_names(language)
    for name, offset in places.find(article.full, subdivisions):
        if (
            len(name) > 3
            and name not in names
            and name not in own_names
            and name not in NOT_PLACES
            and not any(start <= offset < end for start, end in taken)
        ):
            found.append((subdivisions[name], offset, name, "subdivision"))
    found.sort(key=lambda hit: hit[1])
    violent = [languages.violent(s, language) for s in article.sentences]
    return _described(article, found, violent)


def _described(
    article: Article, found: list[tuple[str, int, str, str]], violent: list[bool]
) -> list[Mention]:
    starts = _sentence_starts(article)
    out = []
    for code, offset, name, kind in found:
        index = _sentence_index(starts, offset)
        tail = article.full[offset + len(name) : offset + len(name) + 24]
        out.append(
            Mention(
                code,
                offset,
                kind,
                index,
                based=bool(BASED.match(tail)),
                violent=violent[index] if violent else False,
            )
        )
    return out


def _sentence_starts(article: Article) -> list[int]:
    starts, position = [], 0
    for sentence in article.sentences:
        start = article.full.find(sentence, position)
        starts.append(max(start, position))
        position = max(start, position)
    return starts


def _sentence_index(starts: list[int], offset: int) -> int:
    """The sentence an offset falls in (the starts never decrease)."""
    return max(bisect.bisect_right(starts, offset) - 1, 0)


def candidates(article: Article, found: list[Mention] | None = None) -> dict[str, Features]:
    """Country code -> its features, for every country the article names (its mentions, if
    already found)."""
    found = mentions(article) if found is None else found
    if not found:
        return {}
    by_code: dict[str, list[Mention]] = {}
    for mention in found:
        by_code.setdefault(mention.code, []).append(mention)
    title_end = len(article.title)
    # The first sentence of the body carries the dateline ("LAGOS, Nigeria -").
    first_body = 1 if article.title else 0
    order = sorted(by_code, key=lambda code: by_code[code][0].offset)
    counts = {code: len(items) for code, items in by_code.items()}
    most = max(counts.values())
    named = {code: [m for m in items if m.kind != "subdivision"] for code, items in by_code.items()}
    most_named = max(len(items) for items in named.values())
    length = max(len(article.full), 1)
    out: dict[str, Features] = {}
    for rank, code in enumerate(order):
        items = by_code[code]
        n = len(items)
        features: Features = {
            "first_rank": 1.0 / (1 + rank),
            "is_first": float(rank == 0),
            "first_position": items[0].offset / length,
            "log_count": math.log1p(n),
            "share": n / len(found),
            "is_most": float(n == most),
            "is_most_named": float(len(named[code]) == most_named and most_named > 0),
            "in_title": float(any(m.offset < title_end for m in items)),
            "in_dateline": float(any(m.sentence == first_body for m in items)),
            "in_lead": float(any(m.sentence < first_body + LEAD_SENTENCES for m in items)),
            "violent_share": sum(m.violent for m in items) / n,
            "any_violent": float(any(m.violent for m in items)),
            "based_share": sum(m.based for m in items) / n,
            "only_based": float(all(m.based for m in items)),
            "candidates": 1.0 / len(by_code),
            "alone": float(len(by_code) == 1),
        }
        for kind in ("name", "demonym", "place", "subdivision"):
            share = sum(m.kind == kind for m in items) / n
            if share:
                features[f"kind:{kind}"] = share
        out[code] = features
    return out
