"""The menu and the links from page to page, walked as every demo role: no dead link, no
error, no link to a page the role is refused, and every page the role may open is reachable."""

from __future__ import annotations

import contextlib
import io
import re
from collections import Counter
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from aegis.demo import create_demo_instance
from aegis.roles import Role
from tests.access_rules import EXPECTED, PUBLIC
from tests.test_demo import parse_logins

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]*)"')
# Not pages to walk: signing out, switching language, static files, the API (tested by its
# own suites) and links that act on a token from a message rather than a signed-in person.
SKIP = ("/static/", "/i18n/", "/api/", "/accounts/logout/", "/ack/")
# The same view with other arguments (page 2, another case) proves nothing new past a few.
VISITS_PER_VIEW = 12
# Pages a signed-in person reaches from elsewhere than a link: a form's result, a message.
NOT_LINKED = {
    "accounts:login",  # the page everyone starts from, before the menu exists
    "set_language",  # the language form in the footer (POST)
    "healthz",  # for monitoring, not people
    "accounts:user-role",  # the result of the role form on a person's page (GET)
}


@pytest.fixture
def demo_logins(settings, tmp_path) -> dict[str, tuple[str, str, list[str]]]:
    # As under `aegis demo`, which catches the demo's mail and shows it on a page of its own.
    settings.AEGIS_DEMO_MAIL_DIR = str(tmp_path / "demo-mail")
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        create_demo_instance()
    return {
        role: (login.username, login.password, login.backup_codes)
        for role, login in parse_logins(output.getvalue()).items()
    }


def _walk(client: Client) -> tuple[set[str], list[str]]:
    """Follow every same-site link from the dashboard; returns the views reached and the
    problems found (as 'status path ← page that linked it')."""
    queue: list[tuple[str, str]] = [("/", "(start)")]
    seen: set[str] = set()
    per_view: Counter[str] = Counter()
    reached: set[str] = set()
    problems: list[str] = []
    while queue:
        path, source = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        try:
            view = resolve(urlsplit(path).path).view_name
        except Resolver404:
            problems.append(f"no such page {path} ← {source}")
            continue
        if per_view[view] >= VISITS_PER_VIEW:
            continue
        per_view[view] += 1
        response = client.get(path)
        if response.status_code == 302:
            response = client.get(response["Location"])
        if response.status_code != 200:
            problems.append(f"{response.status_code} {path} ← {source}")
            continue
        reached.add(view)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            link = unescape(href)
            if link.startswith("/") and not link.startswith("//") and not link.startswith(SKIP):
                queue.append((link, path))
    return reached, problems


def _may_open(role: Role) -> set[str]:
    return {
        name
        for name, (method, allowed) in EXPECTED.items()
        if method == "GET"
        and not name.startswith("api:")
        and allowed != PUBLIC
        and role in allowed
        and name not in NOT_LINKED
    }


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_page_is_reachable_from_the_menu_and_no_link_is_dead(role, demo_logins):
    username, password, codes = demo_logins[role.value]
    client = Client(raise_request_exception=True)
    response = client.post(
        "/accounts/login/", {"username": username, "password": password, "code": codes[0]}
    )
    assert response.status_code == 302, response.content.decode()[:1000]

    reached, problems = _walk(client)

    assert not problems, "\n".join(problems)
    unreachable = _may_open(role) - reached
    assert not unreachable, f"{role.value} may open these pages but no link leads there"
