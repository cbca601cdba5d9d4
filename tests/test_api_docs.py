"""The API documentation at /api/v1/docs: public like openapi.json, and served from the
project's own static files, so it loads nothing from elsewhere under the Content Security
Policy."""

from __future__ import annotations

import re

from django.test import Client


def test_the_docs_answer_and_load_only_local_files(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources), sources
    assert all(s.startswith("/static/") for s in sources), sources
    assert "cdn" not in page.lower()
    assert "<script>" not in page, "an inline script would be refused by the policy"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    for source in sources:
        assert Client().get(source).status_code == 200, source


def test_the_docs_point_at_the_schema(db):
    page = Client().get("/api/v1/docs").content.decode()
    assert '"url": "/api/v1/openapi.json"' in page
    assert Client().get("/api/v1/openapi.json").json()["info"]["title"] == "Aegis API"
