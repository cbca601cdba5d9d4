"""The shared rules: one error type, and the text, choice and place checks every area uses."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.db import models

from aegis import rules
from aegis.rules import RuleError

pytestmark = pytest.mark.engine_independent


class Colour(models.TextChoices):
    RED = "red", "Red"


@pytest.mark.parametrize(
    ("value", "line", "words"),
    [
        (5, False, "expected text"),
        ("a\x00b", False, "invisible control characters"),
        ("one\ntwo", True, "must fit on one line"),
        ("photo\u202egpj.exe", True, "reading direction"),
        ("one\u2028two", True, "must fit on one line"),
        ("one\u2029two", True, "must fit on one line"),
        ("one\x85two", True, "must fit on one line"),
        ("Ana\u200bPérez", True, "not shown (such as a zero-width space)"),
        ("Ana\u2060Pérez", True, "not shown"),
        ("Ana\U000e0041", True, "not shown"),
        ("x" * 11, False, "too long (11 characters; at most 10)"),
    ],
)
def test_text_refuses_in_words_naming_the_input_and_row(value, line, words):
    with pytest.raises(RuleError, match=re.escape(words)) as refused:
        rules.text(value, "title", "The title", limit=10, line=line, row=2)
    assert (refused.value.field, refused.value.row) == ("title", 2)


def test_text_keeps_line_breaks_and_direction_marks_where_allowed():
    assert rules.text("  one\ntwo\u200f ", "body", "Body", limit=20) == "one\ntwo\u200f"
    # A flag emoji is tag characters: refused in a name, kept in a text of several lines.
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert rules.text(f"We met under the {scotland}", "body", "Body", limit=50).endswith(scotland)


def test_choice_and_place():
    assert rules.choice("red", Colour, "colour", "Colour") == "red"
    with pytest.raises(RuleError, match="choose one of the listed values"):
        rules.choice("blue", Colour, "colour", "Colour")
    assert rules.place(" co ", "co-ant") == ("CO", "CO-ANT")
    assert rules.place("", "") == ("", "")
    for country, region, field in (
        ("XX", "", "country"),
        ("", "CO-ANT", "country"),
        ("CO", "MX-CHP", "region"),
    ):
        with pytest.raises(RuleError) as refused:
            rules.place(country, region)
        assert refused.value.field == field


def test_a_place_refusal_can_name_the_region_and_country():
    words = rules.PlaceWords("Unknown.", "No country.", "%(region)s is not in %(country)s.")
    with pytest.raises(RuleError, match=r"MX-CHP is not in Colombia\."):
        rules.place("CO", "MX-CHP", words)


def test_show_on_puts_the_message_on_the_input_it_names_or_above_the_form():
    class Form(forms.Form):
        title = forms.CharField(required=False)

    form = Form({"title": "x"})
    assert form.is_valid()
    rules.show_on(form, RuleError("Too vague.", "title"))
    rules.show_on(form, RuleError("Nothing was stored.", "elsewhere"))
    assert form.errors["title"] == ["Too vague."]
    assert form.non_field_errors() == ["Nothing was stored."]
    assert str(RuleError("Too vague.", "title")) == "Too vague."
