"""Keeping an article: encrypted under its own key, recognised when the same story came
before (by address, or by a near-identical text from another source), proposed to the
analysts when it is new, and checked for names of protected people."""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aegis import clock
from aegis.audit import services as audit
from aegis.rules import RuleError

from . import keys, mentions, texts
from .models import Article, Proposal

log = logging.getLogger(__name__)
DUPLICATE_WINDOW_DAYS = 60


def seen(url: str) -> bool:
    return bool(url) and Article.objects.filter(url_hash=texts.url_hash(url)).exists()


def near_duplicate(fingerprint: int) -> Article | None:
    """The first kept article of the same story: SimHash within NEAR_DUPLICATE_DISTANCE bits,
    among the originals of the last DUPLICATE_WINDOW_DAYS days (the fingerprints are
    compared in memory: a few thousand integers)."""
    since = clock.now() - datetime.timedelta(days=DUPLICATE_WINDOW_DAYS)
    rows = (
        Article.objects.filter(duplicate_of=None, fetched_at__gte=since)
        .order_by("pk")
        .values_list("pk", "simhash")
    )
    for pk, other in rows.iterator():
        if texts.distance(fingerprint, other) <= texts.NEAR_DUPLICATE_DISTANCE:
            return Article.objects.get(pk=pk)
    return None


def run_extractor(title: str, text: str, published: datetime.date | None) -> dict[str, Any]:
    """The extractor's proposal as plain data ({} when it fails: the analyst still sees the
    article). Imported here: loading the model is only worth it where articles are read."""
    try:
        from .extraction import extract

        result = extract(title, text, published)
    except Exception as error:
        log.error("monitoring: the extractor failed: %s", type(error).__name__)
        return {}
    return dataclasses.asdict(result)


@transaction.atomic
def ingest(
    *,
    origin: str,
    title: str,
    text: str,
    url: str = "",
    published: datetime.date | None = None,
    language: str = "",
    source: Any = None,
    actor_id: int | None = None,
) -> Article | None:
    """Keep a new article and propose it (or mark it a duplicate); None when its address
    was seen already. The caller's key context receives the new key."""
    title, text, url = title.strip()[:1000], text.strip(), url.strip()
    if not text and not title:
        raise RuleError(_("The article has no text."), "text")
    if len(text) > texts.TEXT_MAX:
        raise RuleError(_("The article is too long to keep."), "text")
    if seen(url):
        return None
    body = texts.body_of(title, text)
    fingerprint = texts.simhash(body)
    # With no word ("🔥🔥", "!!!") every such text has the same fingerprint: no story to match.
    original = near_duplicate(fingerprint) if texts.normalised_words(body) else None
    article = Article.objects.create(
        source=source,
        origin=origin,
        data_key=keys.new_key(keys.ARTICLE_PURPOSE),
        url=url,
        title=title,
        text=text,
        url_hash=texts.url_hash(url) if url else "",
        simhash=fingerprint,
        language=language[:8],
        published=published,
        duplicate_of=original,
        fetched_at=clock.now(),
        added_by_id=actor_id,
    )
    audit.record(
        "monitoring.article", actor_id=actor_id, object_type="article", object_id=article.pk
    )
    extracted: dict[str, Any] = {}
    if original is None:
        extracted = run_extractor(title, text, published)
        Proposal.objects.create(
            article=article,
            data_key=article.data_key,
            extracted=json.dumps(extracted, ensure_ascii=False, default=str),
            edited="",
            is_attack=bool(extracted.get("is_attack")),
            confidence=float(extracted.get("confidence") or 0.0),
            created_at=clock.now(),
        )
    mentions.check(article, extracted)
    return article
