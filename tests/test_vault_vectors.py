"""Fixed test vectors for every vault operation. The AEAD vector is the published one for
XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha, A.3.1); the others pin our formats so that data
written today stays readable."""

import io

import pytest
from nacl.public import PrivateKey

from aegis.vault import crypto, normalise
from aegis.vault import services as vault

pytestmark = pytest.mark.engine_independent

KEY7 = bytes([7]) * 32


def test_xchacha20poly1305_published_vector():
    plaintext = (
        b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
        b"future, sunscreen would be it."
    )
    aad = bytes.fromhex("50515253c0c1c2c3c4c5c6c7")
    key = bytes(range(0x80, 0xA0))
    nonce = bytes.fromhex("404142434445464748494a4b4c4d4e4f5051525354555657")
    ciphertext = bytes.fromhex(
        "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa644"
        "0bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e"
        "3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e"
        "c0875924c1c7987947deafd8780acf49"
    )
    assert crypto.aead_decrypt(key, crypto.FIELD_VERSION + nonce + ciphertext, aad) == plaintext


def test_field_ciphertext_vector():
    stored = bytes.fromhex(
        "017f2d825b81f8c6c15f847eed6185d7dedeeefd87a563f898260c9d2850b170b63cb74db7db2b562b"
        "6daeca85e8e1fe70cd68"
    )
    assert crypto.aead_decrypt(KEY7, stored, b"ctx").decode() == "Ana María"
    with pytest.raises(crypto.DecryptionError):
        crypto.aead_decrypt(KEY7, stored, b"another field")


def test_argon2id_vectors():
    salt = bytes(range(16))
    assert crypto.derive_key(
        "correct horse battery staple", salt, crypto.KDF_PROFILES["test"]
    ).hex() == ("d17ea6341ca93da6079ea2f64dc4aa31dd1aaf9caa67fb42ac4afd0714706f26")
    assert (
        crypto.derive_key(
            "correct horse battery staple", salt, crypto.KDF_PROFILES["interactive"]
        ).hex()
        == "c05ce4c4dd7e0e45ee6011cc59d068ade47df1b01fc0cf9cd4678bdf68a5b7b0"
    )


def test_sealed_box_vector():
    private_key = PrivateKey(bytes(range(32)))
    assert bytes(private_key.public_key).hex() == (
        "8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f"
    )
    sealed = bytes.fromhex(
        "cb121d309742cd4279a9d9544ef68b685bd03696134d18c160da23d6e9d7ba05317182b77dcde36849"
        "ba216f8d74bf8095d6c0c2c2b8295b5ac9ab6bec20ade3b2e0a9ff823238fa312034655f5c52d8"
    )
    assert crypto.unseal(private_key, sealed) == b"data key 0123456789abcdef0123456"
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(PrivateKey(bytes(32)), sealed)


def test_secret_box_and_subkey_vectors():
    boxed = bytes.fromhex(
        "00794a861350f0910818afeed16bd4a40aef76fe56b80de29bafb8b4bda2c8b18bc1442890363ed9b2"
        "125470c189c3"
    )
    assert crypto.box_decrypt(KEY7, boxed) == b"private"
    assert crypto.derive_subkey(bytes(32), b"aegis api token key").hex() == (
        "a4735123af15d659cebe4fb631a83c71b3582a905d31c29e8e4049ae319d808b"
    )


def test_file_stream_vector():
    stored = bytes.fromhex(
        "414547495346310a0048ad9fafa9a42f91db085bf1c48a36eb1b25283188c907cff26aebda818c9118"
        "e4a98bdbc2ce7644ab545999f860e1aed9411527da69bc67a059868f3ff2618186bf3f2461503a35e9"
        "fd7eaa82c904e8e163fb169fb3f8dec08e0c56e41e760a25cea99c0475447a498bf9c5206caa053dd2"
        "ee7ff5d3836fb94191daa7a7ee61c472ca61fda5386895e81b6d0b495647d92aaf31c080a2571b379e"
        "2a8a9726166132d8919ff878c977835a1687b400f79413af9033f478d5168bdd7d2a08d048d8a9bce7"
        "a1c461784011921ea567a88df6b9e8050857955b216f54269a3444bb316e0bf2fb3a93848a5f68a43d"
        "8c0ca635b2252d3c8d26786f5ab34c758e"
    )
    out = io.BytesIO()
    crypto.decrypt_stream(KEY7, io.BytesIO(stored), out)
    assert out.getvalue() == b"evidence bytes" * 10
    for cut in (len(stored) - 1, len(stored) - 20, 60):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt_stream(KEY7, io.BytesIO(stored[:cut]), io.BytesIO())


def test_blind_index_vector():
    assert crypto.hmac_index(bytes(32), "jose perez", "name") == "1f64b79d5e4fd2c0eb6203fef3a4d98b"
    # Domain separation: the same text as a phone number indexes differently.
    assert crypto.hmac_index(bytes(32), "jose perez", "phone") != "1f64b79d5e4fd2c0eb6203fef3a4d98b"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("José  PÉREZ", "jose perez"),
        ("  josé pérez ", "jose perez"),
        ("Nguyễn Thị Minh", "nguyen thi minh"),
        ("O'Brien-Smith", "o brien smith"),
        ("محمد", "محمد"),
    ],
)
def test_name_normalisation(raw, expected):
    assert normalise.name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+57 300 123 4567", "+573001234567"),
        ("0057 (300) 123-4567", "+573001234567"),
        ("+57-300-123-4567", "+573001234567"),
        ("300 123 4567", "3001234567"),
    ],
)
def test_phone_normalisation(raw, expected):
    assert normalise.phone(raw) == expected


def test_identifier_normalisation():
    assert normalise.identifier("ab-12/34 x") == normalise.identifier("AB 1234X") == "AB1234X"


def test_recovery_key_format_vector():
    key = PrivateKey(bytes(range(32)))
    text = vault.format_recovery_key(key)
    assert text == "AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQT-CQKR-MFYY-DENB-WHA5-DYPQ"
    assert bytes(vault.parse_recovery_key(text.lower().replace("-", " "))) == bytes(key)
    with pytest.raises(vault.WrongPassphrase):
        vault.parse_recovery_key(text[:-5])
