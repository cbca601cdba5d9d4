"""Names that are stored unencrypted say so on their forms, next to the field: escalation
policy and rule names, compartment names and descriptions, and API token labels."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from aegis.roles import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
WARNING = "Stored unencrypted: never put the name of a person or a place here."


def _help_of(page: str, field: str) -> str:
    """The help text rendered with the field named `field` (form.as_div)."""
    match = re.search(rf'<div>\s*<label for="id_{field}">.*?</div>', page, flags=re.DOTALL)
    assert match, f"no field {field}"
    return match.group(0)


@pytest.mark.parametrize(
    ("role", "url", "fields"),
    [
        (Role.COORDINATOR, reverse("cases:compartments"), ["name", "description"]),
        (Role.CASEWORKER, reverse("accounts:tokens"), ["label"]),
        (Role.COORDINATOR, reverse("alerts:rule-new"), ["name"]),
        (
            Role.COORDINATOR,
            reverse("alerts:level-policy", kwargs={"risk_level": "high"}),
            ["name"],
        ),
    ],
)
def test_the_form_says_the_name_is_stored_unencrypted(make_person, role, url, fields):
    page = sign_in(Client(), make_person(role)).get(url)
    assert page.status_code == 200
    for field in fields:
        assert WARNING in _help_of(page.content.decode(), field)
