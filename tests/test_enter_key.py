"""Enter in a field presses the form's first submit button. Where a form's first visible
button is "Show the regions" (it redraws the form and saves nothing), a hidden default
button (templates/default_submit.html) comes before it: Enter had saved nothing, without a
word, on the incident and alert-rule forms."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from aegis.roles import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

FORMS = [
    (Role.CASEWORKER, "/incidents/new/"),
    (Role.COORDINATOR, "/alerts/rules/new/"),
    (Role.ANALYST, "/monitoring/sources/"),
]


@pytest.mark.parametrize(("role", "path"), FORMS)
def test_the_first_button_of_a_form_that_shows_regions_saves(
    role, path, make_person, make_compartment
):
    person = make_person(role)
    make_compartment(person)  # an incident is recorded in one of the caseworker's
    page = sign_in(Client(), person).get(path)
    assert page.status_code == 200
    forms = re.findall(r"<form method=\"post\".*?</form>", page.content.decode(), re.S)
    with_regions = [f for f in forms if "Show the regions" in f]
    assert with_regions, path
    for form in with_regions:
        first = re.search(r"<button[^>]*>", form)
        assert first is not None
        assert 'type="submit"' in first.group(0), first.group(0)
        assert "name=" not in first.group(0) and "formaction" not in first.group(0), first.group(0)
