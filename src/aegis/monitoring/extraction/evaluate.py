"""Running the extractor over HRDsAttack records and scoring it (the bench and the command)."""

from __future__ import annotations

import copy
from typing import Any

from . import features as F
from .pipeline import Extractor
from .schema import given_victim_names, merged_sample, publish_date, text_field, victim_record


def predict(
    extractor: Extractor, records: list[dict[str, Any]], given_victims: bool = False
) -> list[dict[str, Any]]:
    out = []
    for record in records:
        sample = record["sample"]
        title = text_field(sample, "Input.title")
        body = text_field(sample, "Input.article_interface")
        published = publish_date(sample)
        article = F.Article.make(title, body, published)
        merged = merged_sample(extractor.extract_article(article))
        if given_victims:
            names = given_victim_names(record)
            merged["gold_victim_answers"] = [
                victim_record(i, extractor.describe(article, name, 1.0, victims=names))
                for i, name in enumerate(names, start=1)
            ]
        # The record as read (its other keys too), its merged_sample the prediction.
        kept = {k: copy.deepcopy(v) for k, v in record.items() if k != "merged_sample"}
        out.append({**kept, "merged_sample": merged})
    return out
