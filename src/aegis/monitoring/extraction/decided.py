"""The analysts' decisions as training records (`aegis monitoring train --decisions`).

A model is plain arrays on disk, readable by anyone with the disk, and its feature names are
words of the texts it learnt from. Learnt from the organisation's own articles, it could write
the names of the people it protects there in clear. So a decided article teaches only the
article-level models (perpetrator mention and type, violation types), and only through the
public dataset's ordinary words: every word the HRDsAttack articles never write in lower case
(a name, a place, a number) is taken out of its text before it is read, and the vocabularies
(words, character n-grams) are the public articles' alone (train.train). The victim, name and
place models learn from the public data only."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from . import labels
from . import text as textmod

# Proposals whose values an analyst confirmed (a rejected one says nothing about the labels).
CONFIRMED = ("accepted", "merged")
# Where a capitalised word starts a sentence ("Police raided..."), it may be an ordinary word.
SENTENCE_START = re.compile(r"(?:^|[.!?:;\"'\u201c\u2018(\n-])\s*$")


def ordinary_words(articles: Iterable[Any]) -> frozenset[str]:
    """The words the public articles write in lower case somewhere (features.Article.lowered)."""
    words: set[str] = set()
    for article in articles:
        words |= article.lowered
    return frozenset(words)


def masked(text: str, ordinary: frozenset[str]) -> str:
    """The plain text with only ordinary words left: a word is kept where it is one written in
    lower case, or capitalised at a sentence's start; names, places and numbers are dropped."""
    kept: list[str] = []
    for line in textmod.html_to_text(text).split("\n"):
        words: list[str] = []
        for match in textmod.WORD.finditer(line):
            word = match.group()
            lowered = word.lower()
            if lowered in ordinary and (
                word == lowered
                or (word[1:] == lowered[1:] and SENTENCE_START.search(line[: match.start()]))
            ):
                words.append(word)
            # A sentence's end stays, after a word dropped too, so that sentences are still
            # told apart.
            end = line[match.end() : match.end() + 1]
            if end in (".", "!", "?") and words and words[-1][-1] not in ".!?":
                words[-1] += end
        kept.append(" ".join(words))
    return "\n".join(line for line in kept if line)


def labels_of(row: dict[str, Any]) -> dict[str, Any] | None:
    """The dataset's labels for a decision (selectors.decisions_for_training's row), or None
    where it confirms nothing. An edited draft speaks in Aegis's classes (mapped back); an
    unedited acceptance confirms the extractor's own labels."""
    if row.get("status") not in CONFIRMED:
        return None
    decided = row.get("decided")
    if decided:
        mention = bool(decided.get("perpetrator_mentioned"))
        kind = labels.dataset_perpetrator(str(decided.get("perpetrator_type") or ""))
        violations = labels.dataset_violations(list(decided.get("violation_types") or []))
    else:
        extracted = row.get("extracted") or {}
        if not extracted:
            return None  # the extractor had failed: nothing was proposed to confirm
        mention = bool(_value(extracted, "perpetrator_mention"))
        found = _value(extracted, "perpetrator_type")
        kind = found if found in labels.PERPETRATOR_TYPES else None
        violations = [
            str(g.get("value"))
            for g in extracted.get("violation_types") or []
            if isinstance(g, dict) and g.get("value") in labels.VIOLATION_TYPES
        ] or [labels.UNKNOWN_VIOLATION]
    return {
        "perpetrator_mention": mention,
        "perpetrator_type": kind if mention else None,
        "violation_types": violations,
        "country": None,
        "region": None,
        "city": None,
        "victims": [],
    }


def _value(extracted: dict[str, Any], name: str) -> Any:
    guess = extracted.get(name)
    return guess.get("value") if isinstance(guess, dict) else None


def records(rows: Iterable[dict[str, Any]], ordinary: frozenset[str]) -> list[dict[str, Any]]:
    """Training records in the dataset's shape, their texts masked, for the confirmed
    decisions among `rows`."""
    out = []
    for row in rows:
        merged = labels_of(row)
        if merged is None:
            continue
        sample = {
            "Input.title": masked(str(row.get("title") or ""), ordinary),
            "Input.article_interface": masked(str(row.get("text") or ""), ordinary),
            "Input.publish_date": row.get("published"),
        }
        out.append({"sample": sample, "merged_sample": merged})
    return out
