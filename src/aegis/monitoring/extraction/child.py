"""The extractor in a process of its own, for one batch of articles: the worker (or the web
process, for an analyst's pasted or uploaded article) starts it, writes the batch to its
standard input, reads the proposals from its standard output, and the process ends, giving
back the memory the model took (about 100 MB; DESIGN.md keeps the worker under 200 MB).
Nothing is written to disk: the texts go over the pipe.

    python -m aegis.monitoring.extraction.child < batch.json > proposals.json

In: {"folder": the organisation's model folder or null, "articles": [{"title", "text",
"published" (ISO date or null), "language" ("" to recognise it)}, ...]}. Out: {"proposals":
[...]}, one per article in order: the extraction as plain data with "model" (what it learnt
from), or {"error": the exception's name} for an article the extractor failed on. No Django
here or in what the extractor imports (the labels' mapping to Aegis's vocabularies, labels.py,
is read by the drafts, not by the extractor): Django's imports had been half the start. The
server's side is monitoring/extracting.py."""

from __future__ import annotations

import dataclasses
import datetime
import json
import sys
from pathlib import Path
from typing import Any

from . import pipeline


def extract_batch(batch: dict[str, Any]) -> list[dict[str, Any]]:
    """The proposals for the batch's articles, in order; one article's failure is its own."""
    folder = Path(batch["folder"]) if batch.get("folder") else None
    proposals: list[dict[str, Any]] = []
    for item in batch["articles"]:
        try:
            extractor = pipeline.in_use(folder)
            published = item.get("published")
            day = datetime.date.fromisoformat(published) if published else None
            found = dataclasses.asdict(
                extractor.extract(
                    str(item.get("title") or ""),
                    str(item.get("text") or ""),
                    day,
                    str(item.get("language") or ""),
                )
            )
            found["model"] = {"articles": extractor.trained_on, "decisions": extractor.decisions}
        except Exception as error:  # the exception's name only: its message may quote the text
            found = {"error": type(error).__name__}
        proposals.append(found)
    return proposals


def main() -> int:
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever else prints cannot spoil the answer
    batch = json.loads(sys.stdin.buffer.read())
    answer = {"proposals": extract_batch(batch)}
    # A lone surrogate quoted from a text has no UTF-8 form: replaced, not the whole answer lost.
    out.write(json.dumps(answer, ensure_ascii=False, default=str).encode("utf-8", "replace"))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
