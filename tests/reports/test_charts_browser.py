"""The charts and the map opened on their own in Debian's Chromium: each is a document under
the Content Security Policy, and must still be drawn (the map had been a black rectangle,
its style sheet and shades refused as inline styles)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/public/map.svg", "/public/chart/incidents-by-country.svg"])
def test_a_chart_opened_alone_is_drawn_under_the_policy(browser, live_server, path):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    try:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200
        policy = response.headers["content-security-policy"]
        assert "'unsafe-inline'" not in policy and "style-src 'sha256-" in policy, policy
        assert [m for m in console if "Content Security Policy" in m] == []
        shot = Image.open(io.BytesIO(page.screenshot())).convert("L")
        histogram = shot.histogram()  # 256 grey levels
        dark = sum(histogram[:40]) / sum(histogram)
        assert dark < 0.2, f"{dark:.0%} of the page is black"
    finally:
        context.close()
