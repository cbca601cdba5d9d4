"""Running the extractor over HRDsAttack records and scoring it (the bench and the command)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import features as F
from .pipeline import Extractor
from .schema import given_victims as victims_given
from .schema import merged_sample, publish_date, text_field, victim_record


def predict(
    extractor: Extractor,
    records: list[dict[str, Any]],
    given_victims: bool = False,
    progress: Callable[[int], Any] | None = None,
) -> list[dict[str, Any]]:
    """Each record with its predicted merged_sample (`progress` is told of each one done)."""
    out = []
    for record in records:
        # A record without its sample is an article with no text (the command says so).
        sample = record["sample"] if isinstance(record.get("sample"), dict) else {}
        title = text_field(sample, "Input.title")
        body = text_field(sample, "Input.article_interface")
        published = publish_date(sample)
        article = F.Article.make(title, body, published)
        merged = merged_sample(extractor.extract_article(article))
        if given_victims:
            given = victims_given(record)
            names = [name for _, name in given]
            merged["gold_victim_answers"] = [
                victim_record(idx, extractor.describe(article, name, 1.0, victims=names))
                for idx, name in given
            ]
        # The record as read (its other keys too), its merged_sample the prediction. Shared,
        # not copied: nothing changes them, and a copy of a deeply nested value had run out
        # of Python's recursion.
        kept = {k: v for k, v in record.items() if k != "merged_sample"}
        out.append({**kept, "merged_sample": merged})
        if progress is not None:
            progress(1)
    return out
