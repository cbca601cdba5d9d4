"""The sign-in throttle: a stranger can slow the guessing of an account, but can never lock
its owner out.

Failed sign-ins are counted per bucket: one bucket for an account typed from any browser, and
one for each browser where that account signed in before (it holds a device cookie, signed
for that account and set at every successful sign-in). After AEGIS_LOGIN_FAILURE_LIMIT
failures (5) a bucket must wait 1, 2, 4 ... seconds, at most AEGIS_LOGIN_MAX_DELAY_SECONDS
(300), after its latest checked attempt. An attempt that comes sooner is answered "wait" and
nothing is checked, so a guesser gets one try per delay. The owner's own browser is in a
bucket a guesser cannot reach. A correct password with a correct second factor empties the
bucket it was made in. Failures are forgotten a day after the last one.

Each checked attempt is counted before the check and uncounted when it succeeds, so parallel
requests cannot slip past the delay together.

Nothing identifies the person or the client: a bucket is a keyed hash (under a key derived
from SECRET_KEY) of the case-folded username and the device id. The device cookie holds a
random id and its signature, nothing that names the account, and it is sent only to the
sign-in page."""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from aegis import clock
from aegis.vault import crypto

from .models import SignInFailures

DEVICE_COOKIE = "aegis_device"
DEVICE_DAYS = 90
FORGET_AFTER = timedelta(days=1)


def failure_limit() -> int:
    return int(getattr(settings, "AEGIS_LOGIN_FAILURE_LIMIT", 5))


def max_delay() -> int:
    return int(getattr(settings, "AEGIS_LOGIN_MAX_DELAY_SECONDS", 300))


def delay_after(failures: int) -> int:
    """Seconds a bucket waits after its latest checked attempt, given its failures."""
    over = failures - failure_limit()
    return 0 if over < 0 else min(max_delay(), 2 ** min(over, 30))


def _key() -> bytes:
    return crypto.derive_subkey(settings.SECRET_KEY.encode(), b"aegis sign-in throttle")


def _account(username: str) -> str:
    return crypto.hmac_index(_key(), username.casefold(), "sign-in account")


def _signer(account: str) -> signing.Signer:
    return signing.Signer(salt=f"aegis.accounts.device:{account}")


def _device(request: HttpRequest, account: str) -> str | None:
    """The id of this browser, when it signed in to this account before."""
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return None
    try:
        return _signer(account).unsign(value)
    except signing.BadSignature:
        return None


def bucket_of(username: str, device: str | None = None) -> str:
    return crypto.hmac_index(_key(), f"{_account(username)}:{device or ''}", "sign-in bucket")


def bucket_for(request: HttpRequest, username: str) -> str:
    return bucket_of(username, _device(request, _account(username)))


def account_of(username: str) -> str:
    """The keyed hash every bucket of this account is filed under (see `unlock`)."""
    return _account(username)


def claim(bucket: str, account: str = "") -> int:
    """Seconds this bucket must still wait; 0 when the attempt may be checked now, and then it
    is counted as a failure until `forget` says it succeeded."""
    now = clock.now()
    with transaction.atomic():
        row, created = SignInFailures.objects.select_for_update().get_or_create(
            bucket=bucket, defaults={"last_failure_at": now, "account": account}
        )
        if created:
            SignInFailures.objects.filter(last_failure_at__lt=now - FORGET_AFTER).delete()
        elif now - row.last_failure_at >= FORGET_AFTER:
            row.failures = 0
        else:
            ready = row.last_failure_at + timedelta(seconds=delay_after(row.failures))
            if ready > now:
                return math.ceil((ready - now).total_seconds())
        row.failures += 1
        row.last_failure_at = now
        row.save(update_fields=["failures", "last_failure_at"])
    return 0


def forget(bucket: str) -> None:
    SignInFailures.objects.filter(bucket=bucket).delete()


def forget_older(than: datetime) -> int:
    """Drop the counts last added to before `than` (retention: kept no longer than needed)."""
    deleted, _ = SignInFailures.objects.filter(last_failure_at__lt=than).delete()
    return deleted


def unlock(username: str) -> int:
    """Forget every failure counted against this account, from every browser; returns how
    many buckets were cleared. There is no hard lock to lift: the throttle only makes
    guessers wait, and this lets the owner try again at once."""
    deleted, _ = SignInFailures.objects.filter(account=_account(username)).delete()
    return deleted


def failures(bucket: str) -> int:
    """Recent failures of a bucket (for the tests and the curious administrator)."""
    row = SignInFailures.objects.filter(bucket=bucket).first()
    if row is None or clock.now() - row.last_failure_at >= FORGET_AFTER:
        return 0
    return row.failures


def trust_device(request: HttpRequest, response: HttpResponse, username: str) -> None:
    """After a successful sign-in: this browser gets (or keeps) its own bucket for the account."""
    account = _account(username)
    device = _device(request, account) or secrets.token_urlsafe(18)
    response.set_cookie(
        DEVICE_COOKIE,
        _signer(account).sign(device),
        max_age=DEVICE_DAYS * 24 * 3600,
        path=reverse("accounts:login"),
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Strict",
    )
