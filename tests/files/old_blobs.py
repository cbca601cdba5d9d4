"""Blobs as the store wrote them before files were padded, so that tests can check they
still open. Made from libsodium's own calls, as the store made them then."""

from __future__ import annotations

import nacl.bindings as sodium

from aegis.vault import crypto


def unpadded_blob(key: bytes, data: bytes) -> bytes:
    """The old format (FILE_MAGIC), for a file of at most one chunk."""
    assert len(data) <= crypto.CHUNK
    file_key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
    wrapped = crypto.box_encrypt(key, file_key)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, file_key)
    body = sodium.crypto_secretstream_xchacha20poly1305_push(
        state, data, None, sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
    )
    return crypto.FILE_MAGIC + len(wrapped).to_bytes(2, "big") + wrapped + header + body
