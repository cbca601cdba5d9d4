"""Vault crypto benchmark: Aegis's wrappers against bare libsodium, measured in one process.

    .venv/bin/python bench/vault.py        (or: aegis bench vault)

(a) a 1 KiB field through aead_encrypt/aead_decrypt against the bare XChaCha20-Poly1305
    call (with a fresh random nonce per call, as any correct use needs);
(b) a 10 MiB file through encrypt_stream/decrypt_stream (io.BytesIO) against a bare
    secretstream push/pull loop over the same 64 KiB chunks;
(c) Argon2id through derive_key at the cost named by AEGIS_KDF_PROFILE (default
    "interactive").

No Django needed. Figures are medians of a few repetitions; ratios are Aegis / libsodium.
"""

from __future__ import annotations

import io
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

import nacl
import nacl.bindings as sodium
import nacl.utils

from aegis.vault import crypto

FIELD_BYTES = 1024
FIELD_OPS = 20_000  # operations per timed loop
FILE_BYTES = 10 * 1024 * 1024
FILE_OPS = 3  # files per timed loop
REPEATS = 9
KDF_REPEATS = 3
MB = 1_000_000
CONTEXT = b"cases.person.narrative:6f1c2a9e-3b1d-4c55-9a8e-0d1f2e3a4b5c"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def medians(*fns: Callable[[], object], repeats: int = REPEATS) -> list[float]:
    """Median seconds of each function; repetitions interleaved so drift hits all alike."""
    runs: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            runs[i].append(timed(fn))
    return [statistics.median(r) for r in runs]


# --- (a) fields -----------------------------------------------------------------------------


def bench_fields(key: bytes) -> list[tuple[str, float, float, int, int]]:
    """Rows of (operation, aegis seconds, libsodium seconds, operations, bytes each)."""
    plain = os.urandom(FIELD_BYTES)
    npub = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
    raw_encrypt = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt
    raw_decrypt = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt
    random = nacl.utils.random
    aead_encrypt, aead_decrypt = crypto.aead_encrypt, crypto.aead_decrypt

    ours = aead_encrypt(key, plain, CONTEXT)
    assert aead_decrypt(key, ours, CONTEXT) == plain
    nonce = random(npub)
    theirs = raw_encrypt(plain, CONTEXT, nonce, key)
    assert raw_decrypt(theirs, CONTEXT, nonce, key) == plain

    def aegis_enc() -> None:
        for _ in range(FIELD_OPS):
            aead_encrypt(key, plain, CONTEXT)

    def raw_enc() -> None:
        for _ in range(FIELD_OPS):
            raw_encrypt(plain, CONTEXT, random(npub), key)

    def aegis_dec() -> None:
        for _ in range(FIELD_OPS):
            aead_decrypt(key, ours, CONTEXT)

    def raw_dec() -> None:
        for _ in range(FIELD_OPS):
            raw_decrypt(theirs, CONTEXT, nonce, key)

    enc_ours, enc_raw, dec_ours, dec_raw = medians(aegis_enc, raw_enc, aegis_dec, raw_dec)
    return [
        ("field 1 KiB encrypt", enc_ours, enc_raw, FIELD_OPS, FIELD_BYTES),
        ("field 1 KiB decrypt", dec_ours, dec_raw, FIELD_OPS, FIELD_BYTES),
    ]


# --- (b) files ------------------------------------------------------------------------------


def raw_push(file_key: bytes, chunks: list[bytes], keep: bool = False) -> tuple[bytes, list[bytes]]:
    """The bare push loop; outputs are dropped unless kept (for the correctness check)."""
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, file_key)
    push = sodium.crypto_secretstream_xchacha20poly1305_push
    message = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
    final = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
    last = len(chunks) - 1
    out = []
    for i, chunk in enumerate(chunks):
        sealed = push(state, chunk, None, final if i == last else message)
        if keep:
            out.append(sealed)
    return header, out


def raw_pull(
    file_key: bytes, header: bytes, chunks: list[bytes], keep: bool = False
) -> list[bytes]:
    """The bare pull loop; outputs are dropped unless kept (for the correctness check)."""
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, header, file_key)
    pull = sodium.crypto_secretstream_xchacha20poly1305_pull
    out = []
    for chunk in chunks:
        plain, _tag = pull(state, chunk, None)
        if keep:
            out.append(plain)
    return out


def bench_files(key: bytes) -> list[tuple[str, float, float, int, int]]:
    data = os.urandom(FILE_BYTES)
    chunks = [data[i : i + crypto.CHUNK] for i in range(0, len(data), crypto.CHUNK)]
    file_key = sodium.crypto_secretstream_xchacha20poly1305_keygen()

    sealed = io.BytesIO()
    crypto.encrypt_stream(key, io.BytesIO(data), sealed)
    ciphertext = sealed.getvalue()
    opened = io.BytesIO()
    crypto.decrypt_stream(key, io.BytesIO(ciphertext), opened)
    assert opened.getvalue() == data
    header, raw_chunks = raw_push(file_key, chunks, keep=True)
    assert b"".join(raw_pull(file_key, header, raw_chunks, keep=True)) == data

    def aegis_enc() -> None:
        for _ in range(FILE_OPS):
            crypto.encrypt_stream(key, io.BytesIO(data), io.BytesIO())

    def raw_enc() -> None:
        for _ in range(FILE_OPS):
            raw_push(file_key, chunks)

    def aegis_dec() -> None:
        for _ in range(FILE_OPS):
            crypto.decrypt_stream(key, io.BytesIO(ciphertext), io.BytesIO())

    def raw_dec() -> None:
        for _ in range(FILE_OPS):
            raw_pull(file_key, header, raw_chunks)

    enc_ours, enc_raw, dec_ours, dec_raw = medians(aegis_enc, raw_enc, aegis_dec, raw_dec)
    return [
        ("file 10 MiB encrypt", enc_ours, enc_raw, FILE_OPS, FILE_BYTES),
        ("file 10 MiB decrypt", dec_ours, dec_raw, FILE_OPS, FILE_BYTES),
    ]


# --- (c) Argon2id ---------------------------------------------------------------------------


def bench_kdf(profile: str) -> tuple[crypto.KdfCost, list[float]]:
    cost = crypto.KDF_PROFILES[profile]
    salt = crypto.new_salt()
    runs = [
        timed(lambda: crypto.derive_key("a long passphrase", salt, cost))
        for _ in range(KDF_REPEATS)
    ]
    return cost, runs


# --- report ---------------------------------------------------------------------------------


def main() -> int:
    profile = os.environ.get("AEGIS_KDF_PROFILE") or "interactive"
    if profile not in crypto.KDF_PROFILES:
        names = ", ".join(crypto.KDF_PROFILES)
        print(f"Unknown AEGIS_KDF_PROFILE {profile!r}; choose one of: {names}", file=sys.stderr)
        return 2
    print(
        f"Aegis vault benchmark: Python {platform.python_version()}, PyNaCl {nacl.__version__}, "
        f"{os.cpu_count()} CPUs, median of {REPEATS} runs, one thread"
    )
    key = crypto.random_key()
    rows = bench_fields(key) + bench_files(key)

    head = (
        f"{'operation':<21}{'aegis ops/s':>13}{'aegis MB/s':>12}"
        f"{'sodium ops/s':>14}{'sodium MB/s':>13}{'ratio':>8}"
    )
    print()
    print(head)
    print("-" * len(head))
    for name, ours, raw, count, size in rows:
        volume = count * size
        print(
            f"{name:<21}{count / ours:>13,.0f}{volume / ours / MB:>12,.1f}"
            f"{count / raw:>14,.0f}{volume / raw / MB:>13,.1f}{raw / ours:>8.2f}"
        )
    print(
        "ratio = Aegis throughput / bare libsodium throughput (1.00 = no overhead); MB = 10^6 bytes"
    )

    cost, runs = bench_kdf(profile)
    median = statistics.median(runs)
    print()
    print(
        f"Argon2id ({profile}): opslimit {cost.opslimit}, memlimit {cost.memlimit / 2**20:.0f} MiB"
    )
    print(
        f"  median {median * 1000:,.1f} ms over {KDF_REPEATS} runs "
        f"(min {min(runs) * 1000:,.1f}, max {max(runs) * 1000:,.1f}); "
        f"at most {1 / median:,.1f} derivations/s per core"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
