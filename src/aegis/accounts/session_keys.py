"""The unwrapped private key between requests: kept in the server-side session only as
ciphertext, under a secret that lives only in the user's cookie. Neither half alone opens it;
logout or expiry deletes the session half."""

from __future__ import annotations

import base64

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from nacl.public import PrivateKey

from aegis.vault import crypto, wipe_key
from aegis.vault.keychain import Keychain

COOKIE = "aegis_key"
SESSION_FIELD = "aegis_wrapped_key"
# The browser's half of the panic page's token (alerts.panic_tokens): it outlives the
# session (for 12 hours), and an explicit sign-out deletes it (forget_panic_cookie).
PANIC_COOKIE = "aegis_panic"


def store(request: HttpRequest, keypair_id: int, private_key: PrivateKey) -> str:
    """Put the wrapped key in the session; return the cookie secret to hand to the browser.
    The key that wraps it is the cookie secret bound to the wipe key (so that a copy of the
    session's row left on the disk opens with nothing after a wipe, cookie or not); the
    secret alone where the wipe key cannot be had (logged)."""
    secret = crypto.random_key()
    try:
        key, version = wipe_key.bind(secret, wipe_key.SESSION), wipe_key.SEAL_VERSION
    except wipe_key.WipeKeyMissing:
        key, version = secret, 0
    wrapped = crypto.box_encrypt(key, bytes(private_key))
    request.session[SESSION_FIELD] = [keypair_id, base64.b64encode(wrapped).decode(), version]
    return base64.urlsafe_b64encode(secret).decode()


def set_cookie(response: HttpResponse, cookie_value: str) -> None:
    response.set_cookie(
        COOKIE,
        cookie_value,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
        max_age=None,
    )


def panic_cookie_path() -> str:
    return reverse("alerts:panic")


def forget_panic_cookie(response: HttpResponse) -> None:
    response.delete_cookie(PANIC_COOKIE, path=panic_cookie_path(), samesite="Strict")


def keychain_for(request: HttpRequest, user_id: int) -> Keychain | None:
    stored = request.session.get(SESSION_FIELD)
    cookie = request.COOKIES.get(COOKIE)
    if not stored or not cookie:
        return None
    # Sessions stored before the wipe key existed hold two items (version 0).
    keypair_id, wrapped, *rest = stored
    version = rest[0] if rest else 0
    try:
        secret = base64.urlsafe_b64decode(cookie.encode())
        if version >= wipe_key.SEAL_VERSION:
            secret = wipe_key.bind(secret, wipe_key.SESSION)
        raw = crypto.box_decrypt(secret, base64.b64decode(wrapped))
    except (ValueError, crypto.DecryptionError, wipe_key.WipeKeyMissing):
        return None
    return Keychain({int(keypair_id): PrivateKey(raw)}, actor_id=user_id)
