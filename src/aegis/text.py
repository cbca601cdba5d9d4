"""Characters that hide or disguise text, refused wherever people type or name things, and
the whole numbers people type or send (ids in addresses and forms).

Control characters (other than tab and line breaks) are never typed by a person. Direction
overrides and isolates make a value read differently on screen from what is stored (a file
"photo\u202egpj.exe" displays as "photoexe.jpg"); zero-width spaces and byte-order marks hide
inside names. Direction marks (U+200E/U+200F) and joiners (U+200C/U+200D) stay allowed:
Arabic, Persian and Hebrew text needs them."""

from __future__ import annotations

import re
import unicodedata

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
DIRECTION = "\u202a-\u202e\u2066-\u2069"  # overrides, embeddings and isolates
DISGUISING = re.compile(f"[{DIRECTION}\u200b\ufeff]")
DIRECTION_CHANGING = re.compile(f"[{DIRECTION}]")
# Shown as nothing in a one-line value (a name, a title): besides the zero-width space and
# the byte-order mark, the Mongolian vowel separator, the word joiner and invisible
# operators, and tag characters. Only one-line values refuse these: a narrative may hold a
# flag emoji, which is tag characters. (The soft hyphen stays: titles copied from web pages
# hold it, and it shows where it breaks a word.)
HIDDEN_IN_A_LINE = re.compile("[\u200b\ufeff\u180e\u2060-\u2064\U000e0000-\U000e007f]")
# Line breaks, the line and paragraph separators and NEL too: a "one-line" value holding
# one shows as two lines.
LINE_BREAKS = re.compile("[\n\r\u2028\u2029\x85]")


def has_control_characters(value: str) -> bool:
    return CONTROL.search(value) is not None


def has_disguising_characters(value: str) -> bool:
    return DISGUISING.search(value) is not None


def hides_in_a_line(value: str) -> bool:
    return HIDDEN_IN_A_LINE.search(value) is not None


def changes_direction(value: str) -> bool:
    return DIRECTION_CHANGING.search(value) is not None


def breaks_lines(value: str) -> bool:
    return LINE_BREAKS.search(value) is not None


def shows_nothing(value: str) -> bool:
    """Whether every character is one that shows as nothing: spaces, line breaks, format
    characters (zero-width spaces, joiners, direction marks) and controls. Such a value is
    empty to whoever reads it: a report of three zero-width spaces had been taken."""
    return all(unicodedata.category(c) in ("Zs", "Zl", "Zp", "Cf", "Cc") for c in value)


def whole_number(value: object) -> int | None:
    """The whole number a typed value is, or None. str.isdigit alone is not enough: it also
    accepts "²" and other digits that int() refuses, and such a value had made a 500."""
    text = "" if value is None else str(value)
    if not text.isdigit():
        return None
    try:
        return int(text)
    except ValueError:
        return None
