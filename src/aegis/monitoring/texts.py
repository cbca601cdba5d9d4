"""Article text: reading pages and feeds, normalising, recognising the language, and the
MinHash signature that finds the same story told by two sources."""

from __future__ import annotations

import codecs
import datetime
import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from aegis.text import CONTROL

# The longest article text kept (pasted, uploaded or fetched): the extractor reads it whole,
# in the worker or in the request that pastes it (bench/monitoring.py times one this long).
TEXT_MAX = 200_000
SHINGLE = 3
SIGNATURE_SLOTS = 64
SIGNATURE_BYTES = 4 * SIGNATURE_SLOTS
# The same story: 40 of the 64 MinHash slots agree, an estimated Jaccard similarity of the
# two texts' word 3-shingles of 0.625 or more. A changed line or two in a short story keeps
# about 0.9 (58 slots, give or take 2.4); two different stories share next to none. A 64-bit
# SimHash within 6 bits, used before, caught a one-word change in a 75-word story only 6
# times in 10.
NEAR_DUPLICATE_SLOTS = 40

# A few very common words per language: enough to tell the languages Aegis's users write in
# apart on a news article, with no model to download.
_COMMON = {
    "en": "the and of to in was were is that for on with by said from his her",
    "es": "el la de que y en los las del por con para una fue según sus",
    "fr": "le la les de des et en du une est dans pour que sur par été",
    "pt": "o a os as de do da que em para com uma foi pelo pela não",
}
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalised_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _WORD.findall(folded)


# Folded as the text is ("según" is read as "segun"), or they never matched.
_STOPWORDS = {code: frozenset(normalised_words(words)) for code, words in _COMMON.items()}


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
    # Real prose has at least one very common word in twelve (English: about one in four),
    # and several different ones: a Kinyarwanda text's many "y'" had read as Spanish "y".
    distinct = len(_STOPWORDS[best].intersection(words))
    return best if distinct >= 3 and scores[best] * 12 >= len(words) else ""


def _shingle_hashes(text: str, key: bytes) -> np.ndarray:
    """The distinct word 3-shingles of the normalised text, each hashed to 64 bits (keyed
    blake2b where a `key` is given)."""
    words = normalised_words(text)
    if len(words) < SHINGLE:
        words = words + [""] * (SHINGLE - len(words))
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    return np.fromiter(
        (
            int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8, key=key).digest(), "big")
            for s in shingles
        ),
        dtype=np.uint64,
        count=len(shingles),
    )


def _constants(label: str) -> np.ndarray:
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(f"{label}{i}".encode(), digest_size=8).digest(), "big")
            | 1
            for i in range(SIGNATURE_SLOTS)
        ],
        dtype=np.uint64,
    )


# Multiply-shift hashing ((a * x + b) mod 2**64, top 32 bits): one function per slot.
_A, _B = _constants("aegis-minhash-a"), _constants("aegis-minhash-b")


def signature(text: str, key: bytes = b"") -> bytes:
    """The text's MinHash signature: for each of SIGNATURE_SLOTS hash functions, the least
    value over its word 3-shingles (32 bits each). Two texts agree on a slot with the
    probability that is the Jaccard similarity of their shingle sets. With a `key`
    (fingerprints.py) the shingles are hashed under it, so nobody without it can compute the
    signature of a published text."""
    hashes = _shingle_hashes(text, key)
    least = np.full(SIGNATURE_SLOTS, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, len(hashes), 4096):  # at most 2 MB at a time
        block = hashes[start : start + 4096, None] * _A[None, :] + _B[None, :]
        least = np.minimum(least, (block >> np.uint64(32)).min(axis=0))
    return least.astype("<u4").tobytes()


def shared_slots(a: bytes, b: bytes) -> int:
    """How many slots two signatures agree on (0 when either is missing)."""
    if len(a) != SIGNATURE_BYTES or len(b) != SIGNATURE_BYTES:
        return 0
    return int(np.count_nonzero(np.frombuffer(a, "<u4") == np.frombuffer(b, "<u4")))


def first_near(candidates: list[bytes], others: list[bytes]) -> int | None:
    """The index of the first of `others` that agrees with one of `candidates` on
    NEAR_DUPLICATE_SLOTS slots or more, else None (a block of signatures at once: a
    numpy comparison per row would cost a few microseconds each)."""
    usable = [i for i, other in enumerate(others) if len(other) == SIGNATURE_BYTES]
    wanted = [c for c in candidates if len(c) == SIGNATURE_BYTES]
    if not usable or not wanted:
        return None
    block = np.frombuffer(b"".join(others[i] for i in usable), "<u4").reshape(-1, SIGNATURE_SLOTS)
    near = np.zeros(len(usable), dtype=bool)
    for candidate in wanted:
        agree = np.count_nonzero(block == np.frombuffer(candidate, "<u4"), axis=1)
        near |= agree >= NEAR_DUPLICATE_SLOTS
    hits = np.flatnonzero(near)
    return usable[int(hits[0])] if hits.size else None


def lowered_scheme(url: str) -> str:
    """ "HTTP://x" as "http://x": a scheme is not case-sensitive (RFC 3986), and the address is
    kept, compared and checked in one form."""
    scheme, sep, rest = url.partition("://")
    return scheme.lower() + sep + rest if sep and scheme.isascii() and scheme.isalpha() else url


def web_address(url: str) -> bool:
    """An http(s) address with a host and a valid port, and no space, control or direction
    character (which would hide what the address really is)."""
    if not url.startswith(("http://", "https://")) or len(url) > 1000:
        return False
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    return bool(parts.hostname)


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def boilerplate(summaries: list[str]) -> frozenset[str]:
    """The sentences most of a feed's summaries share (a site's footer, "Read more on…"):
    in half of them and three at least. Left in, two short stories with a long footer share
    most of their words and the second reads as a near-duplicate of the first."""
    if len(summaries) < 3:
        return frozenset()
    seen = Counter(s for text in summaries for s in set(_SENTENCE_END.split(text)) if s)
    least = max(3, (len(summaries) + 1) // 2)
    return frozenset(sentence for sentence, n in seen.items() if n >= least)


def without_boilerplate(text: str, shared: frozenset[str]) -> str:
    """`text` less the `shared` sentences, unless nothing of its own would be left."""
    if not shared:
        return text
    own = [s for s in _SENTENCE_END.split(text) if s and s not in shared]
    return " ".join(own) if own else text


def body_of(title: str, text: str) -> str:
    """What the fingerprint is taken over: the body alone, since two outlets put their own
    headline on the same story (and pages repeat it as the text's first line)."""
    first, _, rest = text.partition("\n")
    if rest and normalised_words(first) == normalised_words(title):
        text = rest
    return text if len(text) > 200 else f"{title}\n{text}"


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
# A <meta charset> or <meta http-equiv content="…; charset=…"> in the page's first bytes (the
# HTML standard's prescan, simplified): not any "charset=" there, which a script may hold.
_META_CHARSET = re.compile(r"""<meta\b[^>]*?charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def declared_charset(content_type: str) -> str:
    """The charset a Content-Type header declares, "" when none."""
    found = _CHARSET.search(content_type or "")
    return found.group(1) if found else ""


def _codec(name: str) -> str:
    """Python's name of a text encoding, "" for one it lacks or that is none ("idna")."""
    try:
        codec = codecs.lookup(name)
    except LookupError:
        return ""
    # idna and punycode encode host names, not documents: read as their bytes they give
    # nothing, or garbage.
    text = getattr(codec, "_is_text_encoding", True) and codec.name not in {"idna", "punycode"}
    return codec.name if text else ""


def decode_page(body: bytes, content_type: str = "") -> str:
    """A fetched page's text, in the encoding the HTML standard picks: a byte-order mark
    first, then the charset of the header, then that of a <meta> (a page that says UTF-16
    there is read as UTF-8, since its <meta> could not have been read otherwise);
    undeclared, UTF-8 when it is that, else Windows-1252 (which older news sites send
    unsaid)."""
    for mark, encoding in _BOMS:
        if body.startswith(mark):
            return body.decode(encoding, "replace")
    codec = _codec(declared_charset(content_type))
    if not codec and (meta := _META_CHARSET.search(body[:4096].decode("ascii", "replace"))):
        codec = _codec(meta.group(1))
        codec = "utf-8" if codec.startswith(("utf-16", "utf-32")) else codec
    if codec:
        try:
            return body.decode(codec, "replace")
        except UnicodeError:
            pass  # a codec that decodes no bytes: as undeclared
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", "replace")


# What trafilatura reads of a longer page, its scripts and style sheets taken out first: its
# time grows faster than the page (a 4 MB page of links took 76 s); an article is far shorter.
PAGE_READ_CHARS = 1_000_000


def read_page(html: str, url: str = "") -> Page:
    """Title, main text, date and language of a web page (trafilatura), "" where missing."""
    import trafilatura

    from .extraction.text import without_code

    if len(html) > PAGE_READ_CHARS:  # (a page within it keeps its scripts' metadata)
        html = without_code(html)[:PAGE_READ_CHARS]
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
    from .extraction.text import TAG  # the tag pattern that reads stray "<" in linear time

    text = TAG.sub(" ", html)
    import html as html_module

    # "&#0;" and the like unescape to control characters, which a pasted text may not hold.
    return re.sub(r"\s+", " ", CONTROL.sub(" ", html_module.unescape(text))).strip()
