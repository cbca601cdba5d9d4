"""Partner and organisation keys in the formats the standard tools use: age X25519
recipients (`age1…`) and identities (`AGE-SECRET-KEY-1…`), and minisign Ed25519 public keys
(the `RW…` line: "Ed", an 8-byte key id, the 32-byte key, in base64)."""

from __future__ import annotations

import base64
import binascii
import hashlib

import bech32
import pyrage
from django.utils.translation import gettext as _
from nacl.signing import VerifyKey
from pyrage import x25519

from aegis.audit import minisign
from aegis.rules import RuleError

MINISIGN_ALGORITHM = b"Ed"


def age_recipient(text: str) -> str:
    """The recipient as age writes it, or RuleError."""
    text = (text or "").strip()
    try:
        x25519.Recipient.from_str(text)
    except (pyrage.RecipientError, ValueError) as error:
        raise RuleError(
            _("This is not an age X25519 recipient: it starts with age1 (age-keygen -y)."),
            "age_recipient",
        ) from error
    return text


def same_recipient(one: str, other: str) -> bool:
    """Whether two age recipients are one key: age also reads one written in capitals."""
    return one.strip().lower() == other.strip().lower()


def _bech32(prefix: str, raw: bytes) -> str:
    words = bech32.convertbits(raw, 8, 5)
    assert words is not None  # whole bytes always convert
    return bech32.bech32_encode(prefix, words)


def recipient_for(public_key: bytes) -> str:
    return _bech32("age", public_key)


def identity_for(private_key: bytes) -> x25519.Identity:
    return x25519.Identity.from_str(_bech32("age-secret-key-", private_key).upper())


def minisign_line(text: str) -> str:
    """The base64 `RW…` line of a minisign public key (the whole .pub file is accepted)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(minisign.UNTRUSTED)]
    if len(lines) != 1:
        raise RuleError(
            _("This is not a minisign public key: give the line that starts with RW."),
            "minisign_key",
        )
    try:
        blob = base64.b64decode(lines[0], validate=True)
    except (binascii.Error, ValueError) as error:
        raise RuleError(
            _("This is not a minisign public key: give the line that starts with RW."),
            "minisign_key",
        ) from error
    if len(blob) != 42 or blob[:2] != MINISIGN_ALGORITHM:
        raise RuleError(
            _("This is not a minisign Ed25519 public key (42 bytes starting with Ed)."),
            "minisign_key",
        )
    return lines[0]


def verify_key(line: str) -> VerifyKey:
    return VerifyKey(base64.b64decode(line)[10:])


def same_signing_key(one: str, other: str) -> bool:
    """Whether two minisign lines hold one Ed25519 key, whatever key id each names."""
    return bytes(verify_key(one)) == bytes(verify_key(other))


def key_id(line: str) -> bytes:
    return base64.b64decode(line)[2:10]


def key_id_text(raw: bytes) -> str:
    # minisign prints the 8 key id bytes as one little-endian number in hex.
    return raw[::-1].hex().upper()


def line_for(key: VerifyKey) -> str:
    return base64.b64encode(MINISIGN_ALGORITHM + minisign.key_id(key) + bytes(key)).decode()


def public_key_file(line: str) -> str:
    """A minisign .pub file for this key, as `minisign -p` reads it."""
    return f"{minisign.UNTRUSTED}minisign public key {key_id_text(key_id(line))}\n{line}\n"


def fingerprint(age: str, minisign_key: str) -> str:
    """What two organisations read to each other out of band: SHA-256 of both keys, in
    groups of four."""
    digest = hashlib.sha256(f"{age}\n{minisign_key}".encode()).hexdigest()[:32].upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def recipient_fingerprint(age: str) -> str:
    """The fingerprint a manifest names the recipient by: SHA-256 of its age recipient."""
    return hashlib.sha256(age.encode()).hexdigest()
