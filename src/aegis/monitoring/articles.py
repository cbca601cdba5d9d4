"""Keeping an article: encrypted under its own key, recognised when the same story came
before (by address, or by a near-identical text from another source), proposed to the
analysts when it is new, and checked for names of protected people."""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import json
import logging
import math
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from aegis import clock
from aegis.audit import services as audit
from aegis.rules import RuleError

from . import decisions, extracting, fingerprints, keys, mentions, texts
from .models import Article, Proposal
from .vocabulary import ProposalStatus

log = logging.getLogger(__name__)
DUPLICATE_WINDOW_DAYS = 60
BLOCK = 2000  # signatures compared at once (half a megabyte)
CONFIDENCE_STEP = 0.1


def seen(url: str) -> bool:
    """Whether an article from this address is kept."""
    return _seen(url, fingerprints.key())


def _seen(url: str, secret: bytes | None) -> bool:
    hashes = fingerprints.url_hashes(url, secret) if url else []
    return bool(hashes) and Article.objects.filter(url_hash__in=hashes).exists()


def seen_elsewhere(url: str, source: Any) -> bool:
    """Whether an article from this address is kept, but none from `source`: a web page
    source whose page came in from another (a feed's entry, an analyst's paste)."""
    hashes = fingerprints.url_hashes(url, fingerprints.key()) if url else []
    kept = Article.objects.filter(url_hash__in=hashes)
    return bool(hashes) and kept.exists() and not kept.filter(source=source).exists()


def seen_text(
    source: Any, title: str, text: str, boilerplate: frozenset[str] = frozenset()
) -> bool:
    """Whether the source sent this text before: how an entry with no address is known at
    every poll it comes back in (ingest keeps it once)."""
    return _same_text(source, _signatures(title, text, boilerplate, fingerprints.key()))


def _signatures(
    title: str, text: str, boilerplate: frozenset[str], secret: bytes | None
) -> tuple[str, list[bytes]]:
    """The text's body (title and text, the feed's footer left out) and its signatures."""
    title, text = title.strip()[:1000], text.strip()
    body = texts.body_of(title, texts.without_boilerplate(text, boilerplate))
    return body, fingerprints.signatures(body, secret)


def _same_text(source: Any, read: tuple[str, list[bytes]]) -> bool:
    signatures = read[1]
    return (
        source is not None
        and Article.objects.filter(source=source, signature__in=signatures).exists()
    )


def near_duplicate(candidates: list[bytes]) -> Article | None:
    """The first kept article of the same story: NEAR_DUPLICATE_SLOTS of its MinHash slots
    agree with one of the text's signatures (fingerprints.signatures), among the originals
    of the last DUPLICATE_WINDOW_DAYS days (compared in memory: a few thousand rows)."""
    since = clock.now() - datetime.timedelta(days=DUPLICATE_WINDOW_DAYS)
    rows = (
        Article.objects.filter(duplicate_of=None, fetched_at__gte=since)
        .order_by("pk")
        .values_list("pk", "signature")
    )
    kept = rows.iterator(chunk_size=BLOCK)
    while block := list(itertools.islice(kept, BLOCK)):
        found = texts.first_near(candidates, [bytes(signature) for _, signature in block])
        if found is not None:
            return Article.objects.get(pk=block[found][0])
    return None


def queue_confidence(extracted: dict[str, Any]) -> float:
    """The confidence the queue is ranked by, kept in clear for its index: in steps of
    CONFIDENCE_STEP, as the extractor's exact figure, recomputed from a public article, would
    tell which article a row is (the exact one stays in the encrypted proposal)."""
    value = float(extracted.get("confidence") or 0.0)
    value = min(max(value, 0.0), 1.0) if math.isfinite(value) else 0.0
    return round(round(value / CONFIDENCE_STEP) * CONFIDENCE_STEP, 2)


def run_extractor(
    title: str, text: str, published: datetime.date | None, language: str = ""
) -> dict[str, Any]:
    """The extractor's proposal as plain data ({} when it fails: the analyst still sees the
    article), with what the model learnt from, which the proposal's page says. Imported
    here: loading the model is only worth it where articles are read. `language`: the
    article's, as its source or page says (else the extractor recognises it)."""
    try:
        from .extraction import pipeline

        extractor = pipeline.in_use(settings.AEGIS_MONITORING_MODEL_DIR)
        result = dataclasses.asdict(extractor.extract(title, text, published, language))
    except Exception as error:
        log.error("monitoring: the extractor failed: %s", type(error).__name__)
        return {}
    result["model"] = {"articles": extractor.trained_on, "decisions": extractor.decisions}
    return result


def run_extractors(items: list[extracting.Item]) -> list[dict[str, Any]]:
    """run_extractor for each article of a batch: in a process of its own that ends after it
    (extracting.in_child), so that the worker and the web process never hold the model; in
    this one where AEGIS_MONITORING_EXTRACT_IN_CHILD is off."""
    if settings.AEGIS_MONITORING_EXTRACT_IN_CHILD:
        return extracting.in_child(items)
    return [run_extractor(*item) for item in items]


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
    boilerplate: frozenset[str] = frozenset(),
    extracted: dict[str, Any] | None = None,
    page_status: str = "",
    page_detail: str = "",
) -> Article | None:
    """Keep a new article and propose it (or mark it a duplicate); None when its address
    was seen already, or, for one without an address, the same text from the same source
    was (a feed entry with no link comes back at every poll). The caller's key context
    receives the new key. `boilerplate`: sentences its feed's summaries share (a site's
    footer), left out of its fingerprint, never out of the text kept, read and checked for
    names (texts.boilerplate). `extracted`: the article's reading where it was read before
    (the worker reads a poll's new entries at once, manual.py an analyst's article, both with
    run_extractors, before this transaction); else it is read here, in this process.
    `page_status`, `page_detail`: why a feed entry's page could not be read, so that the
    text is only the feed's summary (Article.page_status)."""
    title, text, url = title.strip()[:1000], text.strip(), url.strip()
    if not text and not title:
        raise RuleError(_("The article has no text."), "text")
    if len(text) > texts.TEXT_MAX:
        raise RuleError(_("The article is too long to keep."), "text")
    secret = fingerprints.key()
    if _seen(url, secret):
        return None
    read = _signatures(title, text, boilerplate, secret)
    if not url and _same_text(source, read):
        return None
    body, signatures = read
    # With no word ("🔥🔥", "!!!") every such text has the same fingerprint: no story to match.
    original = near_duplicate(signatures) if texts.normalised_words(body) else None
    article = Article.objects.create(
        source=source,
        origin=origin,
        data_key=keys.new_key(keys.ARTICLE_PURPOSE),
        url=url,
        title=title,
        text=text,
        url_hash=fingerprints.url_hashes(url, secret)[0] if url else "",
        signature=signatures[0],
        language=language[:8],
        published=published,
        duplicate_of=original,
        fetched_at=clock.now(),
        added_by_id=actor_id,
        page_status=page_status,
        page_detail=page_detail[:200],
    )
    audit.record(
        "monitoring.article", actor_id=actor_id, object_type="article", object_id=article.pk
    )
    decided = getattr(original, "proposal", None) if original is not None else None
    if decided is not None and decided.status in (ProposalStatus.ACCEPTED, ProposalStatus.MERGED):
        decisions.offer_copy(article, decided, actor_id=actor_id)
    if original is not None:
        extracted = {}  # a duplicate: the story is proposed once, from the first article
    else:
        if extracted is None:
            extracted = run_extractor(title, text, published, language)
        extracted = mentions.with_name_indexes(extracted)
        Proposal.objects.create(
            article=article,
            data_key=article.data_key,
            extracted=json.dumps(extracted, ensure_ascii=False, default=str),
            edited="",
            is_attack=bool(extracted.get("is_attack")),
            confidence=queue_confidence(extracted),
            created_at=clock.now(),
        )
    if mentions.check(article, extracted) is None:
        mentions.check_later(article)
    return article
