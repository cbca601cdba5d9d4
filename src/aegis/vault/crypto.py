"""Thin, named wrappers over libsodium (PyNaCl). No primitive is implemented here.

- Argon2id turns a passphrase into a 32-byte key.
- X25519 sealed boxes wrap a data key to a holder's public key.
- XChaCha20-Poly1305 (AEAD) encrypts fields, bound to their context by associated data.
- secretstream (XChaCha20-Poly1305) encrypts files in chunks, so memory stays flat; a file
  is padded first (Padmé, as padded fields are), so its length does not tell which one it is.
- HMAC-SHA256 makes blind indexes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
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
FILE_MAGIC = b"AEGISF1\n"  # files written before padding: read, never written
PADDED_FILE_MAGIC = b"AEGISF2\n"
CHUNK = 64 * 1024
# The least a file is padded to: one whole chunk, so that short texts and small pictures all
# look alike on disk.
MIN_FILE_PADDED = CHUNK


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


def padded_file_length(n: int) -> int:
    """The length a file of n bytes is padded to before it is encrypted (padded_length, at
    least MIN_FILE_PADDED): the length of its blob on disk follows from this alone."""
    return padded_length(n, MIN_FILE_PADDED)


def _read_full(source: BinaryIO, size: int) -> bytes:
    """`size` bytes, fewer only at the end of `source` (a pipe may return less at a time)."""
    chunk = source.read(size)
    while chunk and len(chunk) < size:
        more = source.read(size - len(chunk))
        if not more:
            break
        chunk += more
    return chunk


def _padded_chunks(source: BinaryIO) -> Iterator[bytes]:
    """The file's bytes followed by its padding (ISO/IEC 7816-4, as sodium_pad: one 0x80
    byte, then zeros, to padded_file_length), in chunks of CHUNK bytes but the last. The
    length is known only at the end of `source`, so the padding is made then, a chunk at a
    time."""
    n = 0
    while len(chunk := _read_full(source, CHUNK)) == CHUNK:
        n += CHUNK
        yield chunk
    left = padded_file_length(n + len(chunk)) - n  # what is still to push, `chunk` included
    piece = chunk + b"\x80"
    while left > 0:
        size = min(CHUNK, left)
        yield piece + bytes(size - len(piece))
        left -= size
        piece = b""


def encrypt_stream(key: bytes, source: BinaryIO, target: BinaryIO) -> int:
    """Encrypt a file with a fresh file key wrapped under `key`; returns bytes written. The
    file is padded (_padded_chunks), so that the blob's length says only which of a few
    sizes it falls in, never which public photo, video or document it is; the format's
    version is bound to every chunk, so a padded file is never read as an unpadded one."""
    file_key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
    wrapped = box_encrypt(key, file_key)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, file_key)
    written = target.write(PADDED_FILE_MAGIC + len(wrapped).to_bytes(2, "big") + wrapped + header)

    def push(chunk: bytes, tag: int) -> int:
        return target.write(
            sodium.crypto_secretstream_xchacha20poly1305_push(state, chunk, PADDED_FILE_MAGIC, tag)
        )

    chunks = _padded_chunks(source)
    chunk = next(chunks)
    for following in chunks:
        written += push(chunk, sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
        chunk = following
    return written + push(chunk, sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL)


class _Unpadding:
    """Writes what a padded file's chunks hold less the padding, as they come: the last
    non-zero byte and the zeros after it are held back (the zeros as a count, so that
    megabytes of padding cost no memory) until a later non-zero byte shows they were the
    file's own."""

    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.held = b""
        self.zeros = 0
        self.written = 0

    def write(self, plain: bytes) -> None:
        end = len(plain)
        if end and plain[-1] == 0:  # most chunks end otherwise: no copy for them
            end = len(plain.rstrip(b"\x00"))
        if end == 0:
            self.zeros += len(plain)
            return
        self.written += self.target.write(self.held)
        while self.zeros:
            size = min(self.zeros, CHUNK)
            self.written += self.target.write(bytes(size))
            self.zeros -= size
        self.written += self.target.write(memoryview(plain)[: end - 1])
        self.held, self.zeros = plain[end - 1 : end], len(plain) - end

    def finish(self) -> int:
        if self.held != b"\x80":
            raise DecryptionError("file padding is malformed")
        return self.written


def decrypt_stream(key: bytes, source: BinaryIO, target: BinaryIO) -> int:
    """Decrypt what encrypt_stream wrote (and files written before they were padded); writes
    exactly the file's bytes, returns how many; refuses truncated, reordered or altered
    files."""
    magic = source.read(len(FILE_MAGIC))
    if magic not in (FILE_MAGIC, PADDED_FILE_MAGIC):
        raise DecryptionError("not an Aegis encrypted file")
    padded = magic == PADDED_FILE_MAGIC
    wrapped = source.read(int.from_bytes(source.read(2), "big"))
    file_key = box_decrypt(key, wrapped)
    header = source.read(sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, header, file_key)
    step = CHUNK + sodium.crypto_secretstream_xchacha20poly1305_ABYTES
    unpadding = _Unpadding(target) if padded else None
    written = 0
    while chunk := source.read(step):
        try:
            plain, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(
                state, chunk, PADDED_FILE_MAGIC if padded else None
            )
        except nacl.exceptions.CryptoError as exc:
            raise DecryptionError("file chunk did not authenticate") from exc
        if unpadding is not None:
            unpadding.write(plain)
        else:
            written += target.write(plain)
        if tag == sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL:
            if source.read(1):
                raise DecryptionError("data after the final chunk")
            return unpadding.finish() if unpadding is not None else written
    raise DecryptionError("file is truncated")


def new_keypair() -> PrivateKey:
    return PrivateKey.generate()


def private_key_from_bytes(raw: bytes) -> PrivateKey:
    return PrivateKey(raw)
