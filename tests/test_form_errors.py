"""A form's errors are said once: `as_div` shows the errors of no one field in an alert box
(templates/django/forms/div.html), so no page shows them a second time itself. Nineteen
pages had, and an error was read two or three times over."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django import forms

import aegis

SOURCE = Path(aegis.__file__).parent


@pytest.mark.engine_independent
def test_no_template_shows_the_errors_as_div_shows():
    twice = []
    for path in SOURCE.glob("**/templates/**/*.html"):
        text = path.read_text()
        for name in set(re.findall(r"\{\{ (\w+)\.as_div \}\}", text)):
            if f"{{{{ {name}.non_field_errors }}}}" in text:
                twice.append(f"{path.relative_to(SOURCE)}: {name}")
    assert not twice


@pytest.mark.engine_independent
def test_as_div_says_an_error_of_the_whole_form_once_in_an_alert():
    class Form(forms.Form):
        title = forms.CharField()

        def clean(self):
            raise forms.ValidationError("The dates do not agree.")

    html = str(Form({"title": "x"}).as_div())
    assert html.count("The dates do not agree.") == 1
    assert re.search(r'<div class="error" role="alert">.*The dates do not agree', html, re.S)
    assert 'role="alert"' not in str(Form({"title": "x"}, auto_id=False).as_p())  # as_div only
    assert 'role="alert"' not in str(Form().as_div())  # nothing said before sending
