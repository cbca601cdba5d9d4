"""Article text: reading pages and feeds, normalising, recognising the language, and the
SimHash fingerprint that finds the same story told by two sources."""

from __future__ import annotations

import codecs
import datetime
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from aegis.text import CONTROL

# The longest article text kept (pasted, uploaded or fetched): the extractor reads it whole,
# in the worker or in the request that pastes it (bench/monitoring.py times one this long).
TEXT_MAX = 200_000
SIMHASH_BITS = 64
NEAR_DUPLICATE_DISTANCE = 6  # of 64 bits: the same story with a changed line or two
SHINGLE = 3

# A few very common words per language: enough to tell the languages Aegis's users write in
# apart on a news article, with no model to download.
_COMMON = {
    "en": "the and of to in was were is that for on with by said from his her",
    "es": "el la de que y en los las del por con para una fue según sus",
    "fr": "le la les de des et en du une est dans pour que sur par été",
    "pt": "o a os as de do da que em para com uma foi pelo pela não",
}
_STOPWORDS = {code: frozenset(words.split(" ")) for code, words in _COMMON.items()}
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalised_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _WORD.findall(folded)


def language_of(text: str) -> str:
    """An ISO 639-1 code, or "" when the text is in none of the languages recognised."""
    sample = text[:5000]
    if len(_ARABIC.findall(sample)) > len(sample) / 4:
        return "ar"
    words = normalised_words(sample)
    if len(words) < 8:
        return ""
    scores = {code: sum(w in stop for w in words) for code, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda code: scores[code])
    # Real prose has at least one very common word in twelve (English: about one in four).
    return best if scores[best] >= 2 and scores[best] * 12 >= len(words) else ""


def _hash64(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def simhash(text: str) -> int:
    """64-bit SimHash over word 3-shingles of the normalised text, as a signed integer (it
    is stored in a BigIntegerField)."""
    words = normalised_words(text)
    if len(words) < SHINGLE:
        words = words + [""] * (SHINGLE - len(words))
    weights = [0] * SIMHASH_BITS
    for i in range(len(words) - SHINGLE + 1):
        h = _hash64(" ".join(words[i : i + SHINGLE]))
        for bit in range(SIMHASH_BITS):
            weights[bit] += 1 if (h >> bit) & 1 else -1
    value = sum(1 << bit for bit in range(SIMHASH_BITS) if weights[bit] > 0)
    return value - (1 << 64) if value >= 1 << 63 else value


def distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def body_of(title: str, text: str) -> str:
    """What the fingerprint is taken over: the body alone, since two outlets put their own
    headline on the same story (and pages repeat it as the text's first line)."""
    first, _, rest = text.partition("\n")
    if rest and normalised_words(first) == normalised_words(title):
        text = rest
    return text if len(text) > 200 else f"{title}\n{text}"


def url_hash(url: str) -> str:
    return hashlib.sha256(url.strip().encode()).hexdigest()


@dataclass(frozen=True)
class Page:
    title: str
    text: str
    published: datetime.date | None
    language: str


def _date(value: Any) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


def decode_page(body: bytes, content_type: str = "") -> str:
    """A fetched page's text, in the charset its header or its <meta> declares; undeclared,
    UTF-8 when it is that, else Windows-1252 (which older news sites send unsaid)."""
    declared = _CHARSET.search(content_type) or _CHARSET.search(
        body[:4096].decode("ascii", "replace")
    )
    if declared:
        try:
            return body.decode(codecs.lookup(declared.group(1)).name, "replace")
        except LookupError:
            pass  # a charset Python does not know: read it as undeclared
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", "replace")


def read_page(html: str, url: str = "") -> Page:
    """Title, main text, date and language of a web page (trafilatura), "" where missing."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html, url=url or None, with_metadata=True, include_comments=False, favor_precision=True
    )
    if document is None:
        return Page("", "", None, "")
    fields = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    title = (fields.get("title") or "").strip()
    # Pages repeat their headline as the text's first line; the text is the body.
    first, _, rest = (fields.get("text") or "").strip().partition("\n")
    text = (
        rest.strip()
        if rest and normalised_words(first) == normalised_words(title)
        else (f"{first}\n{rest}".strip())
    )
    declared = str(fields.get("language") or "").split("-")[0].lower()[:8]
    return Page(
        title=title,
        text=text,
        published=_date(fields.get("date")),
        language=declared or language_of(text),
    )


def strip_html(html: str) -> str:
    """Text of a feed's summary (feedparser has sanitised it already)."""
    text = re.sub(r"<[^>]+>", " ", html)
    import html as html_module

    # "&#0;" and the like unescape to control characters, which a pasted text may not hold.
    return re.sub(r"\s+", " ", CONTROL.sub(" ", html_module.unescape(text))).strip()
