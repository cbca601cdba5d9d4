"""Article text: HTML to plain paragraphs, sentences and word tokens (no model, no network)."""

from __future__ import annotations

import html
import re

# A tag holds no "<": a stray "<" then ends a scan at the next one, so a page of them is read
# in linear time (with "[^>]" each "<" scanned to the end of the text: minutes for 2 MB).
TAG = re.compile(r"<[^<>]+>")
BLOCK = re.compile(r"</?(?:p|div|br|li|h[1-6]|tr|blockquote)\b[^<>]*>", re.IGNORECASE)
CODE = re.compile(r"<(script|style|noscript|template)\b", re.IGNORECASE)
SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")
# A sentence ends at . ! ? (and a closing quote) before a space and a capital, digit or quote;
# common abbreviations and initials do not end one.
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]*\s+(?=[\"'\u201c\u2018(]*[A-Z0-9])")
ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Col|Lt|Sgt|Capt|Maj|Rev|St|Jr|Sr|No|Gov|Sen|Rep|Hon|"
    r"Inc|Ltd|Co|Corp|vs|etc|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|U\.S|U\.N|"
    r"U\.K)|\b[A-Z])\.$"
)
WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f'\u2019-]*|\d+")


def html_to_text(markup: str) -> str:
    """Paragraphs separated by a blank line, entities decoded, whitespace collapsed; what
    scripts and style sheets hold is no text of the article."""
    text = BLOCK.sub("\n", without_code(markup or ""))
    text = html.unescape(TAG.sub(" ", text))
    lines = (SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def without_code(markup: str) -> str:
    """The markup less its script, style, noscript and template elements (one left open runs
    to the end), one pass over the text."""
    if "<" not in markup:
        return markup
    lowered = markup.lower()
    kept: list[str] = []
    at = 0
    while found := CODE.search(markup, at):
        kept.append(markup[at : found.start()])
        close = lowered.find("</" + found.group(1).lower(), found.end())
        if close < 0:
            return "".join(kept)
        end = lowered.find(">", close)
        at = len(markup) if end < 0 else end + 1
    kept.append(markup[at:])
    return "".join(kept)


# In Spanish, French and Arabic a sentence may also open with an accented capital, an
# opening question or exclamation mark, a guillemet or an Arabic letter, and end with Arabic's
# question mark.
FOREIGN_SENTENCE_END = re.compile(
    r"(?<=[.!?\u061f])[\"'\u201d\u2019)\u00bb]*\s+"
    r"(?=[\"'\u201c\u2018(\u00ab\u00bf\u00a1]*[A-Z0-9\u00c0-\u00de\u0621-\u064a\u0660-\u0669])"
)


def sentences(text: str, foreign: bool = False) -> list[str]:
    """The text's sentences, paragraph by paragraph (a paragraph never joins the next);
    `foreign`: the text is in Spanish, French or Arabic."""
    out: list[str] = []
    split = FOREIGN_SENTENCE_END.split if foreign else SENTENCE_END.split
    for paragraph in text.split("\n"):
        pieces = split(paragraph.strip())
        current = ""
        for piece in pieces:
            current = f"{current} {piece}".strip() if current else piece
            if not ABBREVIATION.search(current):
                out.append(current)
                current = ""
        if current:
            out.append(current)
    return [sentence for sentence in out if sentence]


def words(text: str) -> list[str]:
    return WORD.findall(text)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of two letters or more (numbers kept): the classifiers' input."""
    return [w.lower() for w in WORD.findall(text) if len(w) > 1 or w.isdigit()]
