"""The encrypted blob store on its own: what is written is ciphertext under the record's key,
reads need that key, and a blob id cannot name a path outside the store."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from aegis.files import storage
from aegis.roles import Role
from aegis.vault import crypto
from aegis.vault import services as vault
from aegis.vault.keychain import NoKeyAccess, VaultLocked, current, unlocked
from aegis.vault.selectors import keypair_for_user
from tests.files.old_blobs import unpadded_blob

pytestmark = pytest.mark.django_db

STATEMENT = b"Statement of the witness, fictional. " * 100


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def _key_of(person):
    return vault.create_data_key("test-file", [keypair_for_user(person.user.pk)]).id


def test_a_blob_is_ciphertext_on_disk_and_reads_back_with_the_key(make_person, media_root):
    lucia = make_person(Role.CASEWORKER)
    with unlocked(lucia.keychain()):
        key_id = _key_of(lucia)
        blob_id = storage.store(key_id, io.BytesIO(STATEMENT))
        out = io.BytesIO()
        assert storage.read(key_id, blob_id, out) == len(STATEMENT)
    assert out.getvalue() == STATEMENT
    [blob] = [p for p in (media_root / "blobs").rglob("*") if p.is_file()]
    assert blob.name == blob_id and b"witness" not in blob.read_bytes()
    assert storage.exists(blob_id)
    storage.delete(blob_id)
    assert not storage.exists(blob_id) and not blob.exists()


def test_reading_needs_the_records_key(make_person):
    lucia, other = make_person(Role.CASEWORKER), make_person(Role.CASEWORKER)
    with unlocked(lucia.keychain()):
        key_id = _key_of(lucia)
        blob_id = storage.store(key_id, io.BytesIO(STATEMENT))
    with pytest.raises(VaultLocked):
        storage.read(key_id, blob_id, io.BytesIO())
    with unlocked(other.keychain()), pytest.raises(NoKeyAccess):
        storage.read(key_id, blob_id, io.BytesIO())


@pytest.mark.parametrize("blob_id", ["../../etc/passwd", "ab/cd", "", "a.part"])
def test_a_blob_id_that_is_not_a_plain_name_is_refused(blob_id):
    with pytest.raises(ValueError, match="bad blob id"):
        storage.delete(blob_id)


def _blob_length(blob_id: str) -> int:
    return storage._path(blob_id).stat().st_size


def _overhead(data_size: int) -> int:
    """What a padded blob adds to its padded plaintext: the header and a tag per chunk."""
    padded = storage.stored_size(data_size)
    chunks = -(-padded // crypto.CHUNK)
    header = len(crypto.PADDED_FILE_MAGIC) + 2 + 72 + 24  # magic, wrapped key, stream header
    return header + chunks * 17


@pytest.mark.parametrize(
    "sizes",
    [
        (1, 3000, crypto.CHUNK - 1),  # small files: all padded to one chunk
        (1_000_000, 1_000_001, 1_002_000),  # a photo and two others of nearly its size
    ],
)
def test_files_of_nearby_sizes_make_blobs_of_one_length(make_person, sizes):
    """A seizer who has a public photo or video finds it by its length in the blob store:
    the ciphertext was the file's length plus a constant. Blobs are padded to a few sizes,
    and read back exactly, zeros and 0x80 bytes at the end of the file included."""
    lucia = make_person(Role.CASEWORKER)
    stored = []
    with unlocked(lucia.keychain()):
        key_id = _key_of(lucia)
        for size in sizes:
            data = (STATEMENT * (size // len(STATEMENT) + 1) + b"\x80\x00\x00")[-size:]
            blob_id = storage.store(key_id, io.BytesIO(data))
            out = io.BytesIO()
            assert storage.read(key_id, blob_id, out) == size
            assert out.getvalue() == data
            stored.append(_blob_length(blob_id))
    assert len(set(stored)) == 1
    assert stored[0] == storage.stored_size(sizes[0]) + _overhead(sizes[0])
    assert all(stored[0] - _overhead(size) != size for size in sizes)


@pytest.mark.parametrize("size", [0, crypto.CHUNK, 5 * crypto.CHUNK + 3, 3_000_000])
def test_padding_that_spans_chunks_or_files_of_zeros_read_back_exactly(make_person, size):
    lucia = make_person(Role.CASEWORKER)
    with unlocked(lucia.keychain()):
        key_id = _key_of(lucia)
        for data in (bytes(size), b"\x80" * size):
            blob_id = storage.store(key_id, io.BytesIO(data))
            out = io.BytesIO()
            assert storage.read(key_id, blob_id, out) == size and out.getvalue() == data
            assert _blob_length(blob_id) == storage.stored_size(size) + _overhead(size)


def test_a_blob_stored_before_padding_still_opens(make_person, media_root):
    lucia = make_person(Role.CASEWORKER)
    with unlocked(lucia.keychain()):
        key_id = _key_of(lucia)
        blob_id = storage.store(key_id, io.BytesIO(b"placeholder"))
        path = storage._path(blob_id)
        path.write_bytes(unpadded_blob(current().data_key(key_id), STATEMENT))
        out = io.BytesIO()
        assert storage.read(key_id, blob_id, out) == len(STATEMENT)
    assert out.getvalue() == STATEMENT


def test_a_padded_blob_passed_off_as_an_unpadded_one_does_not_open(make_person):
    """The format's version is bound to every chunk: a padded blob whose first bytes are
    changed to the old format's would otherwise be read with its padding as the file."""
    lucia = make_person(Role.CASEWORKER)
    with unlocked(lucia.keychain()):
        key_id = _key_of(lucia)
        blob_id = storage.store(key_id, io.BytesIO(STATEMENT))
        path = storage._path(blob_id)
        blob = path.read_bytes()
        assert blob.startswith(crypto.PADDED_FILE_MAGIC)
        path.write_bytes(crypto.FILE_MAGIC + blob[len(crypto.FILE_MAGIC) :])
        with pytest.raises(crypto.DecryptionError):
            storage.read(key_id, blob_id, io.BytesIO())
