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

# Proposals whose values an analyst confirmed: accepted ones (the analyst saw the draft, as
# proposed or edited) and merged ones they edited (a merge alone says "the same incident",
# not that its labels are right). A rejected one says nothing about the labels.
CONFIRMED = ("accepted", "merged")
# What ends a sentence, so that a capitalised word after it ("Police raided...") may be an
# ordinary word; after an abbreviation or an initial ("Mr. Hope", "J. Rose") it is a name.
SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)]*$")
# What lies between a word and the next.
GAP = re.compile(r"[^A-Za-z\u00c0-\u024f\d]*")


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
                or (word[1:] == lowered[1:] and _starts_sentence(line[: match.start()]))
            ):
                words.append(word)
            # A sentence's end stays, after a word dropped too, so that sentences are still
            # told apart.
            gap = GAP.match(line, match.end())
            end = next((c for c in gap.group() if c in ".!?"), "") if gap else ""
            if end and words and words[-1][-1] not in ".!?":
                words[-1] += end
        kept.append(" ".join(words))
    return "\n".join(line for line in kept if line)


def _starts_sentence(before: str) -> bool:
    before = before.rstrip()
    return not before or (
        SENTENCE_END.search(before) is not None and not textmod.ABBREVIATION.search(before)
    )


def labels_of(row: dict[str, Any]) -> dict[str, Any] | None:
    """The dataset's labels for a decision (selectors.decisions_for_training's row), or None
    where it confirms nothing. They are read from the draft the analyst saw: the edited one,
    or the extractor's as drafts.from_extraction maps it (a dataset label Aegis shows as
    "unknown" teaches nothing; no violation found was shown as "other"). Aegis's classes map
    back to the dataset's labels (labels.dataset_perpetrator, labels.dataset_violations)."""
    decided = row.get("decided")
    if row.get("status") not in CONFIRMED or (row.get("status") != "accepted" and not decided):
        return None
    if not decided:
        extracted = row.get("extracted") or {}
        if not extracted:
            return None  # the extractor had failed: nothing was proposed to confirm
        found = [
            str(g.get("value"))
            for g in extracted.get("violation_types") or []
            if isinstance(g, dict)
        ]
        decided = {
            "perpetrator_mentioned": bool(_value(extracted, "perpetrator_mention")),
            "perpetrator_type": labels.aegis_perpetrator(_value(extracted, "perpetrator_type")),
            "violation_types": labels.aegis_violations(found) or ["other"],
        }
    mention = bool(decided.get("perpetrator_mentioned"))
    kind = labels.dataset_perpetrator(str(decided.get("perpetrator_type") or ""))
    violations = labels.dataset_violations(list(decided.get("violation_types") or []))
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
