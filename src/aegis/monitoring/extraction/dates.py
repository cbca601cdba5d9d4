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


# For an article in Spanish, French or Arabic only (languages.py): the Maghreb's month names
# and other spellings, a month with its year and no day ("en marzo de 2024", "en mars 2024",
# "في مارس 2024"), Arabic's two names of a month together ("آذار/مارس"), a year followed by
# Arabic's "AD" letter ("2024م"), weekdays and "yesterday". Never read in an English article:
# its output stays as it was.
MORE_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("جانفي", "ينار", "كانون الثاني"),
            ("فيفري", "فبراير", "فبراير"),
            ("مارس",),
            ("أفريل", "افريل", "إبريل", "ابريل", "أبريل", "أبريل"),
            ("ماي", "ايار", "مايو"),
            ("جوان", "يونيه", "يونيو"),
            ("جويلية", "يوليه", "يوليوز", "يوليو"),
            ("أوت", "اوت", "اغسطس", "غشت"),
            ("شتنبر", "ايلول"),
            ("اكتوبر", "أكتوبر"),
            ("نونبر", "نوفمبر"),
            ("دجنبر", "ديسمبر"),
        ],
        start=1,
    )
    for name in names
}
ALL_FOREIGN_MONTHS = {**FOREIGN_MONTHS, **MORE_MONTHS}
_ANY_MONTH = "|".join(sorted(map(re.escape, ALL_FOREIGN_MONTHS), key=len, reverse=True))
# "آذار/مارس", "مارس (آذار)": one month named twice.
_FOREIGN_MONTH = rf"(?P<month>{_ANY_MONTH})(?:\s*/\s*(?:{_ANY_MONTH})|\s*\((?:{_ANY_MONTH})\))?"
_YEAR_AFTER = r"(?:,?\s+(?:de\s+|del\s+|عام\s+|سنة\s+)?(?P<year>\d{4})(?:\s*م)?)"
FOREIGN_PATTERNS = (
    re.compile(
        r"(?<!\w)(?P<day>\d{1,2})(?:er|º|°)?\s+(?:de\s+)?"
        + _FOREIGN_MONTH
        + _YEAR_AFTER
        + r"?(?!\w)",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?<!\w)(?:en|de|desde|hasta|durante|a finales de|a principios de|a mediados de|"
        r"depuis|début|fin|mi-|courant|jusqu'en|في|منذ|خلال|شهر|مطلع|أواخر|اواخر|منتصف)\s*"
        + _FOREIGN_MONTH
        + _YEAR_AFTER
        + r"?(?!\w)",
        re.IGNORECASE,
    ),
    re.compile(r"(?<!\w)" + _FOREIGN_MONTH + _YEAR_AFTER + r"(?!\w)", re.IGNORECASE),
)
FOREIGN_YEAR = re.compile(r"(?<![\w$£€])(?P<year>(?:19[5-9]|20[0-4])\d)(?:م)?(?![\w%])")
FOREIGN_WEEKDAYS = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "ar": ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
}
FOREIGN_WEEKDAY = {
    "es": re.compile(
        r"(?<!\w)(?:el|este|pasado|la noche del|la madrugada del|la tarde del|la mañana del)\s+"
        r"(?:pasado\s+)?(?P<weekday>lunes|martes|miércoles|jueves|viernes|sábado|domingo)(?!\w)",
        re.IGNORECASE,
    ),
    "fr": re.compile(
        r"(?<!\w)(?P<weekday>lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)(?!\w)",
        re.IGNORECASE,
    ),
    "ar": re.compile(
        r"(?:(?<!\w)(?:يوم|مساء|صباح|ليلة|فجر|ظهر|عصر)\s+(?P<weekday>الاثنين|الإثنين|الثلاثاء|"
        r"الأربعاء|الاربعاء|الخميس|الجمعة|السبت|الأحد|الاحد)(?!\w))"
    ),
}
FOREIGN_RELATIVE = {
    "es": re.compile(r"(?<!\w)(?P<word>ayer|anoche|anteayer|hoy)(?!\w)", re.IGNORECASE),
    "fr": re.compile(r"(?<!\w)(?P<word>hier|avant-hier|aujourd'hui)(?!\w)", re.IGNORECASE),
    "ar": re.compile(r"(?<!\w)(?P<word>أمس|الأمس|امس|البارحة|اليوم)(?!\w)"),
}
_DAYS_BACK = {"ayer": 1, "anoche": 1, "anteayer": 2, "hier": 1, "avant-hier": 2}
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)


def _weekday_number(language: str, name: str) -> int:
    name = name.lower().replace("إ", "ا").replace("الاحد", "الأحد").replace("الاربعاء", "الأربعاء")
    return FOREIGN_WEEKDAYS[language].index(name)


def mentions(text: str, published: date | None, language: str = "") -> list[DateMention]:
    if language in FOREIGN_WEEKDAYS:
        return _foreign_mentions(text, usable(published), language)
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
            day, written_year = _day_and_year(m)
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


def _day_and_year(m: re.Match[str]) -> tuple[int | None, int | None]:
    """A date match's day (1 to 31) and written year, each None where there is none or it is
    out of range. Any script's digits are read (Arabic-Indic too); a year outside 1900-2099
    is no year ("3 de mayo 5000 personas")."""
    groups = m.groupdict()
    day = int(groups["day"]) if groups.get("day") else None
    if day is not None and not 1 <= day <= 31:
        day = None
    year = int(groups["year"]) if groups.get("year") else None
    if year is not None and not 1900 <= year <= 2099:
        year = None
    return day, year


def _foreign_mentions(text: str, published: date | None, language: str) -> list[DateMention]:
    """mentions() for an article in Spanish, French or Arabic: the English patterns, then the
    language's, on the text with Arabic-Indic digits read as digits (one character each, so
    the offsets are the text's)."""
    text = text.translate(_DIGITS)
    found: list[DateMention] = []
    taken = _Taken()
    for pattern in (*PATTERNS, *FOREIGN_PATTERNS):
        for m in pattern.finditer(text):
            if taken.overlaps(m.start(), m.end()):
                continue
            name = m.group("month").lower().rstrip(".")
            month = (
                MONTH_NAMES.get(name)
                or ALL_FOREIGN_MONTHS.get(name)
                or ALL_FOREIGN_MONTHS.get(m.group("month"))
            )
            if month is None:
                continue
            taken.add(m.start(), m.end())
            day, written_year = _day_and_year(m)
            year = written_year or _resolve_year(month, day, published)
            found.append(
                DateMention(year, month, day, m.start(), "explicit", written_year is not None)
            )
    for m in FOREIGN_YEAR.finditer(text):
        if m.start() not in taken:
            found.append(DateMention(int(m.group("year")), None, None, m.start(), "year"))
    if published is not None:
        for m in FOREIGN_WEEKDAY[language].finditer(text):
            number = _weekday_number(language, m.group("weekday"))
            back = (published.weekday() - number) % 7 or 7
            when = published - timedelta(days=back)
            found.append(DateMention(when.year, when.month, when.day, m.start(), "weekday"))
        for m in FOREIGN_RELATIVE[language].finditer(text):
            word = m.group("word").lower()
            back = _DAYS_BACK.get(word, 1 if word in ("أمس", "الأمس", "امس", "البارحة") else 0)
            when = published - timedelta(days=back)
            found.append(DateMention(when.year, when.month, when.day, m.start(), "relative"))
    return sorted(found, key=lambda d: d.offset)
