"""Thin, named wrappers over libsodium (PyNaCl). No primitive is implemented here.

- Argon2id turns a passphrase into a 32-byte key.
- X25519 sealed boxes wrap a data key to a holder's public key.
- XChaCha20-Poly1305 (AEAD) encrypts fields, bound to their context by associated data.
- secretstream (XChaCha20-Poly1305) encrypts files in chunks, so memory stays flat.
- HMAC-SHA256 makes blind indexes.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import BinaryIO

import nacl.bindings as sodium
import nacl.exceptions
import nacl.pwhash
import nacl.utils
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

KEY_BYTES = 32
FIELD_VERSION = b"\x01"
PADDED_FIELD_VERSION = b"\x02"  # aead_encrypt(pad=...)
MIN_PADDED = 256
LINE_PADDED = 1024  # a headline or an address, in any script or percent-encoded
NAME_PADDED = 128  # a person's name, a phone number, an email address, in any script
FILE_MAGIC = b"AEGISF1\n"
CHUNK = 64 * 1024


class DecryptionError(Exception):
    """Ciphertext could not be authenticated: wrong key, wrong context or altered bytes."""


@dataclass(frozen=True)
class KdfCost:
    opslimit: int
    memlimit: int


KDF_PROFILES = {
    "sensitive": KdfCost(
        nacl.pwhash.argon2id.OPSLIMIT_SENSITIVE, nacl.pwhash.argon2id.MEMLIMIT_SENSITIVE
    ),
    "moderate": KdfCost(
        nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE
    ),
    "interactive": KdfCost(
        nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE, nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE
    ),
    # Only for the test suite: the cheapest cost libsodium accepts.
    "test": KdfCost(nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN),
}


def random_key() -> bytes:
    return nacl.utils.random(KEY_BYTES)


def new_salt() -> bytes:
    return nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)


def derive_key(passphrase: str | bytes, salt: bytes, cost: KdfCost) -> bytes:
    """Argon2id: a 32-byte key from a passphrase."""
    secret = passphrase.encode() if isinstance(passphrase, str) else passphrase
    return nacl.pwhash.argon2id.kdf(
        KEY_BYTES, secret, salt, opslimit=cost.opslimit, memlimit=cost.memlimit
    )


def derive_subkey(master: bytes, purpose: bytes) -> bytes:
    """A key for one purpose from a high-entropy secret (BLAKE2b keyed hash)."""
    return hashlib.blake2b(purpose, key=master[:64], digest_size=KEY_BYTES).digest()


def box_encrypt(key: bytes, plaintext: bytes) -> bytes:
    return bytes(SecretBox(key).encrypt(plaintext))


def box_decrypt(key: bytes, ciphertext: bytes) -> bytes:
    try:
        return SecretBox(key).decrypt(ciphertext)
    except nacl.exceptions.CryptoError as exc:
        raise DecryptionError("secret box did not authenticate") from exc


def seal(public_key: bytes, plaintext: bytes) -> bytes:
    return bytes(SealedBox(PublicKey(public_key)).encrypt(plaintext))


def unseal(private_key: PrivateKey, ciphertext: bytes) -> bytes:
    try:
        return SealedBox(private_key).decrypt(ciphertext)
    except nacl.exceptions.CryptoError as exc:
        raise DecryptionError("sealed box did not open with this key") from exc


def padded_length(n: int, minimum: int = MIN_PADDED) -> int:
    """The length a plaintext of n bytes is padded to: Padmé (Nikitin et al., "Reducing
    metadata leakage from encrypted files and communication with PURBs", 2019: at most 12%
    more, lengths rounded so that they leak O(log log n) bits), and at least `minimum`, so
    that short values (a headline, an address) all look alike. One byte is the marker."""
    n += 1
    exponent = n.bit_length() - 1
    zeroed = max(exponent - exponent.bit_length(), 0)
    mask = (1 << zeroed) - 1
    return max((n + mask) & ~mask, minimum)


def aead_encrypt(key: bytes, plaintext: bytes, context: bytes, *, pad: int = 0) -> bytes:
    """A field's ciphertext. With `pad` (a minimum length in bytes, e.g. MIN_PADDED), the
    plaintext is padded first (libsodium's ISO/IEC 7816-4 padding, to padded_length), so
    that the length of a public text (a news article) does not tell which one it is; the
    version byte says so and is bound to the context, so that one kind is never read as the
    other."""
    nonce = nacl.utils.random(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    version = PADDED_FIELD_VERSION if pad else FIELD_VERSION
    if pad:
        plaintext = sodium.sodium_pad(plaintext, padded_length(len(plaintext), pad))
        context += version
    body = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, context, nonce, key)
    return version + nonce + body


def aead_decrypt(key: bytes, ciphertext: bytes, context: bytes) -> bytes:
    n = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
    version = ciphertext[:1]
    if version not in (FIELD_VERSION, PADDED_FIELD_VERSION) or len(ciphertext) < 1 + n:
        raise DecryptionError("unknown ciphertext format")
    nonce, body = ciphertext[1 : 1 + n], ciphertext[1 + n :]
    padded = version == PADDED_FIELD_VERSION
    try:
        plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            body, context + version if padded else context, nonce, key
        )
        return sodium.sodium_unpad(plaintext, len(plaintext)) if padded else plaintext
    except (nacl.exceptions.CryptoError, ValueError) as exc:
        raise DecryptionError("field did not authenticate") from exc


def hmac_index(key: bytes, normalised: str, domain: str) -> str:
    """Blind index: HMAC-SHA256 over a domain-separated, normalised value (128 bits, hex)."""
    mac = hmac.new(key, f"{domain}\x00{normalised}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def encrypt_stream(key: bytes, source: BinaryIO, target: BinaryIO) -> int:
    """Encrypt a file with a fresh file key wrapped under `key`; returns bytes written."""
    file_key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
    wrapped = box_encrypt(key, file_key)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, file_key)
    written = target.write(FILE_MAGIC + len(wrapped).to_bytes(2, "big") + wrapped + header)
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        tag = (
            sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
            if not following
            else sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
        )
        written += target.write(
            sodium.crypto_secretstream_xchacha20poly1305_push(state, chunk, None, tag)
        )
        if not following:
            return written
        chunk = following


def decrypt_stream(key: bytes, source: BinaryIO, target: BinaryIO) -> int:
    """Decrypt what encrypt_stream wrote; refuses truncated, reordered or altered files."""
    if source.read(len(FILE_MAGIC)) != FILE_MAGIC:
        raise DecryptionError("not an Aegis encrypted file")
    wrapped = source.read(int.from_bytes(source.read(2), "big"))
    file_key = box_decrypt(key, wrapped)
    header = source.read(sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, header, file_key)
    step = CHUNK + sodium.crypto_secretstream_xchacha20poly1305_ABYTES
    written = 0
    while chunk := source.read(step):
        try:
            plain, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(state, chunk, None)
        except nacl.exceptions.CryptoError as exc:
            raise DecryptionError("file chunk did not authenticate") from exc
        written += target.write(plain)
        if tag == sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL:
            if source.read(1):
                raise DecryptionError("data after the final chunk")
            return written
    raise DecryptionError("file is truncated")


def new_keypair() -> PrivateKey:
    return PrivateKey.generate()


def private_key_from_bytes(raw: bytes) -> PrivateKey:
    return PrivateKey(raw)
