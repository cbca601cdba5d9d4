"""Backups made in-process from the test database, on either engine: the snapshot (SQLite's
backup API or pg_dump from an exported snapshot) and every part verify, and the manifest's
counts are those of the database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.db import connection

from aegis.audit import checkpoints
from aegis.backups import services, snapshot
from aegis.backups.errors import BackupError
from aegis.vault import services as vault

pytestmark = pytest.mark.django_db(transaction=True)


def _needs_dump() -> None:
    if connection.vendor == "postgresql" and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed (Debian: postgresql-client)")


def test_create_then_verify_on_this_database(organisation, make_person, tmp_path):
    _needs_dump()
    make_person()
    out = tmp_path / "b.age"
    made = services.create_backup(out)
    found = services.verify_backup(out, organisation)
    assert found.database == snapshot.database_kind()
    assert found.tables["accounts_user"] == made.manifest.tables["accounts_user"] >= 1
    assert found.audit_key_id == checkpoints.key_id()
    assert set(found.parts) >= {snapshot.PARTS[found.database]}


def test_a_backup_goes_where_the_wipe_reaches_it_or_outside_aegis_home(
    organisation, tmp_path, settings
):
    """Inside AEGIS_HOME only the backups folder's `*.age` files are removed by the wipe:
    a backup anywhere else there is refused, and nothing is written. Off site is the
    organisation's own copy."""
    _needs_dump()
    home = Path(settings.AEGIS_HOME)
    for out in (home / "b.age", services.backup_dir() / "b.tar", home / "media" / "b.age"):
        with pytest.raises(BackupError, match="No backup was made") as refused:
            services.create_backup(out)
        assert str(services.backup_dir()) in str(refused.value)
        assert not out.exists() and not out.with_name(out.name + ".part").exists()
    # The backups folder of a new instance is made by its first backup, named or not.
    settings.AEGIS_BACKUP_DIR = str(home / f"backups-{tmp_path.name}")
    kept = services.create_backup(services.backup_dir() / "b.age").path
    assert kept.exists()
    shutil.rmtree(services.backup_dir())
    assert services.create_backup(tmp_path / "b.age").path.exists()


def test_create_refuses_an_instance_without_a_recovery_key(db, tmp_path):
    assert vault.recovery_keypair() is None
    with pytest.raises(BackupError, match="no recovery key"):
        services.create_backup(tmp_path / "b.age")
    assert not (tmp_path / "b.age").exists()


def test_what_is_not_an_age_file_is_refused_in_words_leaving_nothing_open(tmp_path):
    """A folder, an unreadable or an empty file, or one that is not age: refused before
    anything is decrypted (a folder had raised IsADirectoryError, a traceback at the
    command line), and no pipe is left open."""
    import os

    from aegis.backups import archive
    from aegis.backups.errors import BackupError

    text = tmp_path / "notes.txt"
    text.write_text("database.sqlite3\n" * 10)
    empty = tmp_path / "empty.age"
    empty.write_bytes(b"")
    open_before = len(os.listdir("/proc/self/fd"))
    for path, said in (
        (tmp_path, "Cannot read"),
        (tmp_path / "missing.age", "Cannot read"),
        (empty, "is empty"),
        (text, "not an age-encrypted file"),
    ):
        with pytest.raises(BackupError) as refused, archive.read(path, []):
            pass
        assert said in str(refused.value), path
    assert len(os.listdir("/proc/self/fd")) == open_before


def test_a_refused_restore_overwrites_its_plain_wipe_key_and_database_copy(
    organisation, make_person, tmp_path, monkeypatch
):
    """Whatever stops a restore, the plain copies it decrypted into its scratch folder (the
    wipe key, and the database whose sealed keys it opens) are overwritten, not only unlinked
    with the folder: their blocks, once freed, would still hold them."""
    from aegis.backups import manifest
    from aegis.vault import wipe_key

    _needs_dump()
    make_person()
    out = tmp_path / "b.age"
    services.create_backup(out)
    erased = []
    real_erase = wipe_key.erase_file
    monkeypatch.setattr(
        wipe_key, "erase_file", lambda path: (erased.append(path), real_erase(path))
    )
    monkeypatch.setattr(services, "known_migrations", set)  # refused: a newer schema
    with pytest.raises(BackupError, match="newer"):
        services.restore_backup(out, organisation, replace=True)
    scratch_parts = {str(p).split("/.restore-", 1)[1].split("/", 1)[1] for p in erased}
    assert {manifest.WIPE_KEY, snapshot.PARTS[snapshot.database_kind()]} <= scratch_parts
    assert not services._scratch_folders(".restore-")


def test_a_backup_whose_wipe_key_is_not_32_bytes_is_refused_before_anything_is_replaced(
    organisation, make_person, tmp_path, monkeypatch
):
    from aegis.vault import wipe_key

    _needs_dump()
    make_person()
    kept = wipe_key.key_file().read_bytes()
    out = tmp_path / "b.age"
    wipe_key.key_file().write_bytes(b"short")
    monkeypatch.setattr(wipe_key, "exists", lambda: True)
    try:
        services.create_backup(out)
    finally:
        wipe_key.key_file().write_bytes(kept)
    monkeypatch.undo()
    # (Were the wipe key looked at after the checks, this backup would be refused for its
    # schema, here, before the database is replaced.)
    monkeypatch.setattr(services, "known_migrations", set)
    with pytest.raises(BackupError, match=r"wipe key .* is 5 bytes, not 32"):
        services.restore_backup(out, organisation, replace=True)
    assert wipe_key.key_file().read_bytes() == kept


@pytest.mark.parametrize("fails", [False, True], ids=["made", "stopped"])
def test_a_backup_overwrites_its_database_snapshot_before_removing_it(
    organisation, make_person, tmp_path, monkeypatch, fails
):
    """The plain snapshot of the database (its sealed keys and key wraps, the same data as the
    live instance's) is overwritten, not only unlinked with the scratch folder, whether the
    backup is made or stopped half-way: a link kept to it reads nothing of what it held."""
    import os

    from django.conf import settings

    from aegis.backups import archive

    _needs_dump()
    make_person()
    kept = Path(settings.AEGIS_HOME) / f"snapshot-link-{tmp_path.name}"  # same disk: a hard link
    held: list[bytes] = []
    real_take = snapshot.take

    def take(target):
        snap = real_take(target)
        os.link(snap.path, kept)
        held.append(kept.read_bytes())
        return snap

    monkeypatch.setattr(snapshot, "take", take)
    if fails:

        def write(path, keys, fill):
            raise RuntimeError("stopped")

        monkeypatch.setattr(archive, "write", write)
    out = tmp_path / "b.age"
    if fails:
        with pytest.raises(RuntimeError, match="stopped"):
            services.create_backup(out)
    else:
        services.create_backup(out)
    after = kept.read_bytes()
    kept.unlink()
    assert len(after) == len(held[0]) > 0
    assert after != held[0]
    assert b"SQLite format 3" not in after and b"PGDMP" not in after
    assert not services._scratch_folders(".backup-")


def _refused_without_the_wipe_key(tmp_path: Path) -> str:
    """Why a backup is refused with the wipe key file moved away (put back afterwards)."""
    from aegis.vault import wipe_key

    aside = tmp_path / "wipe_key"
    wipe_key.key_file().rename(aside)
    try:
        with pytest.raises(BackupError) as refused:
            services.create_backup(tmp_path / "b.age")
    finally:
        aside.rename(wipe_key.key_file())
    return str(refused.value)


def test_a_backup_without_the_wipe_key_its_keys_are_sealed_under_is_refused(
    organisation, make_person, tmp_path
):
    """A backup made without it would restore keys that nothing opens: refused, saying what
    to do, and no file is written."""
    _needs_dump()
    make_person()
    assert vault.wipe_key_in_use()
    said = _refused_without_the_wipe_key(tmp_path)
    assert "No backup was made" in said
    assert "wipe key" in said and "missing" in said and "aegis recover" in said
    assert not (tmp_path / "b.age").exists()
    assert not (tmp_path / "b.age.part").exists()


def test_a_backup_without_the_wipe_key_a_receipt_is_sealed_under_is_refused(
    make_person, make_compartment, tmp_path
):
    """Not only private keys: a receipt code wrapped under the wipe key would open nothing
    in the restored instance either, and nothing else may be bound to it (here, everyone's
    key is still sealed as before the wipe key existed). The refusal says what it is."""
    from aegis.intake import services as intake
    from aegis.vault.models import Keypair

    _needs_dump()
    make_compartment(make_person(), name="Intake team")
    intake.submit_report(intake.Report(narrative="They burned the store.", target_kind="group"))
    Keypair.objects.update(seal_version=0)
    assert vault.wipe_key_in_use()  # for the receipt alone
    said = _refused_without_the_wipe_key(tmp_path)
    assert "No backup was made" in said and "1 receipt code(s)" in said
    assert "private key" not in said.split(".")[0]
    assert not (tmp_path / "b.age").exists() and not (tmp_path / "b.age.part").exists()
