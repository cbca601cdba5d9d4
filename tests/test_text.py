"""aegis.text: whole numbers people type or send."""

from aegis.text import whole_number


def test_whole_number_takes_the_digits_int_reads_and_nothing_else():
    assert whole_number("42") == 42
    assert whole_number(7) == 7
    assert whole_number("007") == 7
    assert whole_number("٣") == 3  # Arabic-Indic digits are digits to int() too
    for refused in (None, "", " 4", "-1", "4.0", "²", "¹²", "abc"):
        assert whole_number(refused) is None, refused
