"""Debian's Chromium, driven by Playwright with JavaScript turned off (Tor Browser "safest"),
against a live server: signing in and out, the generic failure message, the Content Security
Policy, and a right-to-left language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page, expect

from aegis import bootstrap
from aegis.accounts import services as accounts
from aegis.accounts.forms import SignInForm
from aegis.roles import Role

pytestmark = pytest.mark.browser

USERNAME = "lucia"
PASSWORD = "a long browser passphrase 9"


@dataclass
class Tab:
    page: Page
    base: str
    console: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    error_responses: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]


@pytest.fixture
def tab(browser, live_server, transactional_db) -> Iterator[Tab]:
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    tab = Tab(page, live_server.url)
    page.on("console", lambda message: tab.console.append(f"{message.type}: {message.text}"))
    page.on(
        "requestfailed",
        lambda request: (
            # The browser drops a favicon fetch when the next page loads first: not a defect.
            ("/favicon.svg" in request.url and "ERR_ABORTED" in (request.failure or ""))
            or tab.failed_requests.append(f"{request.url}: {request.failure}")
        ),
    )
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and tab.error_responses.append(f"{response.status} {response.url}")
        ),
    )
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def person(transactional_db, async_unsafe_allowed) -> accounts.Enrolment:
    bootstrap.create_organisation_keys()
    return accounts.create_user(USERNAME, PASSWORD, Role.CASEWORKER)


def fill_sign_in(page: Page, password: str, code: str) -> None:
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Sign in").click()


def assert_csp(response) -> None:
    assert response is not None
    policy = response.headers.get("content-security-policy")
    assert policy, f"no Content-Security-Policy on {response.url}"
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert re.search(r"(^|;)\s*default-src 'none'", policy), policy
    assert re.search(r"(^|;)\s*script-src 'self'\s*(;|$)", policy), policy


def test_javascript_is_off(tab):
    page = tab.page
    page.route(
        tab.url("/js-probe/"),
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            body="<!doctype html><title>probe</title><noscript><p id=off>no script</p></noscript>",
        ),
    )
    page.goto(tab.url("/js-probe/"))
    expect(page.locator("#off")).to_be_visible()


def test_sign_in_and_out_without_javascript(tab, person):
    page = tab.page
    page.goto(tab.url("/"))
    expect(page).to_have_url(re.compile(re.escape(tab.url("/accounts/login/")) + r"\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    # Every form control has a visible label that names it.
    controls = page.locator("input:not([type=hidden]), select, textarea")
    assert controls.count() >= 4  # username, password, code, language
    for control in controls.all():
        control_id = control.get_attribute("id")
        assert control_id, control.evaluate("e => e.outerHTML")
        label = page.locator(f'label[for="{control_id}"]')
        expect(label).to_have_count(1)
        expect(label).to_be_visible()
        expect(control).to_have_accessible_name(re.compile(r"\w"))
    for name in ("Username", "Password", "Code from your authenticator app", "Language"):
        expect(page.get_by_label(name)).to_have_count(1)

    fill_sign_in(page, PASSWORD, person.backup_codes[0])
    expect(page).to_have_url(tab.url("/"))
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Cases")).to_be_visible()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(page.get_by_role("heading", name="People and roles")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(
        f"{USERNAME} · Caseworker"
    )
    assert {"sessionid", "aegis_key"} <= {c["name"] for c in page.context.cookies()}

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(tab.url("/accounts/login/"))
    expect(page.get_by_role("status")).to_contain_text("You are signed out")
    assert "aegis_key" not in {c["name"] for c in page.context.cookies()}
    # The session is really over: the dashboard sends us back to sign in.
    page.goto(tab.url("/"))
    expect(page).to_have_url(re.compile(re.escape(tab.url("/accounts/login/")) + r"\?next=/$"))
    assert tab.failed_requests == []
    assert tab.error_responses == []


def test_wrong_password_shows_the_generic_message_as_an_alert(tab, person):
    page = tab.page
    page.goto(tab.url("/accounts/login/"))
    fill_sign_in(page, "not the right passphrase", person.backup_codes[0])
    expect(page).to_have_url(tab.url("/accounts/login/"))
    alert = page.get_by_role("alert")
    expect(alert).to_have_count(1)
    expect(alert).to_have_text(str(SignInForm.FAILED_MESSAGE))
    expect(page.get_by_role("heading", name="Dashboard")).to_have_count(0)
    assert "aegis_key" not in {c["name"] for c in page.context.cookies()}


def test_content_security_policy_holds_on_every_page(tab, person):
    page = tab.page
    assert_csp(page.goto(tab.url("/accounts/login/")))
    fill_sign_in(page, PASSWORD, person.backup_codes[0])
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    for path in ("/healthz", "/", "/accounts/tokens/", "/accounts/password/", "/accounts/logout/"):
        response = page.goto(tab.url(path))
        assert response is not None and response.status == 200, path
        assert_csp(response)
    # The stylesheet every page links to is served, as CSS, from our own origin.
    href = page.locator('link[rel="stylesheet"]').get_attribute("href")
    assert href and href.startswith("/static/"), href
    stylesheet = page.request.get(tab.url(href))
    assert stylesheet.status == 200, href
    assert stylesheet.headers["content-type"].startswith("text/css")
    assert tab.failed_requests == []
    assert tab.error_responses == []
    assert tab.csp_violations() == [], tab.console


def test_the_csp_check_sees_a_violation(tab, live_server):
    """The console listener used above does report CSP violations with JavaScript off: a page
    served under the same policy with an inline style is caught."""
    page = tab.page
    policy = page.goto(tab.url("/accounts/login/")).headers["content-security-policy"]
    assert tab.csp_violations() == []
    page.route(
        tab.url("/csp-probe/"),
        lambda route: route.fulfill(
            status=200,
            headers={"content-type": "text/html", "content-security-policy": policy},
            body="<!doctype html><html><head><style>p{color:red}</style></head><body><p>x</p>",
        ),
    )
    page.goto(tab.url("/csp-probe/"))
    violations = tab.csp_violations()
    assert len(violations) == 1, tab.console
    assert "style-src" in violations[0]


def test_arabic_is_right_to_left(tab, tmp_path):
    page = tab.page
    page.goto(tab.url("/accounts/logout/"))
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")
    expect(html).to_have_attribute("dir", "ltr")
    english_heading = page.get_by_role("heading", level=1).inner_text()

    footer = page.locator("footer")
    footer.get_by_label("Language").select_option("ar")
    footer.get_by_role("button", name="Change").click()

    # Back on the same page, now in Arabic, right to left.
    expect(page).to_have_url(tab.url("/accounts/logout/"))
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(footer.locator("select[name=language]")).to_have_value("ar")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(english_heading)
    # The choice sticks for the next page.
    page.goto(tab.url("/accounts/login/"))
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")

    shot = tmp_path / "sign-in-ar.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert shot.stat().st_size > 1000
    assert tab.csp_violations() == [], tab.console
    assert tab.error_responses == []
