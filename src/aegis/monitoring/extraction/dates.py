"""When the attack happened: dates written in the article, resolved against its publish date
(a weekday or "yesterday" before it, a month without a year in the publish year or the year
before)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, timedelta

MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
# Months in the other languages monitored sources are often in (Spanish, French,
# Portuguese, Arabic's two sets of names), written in full: "3 de diciembre de 2026",
# "1er décembre 2026", "1 ديسمبر 2026". The dataset is English; these are for the news an
# organisation reads.
FOREIGN_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("enero", "janvier", "janeiro", "يناير", "كانون الثاني"),
            ("febrero", "février", "fevereiro", "فبراير", "شباط"),
            ("marzo", "mars", "março", "مارس", "آذار"),
            ("abril", "avril", "أبريل", "ابريل", "نيسان"),
            ("mayo", "mai", "maio", "مايو", "أيار"),
            ("junio", "juin", "junho", "يونيو", "حزيران"),
            ("julio", "juillet", "julho", "يوليو", "تموز"),
            ("agosto", "août", "أغسطس", "آب"),
            ("septiembre", "setiembre", "septembre", "setembro", "سبتمبر", "أيلول"),
            ("octubre", "octobre", "outubro", "أكتوبر", "تشرين الأول"),
            ("noviembre", "novembre", "novembro", "نوفمبر", "تشرين الثاني"),
            ("diciembre", "décembre", "dezembro", "ديسمبر", "كانون الأول"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
PATTERNS = (
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>(?:19|20)\d\d))?\b"),
    re.compile(
        r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?"
        + _MONTH
        + r"(?:,?\s+(?P<year>(?:19|20)\d\d))?\b"
    ),
    re.compile(
        r"\b(?:in|since|of|from|until|by|early|late|mid-?)\s+"
        + _MONTH
        + r"(?:,?\s+(?P<year>(?:19|20)\d\d))?\b"
    ),
    re.compile(_MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b"),
)
FOREIGN = re.compile(
    r"(?<!\w)(?P<day>\d{1,2})(?:er|º|°)?\s+(?:de\s+)?(?P<month>"
    + "|".join(sorted(map(re.escape, FOREIGN_MONTHS), key=len, reverse=True))
    + r")(?:,?\s+(?:de\s+|del\s+)?(?P<year>\d{4}))?(?!\w)",
    re.IGNORECASE,
)
YEAR = re.compile(r"(?<![\d$£€])\b(?P<year>(?:19[5-9]|20[0-4])\d)\b(?!\s*(?:%|percent))")
WEEKDAY = re.compile(
    r"\b(?:on|last|this|late|early)\s+(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
RELATIVE = re.compile(
    r"\b(?P<word>yesterday|today|last night|this morning|earlier this week)\b", re.I
)


@dataclass(frozen=True)
class DateMention:
    year: int | None
    month: int | None
    day: int | None
    offset: int
    kind: str  # explicit, weekday, relative, year
    year_written: bool = False  # an explicit date that writes its year ("May 5, 2020")


def _resolve_year(month: int, day: int | None, published: date | None) -> int | None:
    if published is None:
        return None
    candidate = date(published.year, month, min(day or 1, 28))
    return published.year - 1 if candidate > published + timedelta(days=2) else published.year


# A publish date this near the calendar's ends ("0001-01-01", "9999-12-31": a feed's or a
# file's placeholder) is read as none: the days around it cannot be counted.
EARLIEST, LATEST = date.min + timedelta(days=7), date.max - timedelta(days=7)


class _Taken:
    """The spans of text already read as a date, kept as their union (sorted, disjoint), so
    whether an offset lies in one is a binary search, not a look at every span: an article
    naming thousands of dates is read in seconds, not minutes."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def __contains__(self, offset: int) -> bool:
        i = bisect_right(self.starts, offset) - 1
        return i >= 0 and offset < self.ends[i]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether [start, end) shares an offset with a span taken: a date read by a pattern
        before ("February 26") is not read again in part ("of February", starting before)."""
        i = bisect_right(self.ends, start)  # the first span that ends after this start
        return i < len(self.starts) and self.starts[i] < end

    def add(self, start: int, end: int) -> None:
        lo = bisect_left(self.ends, start)  # the first span that ends at or after this start
        hi = bisect_right(self.starts, end)  # past the last that starts at or before its end
        if lo < hi:
            start, end = min(start, self.starts[lo]), max(end, self.ends[hi - 1])
        self.starts[lo:hi], self.ends[lo:hi] = [start], [end]


def usable(published: date | None) -> date | None:
    """A publish date, or None where it is a placeholder near the calendar's ends."""
    return published if published is not None and EARLIEST <= published <= LATEST else None


def mentions(text: str, published: date | None) -> list[DateMention]:
    published = usable(published)
    found: list[DateMention] = []
    taken = _Taken()
    for pattern in (*PATTERNS, FOREIGN):
        for m in pattern.finditer(text):
            if taken.overlaps(m.start(), m.end()):
                continue
            taken.add(m.start(), m.end())
            name = m.group("month").lower().rstrip(".")
            month = MONTH_NAMES.get(name) or FOREIGN_MONTHS.get(name)
            if month is None:
                continue  # matched without case by a letter no month has (a long s, a dotted I)
            groups = m.groupdict()
            day = int(groups["day"]) if groups.get("day") else None
            if day is not None and not 1 <= day <= 31:
                day = None
            # Any script's digits are read (Arabic-Indic too); a year outside 1900-2099 is
            # no year ("3 de mayo 5000 personas").
            written_year = int(groups["year"]) if groups.get("year") else None
            if written_year is not None and not 1900 <= written_year <= 2099:
                written_year = None
            year = written_year or _resolve_year(month, day, published)
            written = written_year is not None
            found.append(DateMention(year, month, day, m.start(), "explicit", written))
    for m in YEAR.finditer(text):
        if m.start() not in taken:
            found.append(DateMention(int(m.group("year")), None, None, m.start(), "year"))
    if published is not None:
        for m in WEEKDAY.finditer(text):
            back = (published.weekday() - WEEKDAYS.index(m.group("weekday").lower())) % 7 or 7
            when = published - timedelta(days=back)
            found.append(DateMention(when.year, when.month, when.day, m.start(), "weekday"))
        for m in RELATIVE.finditer(text):
            word = m.group("word").lower()
            when = published - timedelta(days=1 if word in ("yesterday", "last night") else 0)
            found.append(DateMention(when.year, when.month, when.day, m.start(), "relative"))
    return sorted(found, key=lambda d: d.offset)
