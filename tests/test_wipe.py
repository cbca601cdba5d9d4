"""After `aegis wipe`, someone holding a copy of the database and every secret that survives
the wipe (passwords, the recovery key, API tokens, cookies, SECRET_KEY and the secrets folder)
cannot decrypt a single protected field. Receipt codes are tried too, online and offline, in
tests/intake/test_receipts_after_wipe.py."""

import itertools
import sqlite3
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from aegis import bootstrap
from aegis.accounts import services as accounts
from aegis.roles import Role
from aegis.vault import crypto
from aegis.vault import services as vault
from aegis.vault.fields import field_context
from aegis.vault.keychain import Keychain, NoKeyAccess, unlocked
from aegis.vault.models import Keypair, KeyWrap
from aegis.vault.selectors import keypair_for_user
from tests.conftest import sign_in
from tests.seizure import copy_live_database, find
from tests.vaultapp.models import ProtectedNote
from tests.vaultapp.services import create_note

pytestmark = pytest.mark.django_db(transaction=True)


def _candidate_keys(values, surviving_secrets):
    """Every 32-byte value that could be a key: raw blobs, hex and base64 strings found in the
    copy, and keys derived from every surviving secret."""
    import base64
    import hashlib

    candidates = set()
    for value in values:
        if isinstance(value, bytes | memoryview):
            blob = bytes(value)
            candidates.update(
                blob[i : i + 32] for i in range(0, max(len(blob) - 31, 1), 8) if len(blob) >= 32
            )
        elif isinstance(value, str):
            for decode in (bytes.fromhex, base64.b64decode, base64.urlsafe_b64decode):
                try:
                    raw = decode(value)
                except ValueError:
                    continue
                if len(raw) == 32:
                    candidates.add(raw)
    for secret in surviving_secrets:
        data = secret.encode() if isinstance(secret, str) else secret
        candidates.add(hashlib.sha256(data).digest())
        candidates.add(crypto.derive_subkey(hashlib.sha512(data).digest(), b"aegis api token key"))
        if len(data) == 32:
            candidates.add(data)
    return candidates


def test_nothing_decrypts_after_wipe(make_person, organisation, tmp_path):
    lucia, karim = make_person(Role.CASEWORKER), make_person(Role.COORDINATOR)
    holders = [keypair_for_user(lucia.user.pk), keypair_for_user(karim.user.pk)]
    with unlocked(lucia.keychain()) as chain:
        notes = [
            create_note(
                holders=holders,
                name=f"Person {i}",
                phone=f"+57 300 000 00{i:02d}",
                body=f"Narrative {i}",
            )
            for i in range(10)
        ]
        token = accounts.create_api_token(lucia.user, "script", chain)
    client = sign_in(Client(), karim)
    cookie_secret = client.cookies["aegis_key"].value
    old_key_material = [bytes(w.sealed_key) for w in KeyWrap.objects.all()] + [
        bytes(k.sealed_private_key) for k in Keypair.objects.exclude(sealed_private_key=None)
    ]
    assert old_key_material
    recovery_pk = Keypair.objects.get(kind=Keypair.Kind.RECOVERY).pk

    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    seconds = [bytes.fromhex(d.key) for d in TOTPDevice.objects.all()]
    seconds += [t.token.encode() for t in StaticToken.objects.all()]
    assert seconds
    assert bootstrap.wipe_instance(confirmed=True) == 0
    # The second factors (kept in clear by django-otp) are gone, from the files too.
    assert not TOTPDevice.objects.exists() and not StaticToken.objects.exists()
    assert find(seconds) == []

    # Nobody can unlock: not with the password, not with the recovery key, token or cookie.
    for person in (lucia, karim):
        with pytest.raises(vault.WrongPassphrase):
            vault.unlock_user_keypair(keypair_for_user(person.user.pk), person.password)
        # ...and the refusal says why: the key was destroyed, not "never sealed".
        with pytest.raises(vault.WrongPassphrase, match="this instance was wiped"):
            vault.recover_user_keypair(
                keypair_for_user(person.user.pk), organisation, "another passphrase 1"
            )
    assert accounts.authenticate_token(token) is None
    assert client.get("/").status_code == 302
    # The recovery key is no longer this instance's; held as it was, it opens nothing.
    with pytest.raises(vault.WrongPassphrase):
        vault.recovery_keychain(organisation)
    held_recovery = Keychain({recovery_pk: vault.parse_recovery_key(organisation)})
    with unlocked(held_recovery), pytest.raises(NoKeyAccess):
        _ = ProtectedNote.objects.get(pk=notes[0].pk).name

    # The destroyed key bytes are gone from the database files themselves.
    assert find(old_key_material) == []

    # A copy of the database, attacked with everything that survived.
    values = []
    if connection.vendor == "sqlite":
        copy = tmp_path / "seized.sqlite3"
        copy_live_database(copy)
        db = sqlite3.connect(copy)
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            for row in db.execute(f'SELECT * FROM "{table}"'):
                values.extend(row)
        db.close()
    else:
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'SELECT * FROM "{table}"')
                for row in cursor.fetchall():
                    values.extend(row)
    secrets_dir = Path(settings.AEGIS_HOME) / "secrets"
    surviving = [
        settings.SECRET_KEY,
        lucia.password,
        karim.password,
        organisation,
        token,
        cookie_secret,
    ]
    surviving += [p.read_bytes() for p in secrets_dir.glob("*")] if secrets_dir.exists() else []
    candidates = _candidate_keys(values, surviving)
    candidates.add(bytes(vault.parse_recovery_key(organisation)))
    assert len(candidates) > 10

    ciphertexts = list(ProtectedNote.objects.values_list("data_key_id", "name", "phone", "body"))
    opened = 0
    for (data_key_id, *fields), key in itertools.product(ciphertexts, candidates):
        for field_name, stored in zip(("name", "phone", "body"), fields, strict=True):
            try:
                crypto.aead_decrypt(
                    key, bytes(stored), field_context(ProtectedNote, field_name, data_key_id)
                )
                opened += 1
            except crypto.DecryptionError:
                pass
    assert opened == 0


def test_the_wipe_destroys_the_backups_kept_in_aegis_home_and_leaves_off_site_ones(
    organisation, settings, tmp_path, capsys
):
    """A backup opens with the recovery key; one kept in AEGIS_HOME is on the disk a raid
    takes. The wipe overwrites and deletes those (finished, and one being written); backups
    kept elsewhere are the organisation's way back and stay."""
    import os

    from aegis.backups import services as backups

    settings.AEGIS_BACKUP_DIR = Path(settings.AEGIS_HOME) / "backups"
    made = backups.create_backup()
    assert made.path.parent == settings.AEGIS_BACKUP_DIR
    partial = settings.AEGIS_BACKUP_DIR / "aegis-backup-20260101-000000.age.part"
    partial.write_bytes(b"age-encryption.org/v1\n" + os.urandom(4096))
    original = made.path.read_bytes()
    seen = tmp_path / "inode"  # the same file, to see its bytes were overwritten
    os.link(made.path, seen)
    off_site = tmp_path / "off-site"
    off_site.mkdir()
    copy = off_site / made.path.name
    copy.write_bytes(original)

    assert bootstrap.wipe_instance(confirmed=True) == 0
    out = capsys.readouterr().out
    assert "2 backups kept in AEGIS_HOME" in out
    assert "off site" in out and "way back" in out
    assert not made.path.exists() and not partial.exists()
    assert seen.read_bytes() != original and len(seen.read_bytes()) == len(original)
    assert copy.read_bytes() == original  # not ours to touch


def test_a_wipe_that_cannot_remove_a_backup_says_so_and_fails(
    organisation, settings, monkeypatch, capsys
):
    from aegis.vault import wipe_key

    settings.AEGIS_BACKUP_DIR = Path(settings.AEGIS_HOME) / "backups"
    settings.AEGIS_BACKUP_DIR.mkdir(parents=True, exist_ok=True)
    stuck = settings.AEGIS_BACKUP_DIR / "aegis-backup-20260101-000000.age"
    stuck.write_bytes(b"age-encryption.org/v1\n")
    destroy = wipe_key.erase_file

    def refuse(path):
        if path == stuck:
            raise PermissionError(path)
        destroy(path)

    monkeypatch.setattr(wipe_key, "erase_file", refuse)
    try:
        assert bootstrap.wipe_instance(confirmed=True) == 1
        err = capsys.readouterr().err
        assert "could not be removed" in err and str(stuck) in err
    finally:
        stuck.unlink()


def test_backups_outside_aegis_home_are_left_alone(organisation, settings, tmp_path, capsys):
    settings.AEGIS_BACKUP_DIR = tmp_path / "elsewhere"
    settings.AEGIS_BACKUP_DIR.mkdir()
    kept = settings.AEGIS_BACKUP_DIR / "aegis-backup-20260101-000000.age"
    kept.write_bytes(b"age-encryption.org/v1\n")
    assert bootstrap.wipe_instance(confirmed=True) == 0
    assert "0 backups kept in AEGIS_HOME" in capsys.readouterr().out
    assert kept.exists()
