"""The API documentation at /api/v1/docs: public like openapi.json, and served from the
project's own static files, so it loads nothing from elsewhere under the Content Security
Policy."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_docs_answer_and_load_only_local_files():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert any(s.split("?")[0].endswith("swagger-ui-bundle.js") for s in sources), sources
    assert all(s.startswith("/static/") for s in sources), sources
    assert "cdn" not in page.lower()
    assert "<script>" not in page, "an inline script would be refused by the policy"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    for source in sources:
        assert Client().get(source).status_code == 200, source


def test_the_docs_point_at_the_schema():
    page = Client().get("/api/v1/docs").content.decode()
    assert '"url": "/api/v1/openapi.json"' in page
    assert Client().get("/api/v1/openapi.json").json()["info"]["title"] == "Aegis API"


@pytest.mark.browser
def test_swagger_ui_draws_the_documentation_under_the_policy(browser, live_server):
    """JavaScript on, as a developer reading the docs would have it: Swagger UI reads
    openapi.json and lists the endpoints, with no script refused by the policy."""
    context = browser.new_context()
    try:
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(live_server.url + "/api/v1/docs")
        expect(page.get_by_role("heading", name=re.compile("Aegis API"))).to_be_visible()
        expect(page.get_by_text("/api/v1/me").first).to_be_visible()
        refused_scripts = [m for m in console if "Content Security Policy" in m and "script" in m]
        assert not refused_scripts, refused_scripts
    finally:
        context.close()
