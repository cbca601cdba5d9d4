"""The panic page's token: the "Send alert now" form carries it, so a press still raises the
alert when the session ended while the page was open (30 idle minutes). It names the
defender, and is bound to their password and second-factor devices, so a new password or a
second factor reset ends every page shown before; a deactivated account, or one that must
enrol or choose a new password first, raises nothing. It only raises the defender's own
panic alert (docs/decisions.md, "A panic page outlives its session")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from django_otp import devices_for_user

from aegis import clock

SALT = "aegis.panic-page"
FIELD = "panic_token"
MAX_AGE = timedelta(hours=24)


def _stamp(user: Any) -> str:
    """Changes when the password or the second-factor devices change."""
    devices = sorted(d.persistent_id for d in devices_for_user(user, confirmed=None))
    value = "\n".join([str(user.password), *devices])
    return salted_hmac(SALT, value, algorithm="sha256").hexdigest()[:32]


def token_for(user: Any) -> str:
    when = int(clock.now().timestamp())
    return signing.dumps({"u": user.pk, "s": _stamp(user), "t": when}, salt=SALT)


def user_of(token: str) -> Any | None:
    """The defender a token was made for, where it still raises their alert; else None
    (tampered, over MAX_AGE old, made before a new password or second factor, or the account
    deactivated, held at its first-sign-in pages, or no longer a defender's)."""
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(value.get(k), t) for k, t in (("u", int), ("s", str), ("t", int))
    ):
        return None
    if clock.now().timestamp() - value["t"] > MAX_AGE.total_seconds():
        return None
    user = get_user_model().objects.filter(pk=value["u"], is_active=True).first()
    if user is None or user.must_enrol or user.must_change_password:
        return None
    if not constant_time_compare(value["s"], _stamp(user)):
        return None
    if not user.has_perm("accounts.view_own_case"):
        return None
    return user
