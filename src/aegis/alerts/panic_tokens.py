"""The panic page's token: the "Send alert now" form carries it, so a press still raises the
alert when the session ended while the page was open (30 idle minutes). It names the
defender, and is bound to their password and second-factor devices, so a new password or a
second factor reset ends every page shown before; a deactivated account, or one that must
enrol or choose a new password first, raises nothing. It is bound to the browser that was
shown the page too: a random secret in a cookie of its own (HttpOnly, SameSite=Strict, sent
to the panic page only), whose keyed hash the token holds, so a token copied out of the page
raises nothing elsewhere, and signing out (which deletes the cookie) ends it. It only raises
the defender's own panic alert (docs/decisions.md, "A panic page outlives its session")."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare, salted_hmac
from django_otp import devices_for_user

from aegis import clock
from aegis.accounts.session_keys import PANIC_COOKIE, panic_cookie_path

SALT = "aegis.panic-page"
FIELD = "panic_token"
COOKIE = PANIC_COOKIE
MAX_AGE = timedelta(hours=12)
_SECRET_CHARS = 43  # secrets.token_urlsafe(32)


def _stamp(user: Any) -> str:
    """Changes when the password or the second-factor devices change."""
    devices = sorted(d.persistent_id for d in devices_for_user(user, confirmed=None))
    value = "\n".join([str(user.password), *devices])
    return salted_hmac(SALT, value, algorithm="sha256").hexdigest()[:32]


def _browser(secret: str) -> str:
    return salted_hmac(SALT + ".browser", secret, algorithm="sha256").hexdigest()[:32]


def _secret_of(request: HttpRequest) -> str:
    value = request.COOKIES.get(COOKIE, "")
    return value if len(value) == _SECRET_CHARS else ""


def token_for(request: HttpRequest, response: HttpResponse) -> str:
    """A token for the signed-in user's page, bound to this browser's secret: the one it
    holds (so every tab open in it keeps working), else a new one set on `response`. The
    cookie is set again each time, to last as long as the newest page's token."""
    secret = _secret_of(request) or secrets.token_urlsafe(32)
    response.set_cookie(
        COOKIE,
        secret,
        max_age=int(MAX_AGE.total_seconds()),
        path=panic_cookie_path(),
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Strict",
    )
    when = int(clock.now().timestamp())
    value = {"u": request.user.pk, "s": _stamp(request.user), "b": _browser(secret), "t": when}
    return signing.dumps(value, salt=SALT)


def user_of(request: HttpRequest) -> Any | None:
    """The defender whose token the request carries, where it still raises their alert; else
    None (missing, tampered, over MAX_AGE old, sent without the cookie of the browser it was
    shown in or after that browser signed out, made before a new password or second factor,
    or the account deactivated, without its second factor set up yet, or no longer a
    defender's). Every refusal is answered alike (views.panic_signed_out)."""
    try:
        value = signing.loads(request.POST.get(FIELD, ""), salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(value.get(k), t) for k, t in (("u", int), ("s", str), ("b", str), ("t", int))
    ):
        return None
    if clock.now().timestamp() - value["t"] > MAX_AGE.total_seconds():
        return None
    secret = _secret_of(request)
    if not secret or not constant_time_compare(value["b"], _browser(secret)):
        return None
    user = get_user_model().objects.filter(pk=value["u"], is_active=True).first()
    if user is None or user.must_enrol:
        return None
    if not constant_time_compare(value["s"], _stamp(user)):
        return None
    if not user.has_perm("accounts.view_own_case"):
        return None
    return user
