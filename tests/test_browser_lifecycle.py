"""Debian's Chromium without JavaScript: the administrator deactivates a responder from the
"People and roles" pages, and the responder's open session and API token are refused at
their very next request."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from aegis import bootstrap
from aegis.accounts import services as accounts
from aegis.accounts.roles import Role
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, unlocked
from aegis.vault.selectors import keypair_for_user

pytestmark = pytest.mark.browser

PASSWORD = "a long browser passphrase 9"


@pytest.fixture
def contexts(browser: Browser, live_server, transactional_db) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []

    def new() -> BrowserContext:
        context = browser.new_context(
            java_script_enabled=False, locale="en-GB", base_url=live_server.url
        )
        opened.append(context)
        return context

    try:
        yield [new(), new()]
    finally:
        for context in opened:
            context.close()


def sign_in(page: Page, username: str, code: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()


def test_deactivating_a_responder_refuses_their_session_and_token(contexts, async_unsafe_allowed):
    bootstrap.create_organisation_keys()
    admin = accounts.create_user("amara", PASSWORD, Role.ADMIN)
    responder = accounts.create_user("tomas", PASSWORD, Role.RESPONDER)
    keypair = keypair_for_user(responder.user.pk)
    assert keypair is not None
    chain = Keychain({keypair.pk: vault.unlock_user_keypair(keypair, PASSWORD)}, responder.user.pk)
    with unlocked(chain):
        token = accounts.create_api_token(responder.user, "phone", chain)
    admin_context, responder_context = contexts
    bearer = {"Authorization": f"Bearer {token}"}

    responder_page = responder_context.new_page()
    sign_in(responder_page, "tomas", responder.backup_codes[0])
    responder_page.goto("/alerts/")
    expect(responder_page.get_by_role("heading", level=1)).to_be_visible()
    assert responder_context.request.get("/api/v1/me", headers=bearer).status == 200

    admin_page = admin_context.new_page()
    sign_in(admin_page, "amara", admin.backup_codes[0])
    admin_page.get_by_role("link", name="People and roles").first.click()
    admin_page.get_by_role("link", name="Manage tomas").click()
    expect(admin_page.get_by_role("heading", name="tomas", level=1)).to_be_visible()
    admin_page.get_by_role("button", name="Deactivate").click()
    expect(admin_page.get_by_role("status")).to_contain_text("tomas is deactivated")

    # The responder's next click: back to the sign-in page, keys locked away.
    responder_page.reload()
    expect(responder_page).to_have_url(re.compile(r"/accounts/login/"))
    assert "aegis_key" not in {c["name"] for c in responder_context.cookies()}
    assert responder_context.request.get("/api/v1/me", headers=bearer).status == 401
    # And signing in again is refused while the account is deactivated.
    responder_page.get_by_label("Username").fill("tomas")
    responder_page.get_by_label("Password").fill(PASSWORD)
    responder_page.get_by_label("Code from your authenticator app").fill(responder.backup_codes[1])
    responder_page.get_by_role("button", name="Sign in").click()
    expect(responder_page.get_by_role("alert")).to_be_visible()
