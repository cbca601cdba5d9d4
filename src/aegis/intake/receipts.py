"""Receipt codes and the follow-up session.

A code is 20 characters of Crockford's base32 (100 random bits), shown as five groups of
four. Typing is forgiving: case, spaces and dashes do not matter, and O/I/L read as 0/1/1.
The server keeps only SHA-256 of the normalised code (to find the submission) and the
submission key wrapped under an Argon2id key derived from the code.

Between follow-up requests the derived key is kept in the server-side session only as
ciphertext, under a secret held in a cookie bound to the wipe key (the pattern of
accounts/session_keys.py): neither half alone opens the thread, closing the browser or
leaving ends it, and after a wipe a copy of the session's row opens nothing, cookie or not."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from aegis.vault import crypto, wipe_key

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CODE_LENGTH = 20  # 20 characters of 5 bits: 100 bits
GROUP = 4
_READS_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Besides spaces, dots and underscores: every kind of dash (autocorrect makes "-" an en
# dash), the minus sign and invisible format characters (a zero-width space pasted along).
_IGNORED_CATEGORIES = ("Pd", "Cf", "Zs", "Zl", "Zp", "Cc")
_IGNORED_CHARACTERS = "_.\u2212"

COOKIE = "aegis_receipt"
COOKIE_PATH = "/report/follow-up/"
SESSION_FIELD = "aegis_intake_thread"


def receipt_days() -> int:
    return int(getattr(settings, "AEGIS_RECEIPT_DAYS", 365))


def lifetime() -> timedelta:
    return timedelta(days=receipt_days())


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def normalise(code: str) -> str | None:
    """The canonical form of a typed code, or None when it cannot be a code."""
    if not isinstance(code, str) or len(code) > 200:
        return None
    folded = unicodedata.normalize("NFKC", code)  # full-width letters and digits as ASCII
    kept = "".join(
        ch
        for ch in folded
        if ch not in _IGNORED_CHARACTERS and unicodedata.category(ch) not in _IGNORED_CATEGORIES
    )
    cleaned = kept.upper().translate(_READS_AS)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def lookup_hash(normalised: str) -> str:
    return hashlib.sha256(f"aegis-receipt:{normalised}".encode()).hexdigest()


_deriving: threading.BoundedSemaphore | None = None
_creating = threading.Lock()


def derive(normalised: str, salt: bytes, cost: crypto.KdfCost) -> bytes:
    """Argon2id on a code. At most AEGIS_INTAKE_KDF_PER_PROCESS (default 1) derivations run at
    once in a web process, so a flood cannot multiply the 64+ MiB each one takes; libsodium
    releases the GIL, so the process's other threads keep serving forms meanwhile."""
    global _deriving
    with _creating:
        if _deriving is None:
            _deriving = threading.BoundedSemaphore(
                max(1, int(getattr(settings, "AEGIS_INTAKE_KDF_PER_PROCESS", 1)))
            )
    with _deriving:
        return crypto.derive_key(normalised, salt, cost)


@dataclass(frozen=True)
class ThreadAccess:
    """What opens one reporter's thread: the submission and the key derived from the code."""

    submission_id: uuid.UUID
    receipt_key: bytes


# --- The follow-up session ----------------------------------------------------------------


def remember(request: HttpRequest, access: ThreadAccess) -> str:
    """Keep the access in the session as ciphertext; return the cookie secret for the browser.
    The key that wraps it is the cookie secret bound to the wipe key; the secret alone
    (version 0) where the wipe key cannot be had (logged)."""
    secret = crypto.random_key()
    try:
        key, version = wipe_key.bind(secret, wipe_key.RECEIPT_SESSION), wipe_key.SEAL_VERSION
    except wipe_key.WipeKeyMissing:
        key, version = secret, 0
    sealed = crypto.box_encrypt(key, access.submission_id.bytes + access.receipt_key)
    request.session[SESSION_FIELD] = [base64.b64encode(sealed).decode(), version]
    return base64.urlsafe_b64encode(secret).decode()


def recall(request: HttpRequest) -> ThreadAccess | None:
    """The access kept in this browser's session, or None (the reporter types the code)."""
    stored = request.session.get(SESSION_FIELD)
    cookie = request.COOKIES.get(COOKIE)
    if not stored or not cookie:
        return None
    # Sessions stored before the wipe key existed hold the ciphertext alone (version 0).
    sealed, version = (stored, 0) if isinstance(stored, str) else (stored[0], int(stored[1]))
    try:
        secret = base64.urlsafe_b64decode(cookie.encode())
        if version >= wipe_key.SEAL_VERSION:
            secret = wipe_key.bind(secret, wipe_key.RECEIPT_SESSION)
        raw = crypto.box_decrypt(secret, base64.b64decode(sealed))
    except (ValueError, crypto.DecryptionError, wipe_key.WipeKeyMissing):
        return None
    if len(raw) != 16 + crypto.KEY_BYTES:
        return None
    return ThreadAccess(uuid.UUID(bytes=raw[:16]), raw[16:])


def set_cookie(response: HttpResponse, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        path=COOKIE_PATH,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Strict",
        max_age=None,
    )


def forget(request: HttpRequest, response: HttpResponse) -> None:
    request.session.pop(SESSION_FIELD, None)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, samesite="Strict")
