"""Codes are shown as names: walking every page each demo role reaches from the menu, no
region code such as CO-ANT appears in the visible text (places.place_label and
places.region_name turn them into names)."""

from __future__ import annotations

import re
from html import unescape

import pycountry
import pytest
from django.test import Client

from aegis.roles import Role
from tests.test_navigation import _walk, demo_logins  # noqa: F401

# What it checks is the templates' wording, which no database engine changes.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.engine_independent,
]

REGION_CODE = re.compile(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b")
HIDDEN = re.compile(r"<(script|style|title|option|select)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")


def region_codes(text: str) -> set[str]:
    """ISO 3166-2 codes in the text; names that look like one ("Region IV-B") are not."""
    return {c for c in REGION_CODE.findall(text) if pycountry.subdivisions.get(code=c)}


def visible_text(html: str) -> str:
    """The text a reader sees: no markup, no attribute values (links, form values), no
    choices of a select list (whose values are codes, shown by name)."""
    return unescape(TAG.sub(" ", HIDDEN.sub(" ", html)))


class RecordingClient(Client):
    """A client that keeps each HTML page it was given, by path."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pages: dict[str, str] = {}

    def get(self, path, *args, **kwargs):
        response = super().get(path, *args, **kwargs)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            self.pages[path] = response.content.decode()
        return response


def test_the_walk_sees_a_code_when_there_is_one():
    page = "<td>CO-ANT</td><td>Mimaropa (Region IV-B)</td><a href='/x?r=CO-DC'>x</a>"
    assert region_codes(visible_text(page)) == {"CO-ANT"}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_no_region_code_on_any_page(role, demo_logins):  # noqa: F811
    username, password, codes = demo_logins[role.value]
    client = RecordingClient(raise_request_exception=True)
    response = client.post(
        "/accounts/login/", {"username": username, "password": password, "code": codes[0]}
    )
    assert response.status_code == 302
    _walk(client)
    assert len(client.pages) >= 2
    found = {path: sorted(region_codes(visible_text(page))) for path, page in client.pages.items()}
    assert not {path: codes for path, codes in found.items() if codes}
