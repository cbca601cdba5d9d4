"""The worker's and the web process's extraction: a batch of articles (a poll's new entries,
or an analyst's pasted or uploaded article, manual.py) read by a short-lived process
(extraction/child.py) that loads the model, extracts the batch and ends, so that neither
process ever holds the model (DESIGN.md: worker resident memory <= 200 MB; the model takes
about 100 MB, which a web worker would keep for its lifetime). The texts go over a pipe,
never to disk. One start (the interpreter and the model's load, about 1 s) per batch, not per
article. A process that fails, runs past its time or answers something unreadable leaves
each article of its batch with no proposal ({}), as an extractor failure does in the process
(articles.run_extractor): the analyst sees the article and is told the extractor could not
read it (at once, where the analyst pasted it), and the worker goes on."""

from __future__ import annotations

import datetime
import json
import logging
import subprocess
import sys
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)
# The process's start and the model's load (about 1 s on a laptop), with room for a loaded
# machine; then each article (0.1 s on average on dev, 1.6 s for the longest kept).
START_SECONDS = 60.0
ARTICLE_SECONDS = 10.0
# -I: the child's imports come from the installation alone, never from the server's current
# folder or PYTHON* variables.
CHILD = [sys.executable, "-I", "-m", "aegis.monitoring.extraction.child"]

Item = tuple[str, str, datetime.date | None, str]  # title, text, publish date, language


def timeout(count: int) -> float:
    return START_SECONDS + ARTICLE_SECONDS * count


def in_child(items: list[Item]) -> list[dict[str, Any]]:
    """The proposal for each article (title, text, publish date, language), in order, as
    articles.run_extractor gives it; {} for one the extractor could not read."""
    if not items:
        return []
    folder = settings.AEGIS_MONITORING_MODEL_DIR
    batch = {
        "folder": str(folder) if folder else None,
        "articles": [
            {
                "title": title,
                "text": text,
                "published": published.isoformat() if published else None,
                "language": language,
            }
            for title, text, published, language in items
        ],
    }
    failed = f"monitoring: the extraction process for {len(items)} articles"
    try:
        done = subprocess.run(  # this interpreter, a module of ours
            CHILD,
            # A lone surrogate has no UTF-8 form: replaced, so one text never sinks the batch.
            input=json.dumps(batch, ensure_ascii=False).encode("utf-8", "replace"),
            capture_output=True,  # its errors are dropped: a message may quote an article
            timeout=timeout(len(items)),
            check=False,
        )
    except subprocess.TimeoutExpired:
        log.error("%s ran past %.0f s and was stopped", failed, timeout(len(items)))
        return [{} for _ in items]
    except OSError as error:
        log.error("%s could not start: %s", failed, type(error).__name__)
        return [{} for _ in items]
    if done.returncode != 0:
        log.error("%s ended with status %s", failed, done.returncode)
        return [{} for _ in items]
    try:
        proposals = json.loads(done.stdout)["proposals"]
        if not isinstance(proposals, list) or len(proposals) != len(items):
            raise ValueError
        if not all(isinstance(p, dict) for p in proposals):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        log.error("%s gave an answer that cannot be read", failed)
        return [{} for _ in items]
    found: list[dict[str, Any]] = []
    for proposal in proposals:
        if "error" in proposal:
            log.error("monitoring: the extractor failed: %s", proposal["error"])
            proposal = {}
        found.append(proposal)
    return found
