"""When the attack happened, as the extractor reads it from the dates an article writes."""

from __future__ import annotations

from datetime import date

import pytest

from aegis.monitoring.extraction import dates, extract

pytestmark = pytest.mark.engine_independent

PUBLISHED = date(2021, 3, 8)


def _when(text: str) -> tuple[int | None, int | None, int | None]:
    found = extract("Defender detained", text, PUBLISHED)
    return found.year.value, found.month.value, found.day.value


def test_a_date_that_writes_its_year_outweighs_one_whose_year_is_inferred() -> None:
    # "February 26" and "March 1" take the publish year (2021), a vote each; the article
    # writes 2020 in a full date (two votes) and alone (one): 2020.
    text = (
        "<p>She was detained on February 26 and released on March 1.</p>"
        "<p>Her first arrest, on January 3, 2020, was filmed; in 2020 she was also fined.</p>"
    )
    assert _when(text)[0] == 2020


def test_the_day_is_the_first_of_the_chosen_month_that_has_one() -> None:
    text = (
        "<p>The union has been harassed since February.</p>"
        "<p>Its leader was detained on the night of February 26, his lawyer said.</p>"
    )
    assert _when(text) == (2021, 2, 26)


def test_a_day_of_another_month_is_not_taken() -> None:
    text = "<p>The union was banned in February. Its leader was detained on January 12.</p>"
    assert _when(text) == (2021, 2, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("El 3 de diciembre de 2026 la policía detuvo a la defensora.", (2026, 12, 3)),
        ("Il a été arrêté le 1er décembre 2026 à Lyon.", (2026, 12, 1)),
        ("Foi detido em 5 de março, segundo a família.", (2026, 3, 5)),
        ("اعتقلت الشرطة الصحفي في 1 ديسمبر 2026", (2026, 12, 1)),
        ("اعتقل في ١ ديسمبر ٢٠٢٦", (2026, 12, 1)),
        ("اعتقل في 15 تشرين الأول 2025", (2025, 10, 15)),
        ("El 3 de mayo 5000 personas marcharon.", (2026, 5, 3)),
    ],
)
def test_dates_written_in_spanish_french_portuguese_and_arabic(text, expected):
    """News an organisation reads is often not in English: its dates had been missed, and the
    incident dated on the publication day (or 1 January, from a year alone)."""
    (found,) = [m for m in dates.mentions(text, date(2026, 12, 5)) if m.kind == "explicit"]
    assert (found.year, found.month, found.day) == expected


def test_a_letter_that_matches_a_month_only_without_case_is_no_month():
    """The long s and the dotted capital I match "s" and "i" without case, but lower-case to
    no month's name: the lookup had raised, losing the whole proposal (or the whole file)."""
    for text in (
        "3 MAR\u017f 2026",
        "3 MA\u0130 2026",
        "3 \u017feptiembre",
        "3 de JUL\u0130O de 2026",
    ):
        assert [m for m in dates.mentions(text, date(2026, 12, 5)) if m.kind == "explicit"] == []
