"""The encrypted blob store on its own: what is written is ciphertext under the record's key,
reads need that key, and a blob id cannot name a path outside the store."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from aegis.files import storage
from aegis.roles import Role
from aegis.vault import services as vault
from aegis.vault.keychain import NoKeyAccess, VaultLocked, unlocked
from aegis.vault.selectors import keypair_for_user

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
