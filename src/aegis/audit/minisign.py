"""Signatures in minisign's format (Ed25519 through PyNaCl), so that anyone can check them with
the `minisign` command: `minisign -V -p aegis-audit.pub -m checkpoint.json`.

A signature file holds the prehashed ("ED") signature of the message and a second signature
over that one plus a trusted comment, which minisign prints once both verify."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from nacl.encoding import RawEncoder
from nacl.exceptions import BadSignatureError
from nacl.hash import blake2b
from nacl.signing import SigningKey, VerifyKey

UNTRUSTED = "untrusted comment: "
TRUSTED = "trusted comment: "


class SignatureInvalid(Exception):
    """The signature file is unreadable, from another key, or does not match."""


def key_id(verify_key: VerifyKey) -> bytes:
    return blake2b(bytes(verify_key), digest_size=8, encoder=RawEncoder)


def key_id_text(verify_key: VerifyKey) -> str:
    # minisign prints the 8 key id bytes as one little-endian 64-bit number in hex.
    return key_id(verify_key)[::-1].hex().upper()


def public_key_file(verify_key: VerifyKey) -> str:
    blob = b"Ed" + key_id(verify_key) + bytes(verify_key)
    return (
        f"{UNTRUSTED}minisign public key {key_id_text(verify_key)}\n"
        f"{base64.b64encode(blob).decode()}\n"
    )


def _prehash(message: bytes) -> bytes:
    return blake2b(message, digest_size=64, encoder=RawEncoder)


def sign(message: bytes, key: SigningKey, *, trusted: str, untrusted: str) -> str:
    if "\n" in trusted or "\n" in untrusted:
        raise ValueError("comments are one line each")
    signature = key.sign(_prehash(message)).signature
    blob = b"ED" + key_id(key.verify_key) + signature
    global_signature = key.sign(signature + trusted.encode()).signature
    return (
        f"{UNTRUSTED}{untrusted}\n{base64.b64encode(blob).decode()}\n"
        f"{TRUSTED}{trusted}\n{base64.b64encode(global_signature).decode()}\n"
    )


@dataclass(frozen=True)
class Signature:
    algorithm: bytes  # b"ED" prehashed, b"Ed" legacy
    key_id: bytes
    signature: bytes
    trusted: str
    global_signature: bytes


def parse(text: str) -> Signature:
    lines = text.splitlines()
    if len(lines) < 4 or not lines[0].startswith(UNTRUSTED) or not lines[2].startswith(TRUSTED):
        raise SignatureInvalid("This is not a minisign signature file.")
    try:
        blob = base64.b64decode(lines[1], validate=True)
        global_signature = base64.b64decode(lines[3], validate=True)
    except (binascii.Error, ValueError) as error:
        raise SignatureInvalid("The signature file is damaged.") from error
    if len(blob) != 74 or blob[:2] not in (b"ED", b"Ed") or len(global_signature) != 64:
        raise SignatureInvalid("The signature file is damaged.")
    return Signature(blob[:2], blob[2:10], blob[10:], lines[2][len(TRUSTED) :], global_signature)


def verify(
    signature: Signature, message: bytes, verify_key: VerifyKey, *, public_key_id: bytes = b""
) -> None:
    """Raise SignatureInvalid unless `signature` is this key's over `message` and its comment.
    `public_key_id`: the id written in the key's .pub file, where the key is someone else's:
    `minisign -G` draws a random one, whereas this instance's own keys take a hash of the key."""
    expected = public_key_id or key_id(verify_key)
    if signature.key_id != expected:
        whose = "key" if public_key_id else "this instance's key"
        raise SignatureInvalid(
            f"It was signed with key {signature.key_id[::-1].hex().upper()}, not with {whose} "
            f"{expected[::-1].hex().upper()}."
        )
    signed = _prehash(message) if signature.algorithm == b"ED" else message
    try:
        verify_key.verify(signed, signature.signature)
        comment = signature.signature + signature.trusted.encode()
        verify_key.verify(comment, signature.global_signature)
    except BadSignatureError as error:
        raise SignatureInvalid("The signature does not match: the file was altered.") from error
