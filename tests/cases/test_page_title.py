"""The case page's <title> is the case's reference and the site's name: the history of
changes had been included in the title block, so the browser's tab showed raw HTML."""

from __future__ import annotations

import re

import pytest

from .conftest import client

pytestmark = pytest.mark.django_db


def test_the_case_pages_title_is_its_reference_and_the_history_stays_in_the_page(team):
    page = client(team.karim).get(f"/cases/{team.case.reference}/").content.decode()
    [title] = re.findall(r"<title>(.*?)</title>", page, re.S)
    assert title == f"{team.case.reference} · Aegis"
    assert page.count('<h2 id="history">') == 1
    assert page.index("<title>") < page.index("</head>") < page.index('<h2 id="history">')
