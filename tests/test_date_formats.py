"""One date format per language: Django's localised formats (with aegis/formats over them),
a 24-hour clock in every language, and no template that spells a format out itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.utils import formats, translation

import aegis

pytestmark = pytest.mark.engine_independent

AFTERNOON = datetime(2026, 3, 2, 15, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "short_date", "short", "long"),
    [
        ("en", "2 Mar 2026", "2 Mar 2026, 15:04", "2 March 2026, 15:04:05"),
        ("es", "02/03/2026", "02/03/2026 15:04", "2 de marzo de 2026, 15:04:05"),
        ("fr", "02/03/2026", "02/03/2026 15:04", "2 mars 2026, 15:04:05"),
        ("ar", "02\u200f/03\u200f/2026", "02\u200f/03\u200f/2026 15:04", None),
    ],
)
def test_each_language_has_its_own_short_and_long_form(language, short_date, short, long):
    with translation.override(language):
        assert formats.date_format(AFTERNOON, "SHORT_DATE_FORMAT") == short_date
        assert formats.date_format(AFTERNOON, "SHORT_DATETIME_FORMAT") == short
        assert formats.time_format(AFTERNOON, "TIME_FORMAT") == "15:04"
        written = formats.date_format(AFTERNOON, "DATETIME_FORMAT")
        assert "15:04:05" in written and "PM" not in written and "p.m." not in written
        if long is not None:
            assert written == long


def test_no_template_spells_a_date_format_out():
    """Formats are named (SHORT_DATE_FORMAT…) or machine-readable ('c' for datetime=)."""
    spelled = re.compile(r"""\|date:["'](?![A-Z_]+["']|c["'])""")
    root = Path(aegis.__file__).parent
    found = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("*.html")
        for match in spelled.finditer(path.read_text())
    ]
    assert not found, found
