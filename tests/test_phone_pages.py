"""The defender's pages as read on a phone: what must come first, what must not break, and
what the stylesheets promise a narrow screen (the browser checks are in
tests/test_browser_narrow.py)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aegis.areas import areas_for
from aegis.roles import Role

pytestmark = pytest.mark.django_db

HELP_LINK = re.compile(r'<header class="top">.*?<a class="help-now" href="([^"]+)"', re.S)


def test_a_defender_has_the_alarm_in_the_header_of_every_page_and_first_in_the_menu(signed_in):
    client, person = signed_in(Role.DEFENDER)
    for name in ("dashboard", "accounts:tokens", "accounts:password"):
        page = client.get(reverse(name)).content.decode()
        found = HELP_LINK.search(page)
        assert found and found.group(1) == reverse("alerts:panic"), name
    titles = [str(area.title) for area in areas_for(person.user)]
    assert titles[0] == "Ask for help now"
    assert titles.index("My protection") < titles.index("API tokens")
    assert titles.index("Check in") < titles.index("API tokens")


def test_staff_have_no_alarm_in_the_header(signed_in):
    client, _person = signed_in(Role.CASEWORKER)
    assert 'class="help-now"' not in client.get(reverse("dashboard")).content.decode()
