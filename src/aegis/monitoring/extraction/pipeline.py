"""The extractor: article in, Extraction out."""

from __future__ import annotations

from datetime import date

from . import text as textmod
from .types import Extraction, Guess, VictimGuess

KEYWORDS = {
    "killing": ("killed", "murdered", "shot dead", "killing", "murder"),
    "kidnapping": ("kidnapped", "abducted", "abduction", "kidnapping"),
    "arbitrary detention": ("arrested", "detained", "detention", "jailed", "custody"),
    "torture": ("torture", "tortured", "beaten"),
    "enforced disappearance": ("disappeared", "disappearance"),
}


def _plain(title: str, body: str) -> tuple[str, list[str]]:
    plain = textmod.html_to_text(body) if "<" in body else body
    return plain, textmod.sentences(f"{title}\n{plain}" if title else plain)


def extract(title: str, text: str, published: date | None = None) -> Extraction:
    """The proposal for one article (title, its text or HTML, its publish date)."""
    plain, sents = _plain(title, text)
    lowered = plain.lower()
    violations = tuple(
        Guess(label, 0.5) for label, words in KEYWORDS.items() if any(w in lowered for w in words)
    )
    return Extraction(
        is_attack=bool(violations),
        confidence=0.5 if violations else 0.1,
        perpetrator_mention=Guess(True, 0.9),
        perpetrator_type=Guess("state actor", 0.5),
        violation_types=violations,
        victims=(),
        country=Guess(None),
        region=Guess(None),
        city=Guess(None),
        year=Guess(published.year if published else None, 0.5),
        month=Guess(None),
        day=Guess(None),
    )


def describe_victims(
    title: str, text: str, names: list[str], published: date | None = None
) -> tuple[VictimGuess, ...]:
    """Attributes for victims whose names are given (an analyst confirmed them)."""
    return tuple(VictimGuess(name=name) for name in names)
