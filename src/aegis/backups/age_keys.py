"""age's names for the organisation recovery key. The recovery key is an X25519 keypair, as
age's X25519 recipients are: age writes the same 32-byte private scalar as a Bech32
`AGE-SECRET-KEY-1…` identity and the public key as an `age1…` recipient. So the server, which
holds only the recovery public key, encrypts backups to it, and the recovery key as `aegis
init` printed it (or the identity derived from it) opens them, with Aegis or with `age -d`."""

from __future__ import annotations

import bech32
import pyrage
from pyrage import x25519

from aegis.vault import services as vault

RECIPIENT_PREFIX = "age"
IDENTITY_PREFIX = "age-secret-key-"


class KeyNotUsable(ValueError):
    """The text given as a key is neither a recovery key nor an age identity."""


def _bech32(prefix: str, raw: bytes) -> str:
    words = bech32.convertbits(raw, 8, 5)
    if words is None:  # never for whole bytes; the library's type says it could be
        raise KeyNotUsable("this key cannot be written in Bech32")
    return bech32.bech32_encode(prefix, words)


def recipient_for(public_key: bytes) -> str:
    """The `age1…` recipient of an X25519 public key."""
    return _bech32(RECIPIENT_PREFIX, public_key)


def recovery_recipient() -> str | None:
    """The organisation's recovery key as an age recipient, or None before `aegis init`."""
    keypair = vault.recovery_keypair()
    return recipient_for(bytes(keypair.public_key)) if keypair else None


def identity_text(recovery_key_text: str) -> str:
    """The `AGE-SECRET-KEY-1…` identity of a recovery key as `aegis init` printed it."""
    try:
        private_key = vault.parse_recovery_key(recovery_key_text)
    except vault.WrongPassphrase as error:
        raise KeyNotUsable(str(error)) from error
    return _bech32(IDENTITY_PREFIX, bytes(private_key)).upper()


def identities(key_text: str) -> list[x25519.Identity]:
    """The identities in a key file: an age identity file (`AGE-SECRET-KEY-1…` lines, `#`
    comments) or the recovery key as `aegis init` printed it."""
    lines = [line.strip() for line in key_text.splitlines()]
    found = [line for line in lines if line.upper().startswith("AGE-SECRET-KEY-1")]
    texts = found or [identity_text(key_text)]
    try:
        return [x25519.Identity.from_str(text.upper()) for text in texts]
    except pyrage.IdentityError as error:
        raise KeyNotUsable("this is not an age identity: check for typing mistakes") from error


def recipients(texts: list[str]) -> list[x25519.Recipient]:
    try:
        return [x25519.Recipient.from_str(text.strip()) for text in texts]
    except pyrage.RecipientError as error:
        raise KeyNotUsable("this is not an age X25519 recipient (age1…)") from error
