"""Property tests: round trips, key wrapping and blind-index normalisation."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.public import PrivateKey

from aegis.vault import crypto, normalise

pytestmark = pytest.mark.engine_independent

keys = st.binary(min_size=32, max_size=32)


@given(key=keys, plaintext=st.binary(max_size=4096), context=st.binary(max_size=64))
def test_field_round_trip(key, plaintext, context):
    stored = crypto.aead_encrypt(key, plaintext, context)
    assert crypto.aead_decrypt(key, stored, context) == plaintext
    if len(plaintext) >= 12:  # shorter strings may occur in random bytes by chance
        assert plaintext not in stored


@given(
    key=keys,
    other=keys,
    plaintext=st.binary(min_size=1, max_size=256),
    flip=st.integers(min_value=0),
)
def test_field_rejects_wrong_key_and_altered_bytes(key, other, plaintext, flip):
    stored = bytearray(crypto.aead_encrypt(key, plaintext, b"c"))
    if other != key:
        try:
            crypto.aead_decrypt(other, bytes(stored), b"c")
        except crypto.DecryptionError:
            pass
        else:
            raise AssertionError("a wrong key opened the field")
    position = 1 + flip % (len(stored) - 1)
    stored[position] ^= 0x01
    try:
        crypto.aead_decrypt(key, bytes(stored), b"c")
    except crypto.DecryptionError:
        return
    raise AssertionError("an altered ciphertext opened")


@settings(deadline=None)
@given(
    key=keys,
    plaintext=st.binary(max_size=70_000),
    pad=st.sampled_from([0, crypto.MIN_PADDED, crypto.LINE_PADDED]),
)
def test_a_padded_field_opens_to_its_value_and_never_as_the_other_kind(key, plaintext, pad):
    stored = crypto.aead_encrypt(key, plaintext, b"c", pad=pad)
    assert crypto.aead_decrypt(key, stored, b"c") == plaintext
    swapped = (crypto.FIELD_VERSION if pad else crypto.PADDED_FIELD_VERSION) + stored[1:]
    with pytest.raises(crypto.DecryptionError):
        crypto.aead_decrypt(key, swapped, b"c")  # the version byte is authenticated too
    overhead = len(crypto.aead_encrypt(key, b"", b"c"))
    if pad:
        padded = len(stored) - overhead
        assert padded == crypto.padded_length(len(plaintext), pad)
        assert padded <= max(pad, (len(plaintext) + 1) * 1.12)


@given(n=st.integers(min_value=0, max_value=10_000_000))
def test_padded_lengths_are_few_and_grow_with_the_value(n):
    padded = crypto.padded_length(n)
    assert padded > n and padded >= crypto.padded_length(max(n - 1, 0))
    # Padmé: at most ~log2 of the exponent significant bits, so few distinct lengths.
    exponent = padded.bit_length() - 1
    assert padded % (1 << max(exponent - exponent.bit_length(), 0)) == 0


def test_every_value_up_to_255_bytes_pads_to_the_same_length():
    assert {crypto.padded_length(n) for n in range(256)} == {crypto.MIN_PADDED}


@settings(max_examples=40, deadline=None)
@given(key=keys, data=st.binary(max_size=3 * crypto.CHUNK + 17))
def test_file_round_trip(key, data):
    sealed = io.BytesIO()
    crypto.encrypt_stream(key, io.BytesIO(data), sealed)
    out = io.BytesIO()
    sealed.seek(0)
    crypto.decrypt_stream(key, sealed, out)
    assert out.getvalue() == data


@settings(max_examples=40, deadline=None)
@given(key=keys, data=st.binary(max_size=3 * crypto.CHUNK + 17))
def test_a_files_ciphertext_length_follows_from_its_padded_length_alone(key, data):
    """Header (magic, wrapped file key, stream header), then a tag per 64 KiB chunk."""
    sealed = io.BytesIO()
    written = crypto.encrypt_stream(key, io.BytesIO(data), sealed)
    padded = crypto.padded_file_length(len(data))
    assert padded > len(data)
    assert written == len(sealed.getvalue()) == 106 + padded + 17 * -(-padded // crypto.CHUNK)


@settings(max_examples=25, deadline=None)
@given(data_key=keys, seed=st.binary(min_size=32, max_size=32))
def test_key_wrap_round_trip(data_key, seed):
    holder = PrivateKey(seed)
    stranger = PrivateKey(bytes(b ^ 0xFF for b in seed))
    wrapped = crypto.seal(bytes(holder.public_key), data_key)
    assert crypto.unseal(holder, wrapped) == data_key
    try:
        crypto.unseal(stranger, wrapped)
    except crypto.DecryptionError:
        return
    raise AssertionError("a stranger's key opened the wrap")


@settings(max_examples=5, deadline=None)
@given(password=st.text(min_size=1, max_size=40), key=keys)
def test_password_seal_round_trip(password, key):
    salt = crypto.new_salt()
    sealing = crypto.derive_key(password, salt, crypto.KDF_PROFILES["test"])
    sealed = crypto.box_encrypt(sealing, key)
    assert (
        crypto.box_decrypt(crypto.derive_key(password, salt, crypto.KDF_PROFILES["test"]), sealed)
        == key
    )


names = st.text(alphabet=st.characters(categories=["L", "Zs"]), min_size=1, max_size=30)


@given(value=names)
def test_name_normalisation_is_idempotent_and_ignores_case_and_spacing(value):
    once = normalise.name(value)
    assert normalise.name(once) == once
    assert normalise.name("  " + value.replace(" ", "   ") + " ") == once


@given(value=st.text(alphabet="abcdefghijklmnopqrstuvwxyzñçéü ", min_size=1, max_size=30))
def test_name_normalisation_ignores_case(value):
    assert normalise.name(value.upper()) == normalise.name(value) == normalise.name(value.title())


@given(value=names)
def test_name_normalisation_ignores_accents(value):
    import unicodedata

    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c)
    )
    assert normalise.name(stripped) == normalise.name(value)


@given(
    digits=st.text(alphabet="0123456789", min_size=7, max_size=12),
    style=st.sampled_from([" ", "-", ".", ""]),
)
def test_phone_normalisation_ignores_separators(digits, style):
    spaced = style.join(digits[i : i + 3] for i in range(0, len(digits), 3))
    assert normalise.phone("+" + spaced) == normalise.phone("+" + digits)
    assert normalise.phone("00" + spaced) == normalise.phone("+" + digits)
