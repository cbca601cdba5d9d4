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
from aegis.roles import Role
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
    admin_page.get_by_role("link", name="Deactivate").click()
    expect(admin_page.get_by_role("heading", name="Deactivate tomas?")).to_be_visible()
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


def test_a_new_person_enrols_with_a_qr_code_then_replaces_the_first_password(
    contexts, async_unsafe_allowed
):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from aegis.accounts import lifecycle

    bootstrap.create_organisation_keys()
    user = lifecycle.invite_user("nadia", PASSWORD, Role.RESPONDER, actor_id=None)
    page = contexts[0].new_page()
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()  # no code yet
    expect(page.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    page.get_by_label("The 6-digit code your authenticator app shows now").fill(f"{code:06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    expect(page.locator("ul.codes li")).to_have_count(10)
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    page.goto("/alerts/")  # nothing else opens before the new password
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    assert violations == []
