"""Enter in a field presses the form's first submit button. Where a form has a button that
redraws it and saves nothing ("Show the regions", "One more threat": sent with
formnovalidate), a hidden default button (templates/default_submit.html) comes before it:
Enter had saved nothing, without a word, on the incident, alert-rule and risk forms."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from aegis.roles import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

FORMS = [
    (Role.CASEWORKER, "/incidents/new/"),
    (Role.CASEWORKER, "/risk/cases/{case}/new/"),
    (Role.COORDINATOR, "/alerts/rules/new/"),
    (Role.ANALYST, "/monitoring/sources/"),
]


@pytest.mark.parametrize(("role", "path"), FORMS)
def test_the_first_button_of_a_form_that_redraws_itself_saves(
    role, path, make_person, make_compartment, make_case
):
    person = make_person(role)
    compartment = make_compartment(person)  # an incident or assessment is one of theirs
    if "{case}" in path:
        path = path.format(case=make_case(compartment, person).reference)
    page = sign_in(Client(), person).get(path)
    assert page.status_code == 200
    forms = re.findall(r"<form method=\"post\".*?</form>", page.content.decode(), re.S)
    redrawn = [f for f in forms if re.search(r"<button[^>]*formnovalidate", f)]
    assert redrawn, path
    for form in redrawn:
        first = re.search(r"<button[^>]*>", form)
        assert first is not None
        assert 'type="submit"' in first.group(0), first.group(0)
        assert "name=" not in first.group(0) and "formaction" not in first.group(0), first.group(0)
        assert "formnovalidate" not in first.group(0), first.group(0)


@pytest.mark.engine_independent
def test_every_button_that_redraws_a_form_is_sent_without_the_browsers_checks():
    """The button "Show the regions" is pressed before the form is complete: without
    formnovalidate the browser held it back until every required field was filled (the case
    form's summary)."""
    from pathlib import Path

    import aegis

    unchecked = []
    for path in Path(aegis.__file__).parent.glob("**/templates/**/*.html"):
        for button in re.findall(r"<button[^>]*>", path.read_text()):
            redraws = 'name="show_regions"' in button or 'name="{{ refresh }}"' in button
            if redraws and "formnovalidate" not in button:
                unchecked.append(f"{path.name}: {button}")
    assert not unchecked
