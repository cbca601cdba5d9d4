"""Making, verifying and restoring backups. A backup holds the database (a consistent
snapshot), the wipe key (every password-, code- or secret-sealed key in the database is bound
to it, so it travels with them, encrypted to the recovery key as they are) and the blob
store; none of the rest of AEGIS_HOME/secrets: SECRET_KEY, the audit key and any unlock
secret stay behind, and the alert service key is in the database only sealed."""

from __future__ import annotations

import datetime
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader

from aegis import clock
from aegis.audit import checkpoints
from aegis.audit import selectors as audit_selectors
from aegis.audit import services as audit
from aegis.files import storage
from aegis.vault import crypto, wipe_key
from aegis.vault import selectors as vault_selectors

from . import age_keys, archive, manifest, snapshot
from .errors import BackupError

Progress = Callable[[int], object]


def backup_dir() -> Path:
    return Path(settings.AEGIS_BACKUP_DIR)


def default_name(at: datetime.datetime) -> str:
    return f"aegis-backup-{at:%Y%m%d-%H%M%S}.age"


@contextmanager
def _scratch(prefix: str) -> Iterator[Path]:
    """A private folder inside AEGIS_HOME (never /tmp: what passes through it is the same
    data as the live instance's, on the same disk), removed afterwards, whatever stopped the
    work: the plain copies of the database and the wipe key in it are overwritten first (not
    left in the blocks the folder frees: the wipe key opens every sealed key of the database
    copy, and a backup's snapshot is that same copy)."""
    _clear_stale(prefix)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=settings.AEGIS_HOME))
    try:
        yield folder
    finally:
        try:
            _erase_scratch(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


SCRATCH_PREFIXES = (".backup-", ".restore-")


def remove_scratch() -> tuple[int, list[Path]]:
    """Under the wipe: every scratch folder, a running backup's too, since each holds a copy
    of the database from before the wipe, key wraps and all (a backup that has read its copy
    already still finishes, encrypted to the recovery key, as any backup made before). Returns
    how many were removed, and those that could not be."""
    found = [folder for prefix in SCRATCH_PREFIXES for folder in _scratch_folders(prefix)]
    for folder in found:
        _erase_scratch(folder)  # overwritten first: unlinked only, its blocks keep the keys
        shutil.rmtree(folder, ignore_errors=True)
    left = [folder for folder in found if folder.exists()]
    return len(found) - len(left), left


def remove_kept_backups() -> tuple[int, list[Path]]:
    """Under the wipe: overwrite and delete the backups in AEGIS_BACKUP_DIR where it is
    inside AEGIS_HOME (finished ones and one being written), which the recovery key opens,
    and so a seized disk with the recovery key found beside it. Backups kept elsewhere (off
    site) are the organisation's way back and are left alone. Returns how many were removed,
    and those that could not be."""
    folder = backup_dir().resolve()
    if not folder.is_relative_to(Path(settings.AEGIS_HOME).resolve()):
        return 0, []
    found = sorted({*folder.glob("*.age"), *folder.glob("*.age.part")})
    removed, left = 0, []
    for path in found:
        if path.is_symlink() or not path.is_file():
            continue
        try:
            wipe_key.erase_file(path)
        except OSError:
            left.append(path)
        else:
            removed += 1
    return removed, left


def misplaced(out: Path) -> str | None:
    """Why a backup may not be written to `out`, or None: inside AEGIS_HOME only what
    remove_kept_backups finds is removed by the wipe, and anything else there would survive
    it, opening with the recovery key. A file outside AEGIS_HOME is an off-site copy."""
    home, target = Path(settings.AEGIS_HOME).resolve(), out.resolve()
    if not target.is_relative_to(home):
        return None
    if target.parent == backup_dir().resolve() and target.name.endswith(".age"):
        return None
    return (
        f"No backup was made: {out} is inside AEGIS_HOME ({home}), where 'aegis wipe' would "
        "leave it behind, still opening with the recovery key. Leave out --out to write into "
        f"{backup_dir()}, give a name ending in .age in that folder, or write outside "
        "AEGIS_HOME (a copy kept off site)."
    )


def _scratch_folders(prefix: str) -> list[Path]:
    """The folders _scratch made with this prefix (named by mkdtemp: prefix, pid, dash)."""
    return list(Path(settings.AEGIS_HOME).glob(f"{prefix}*-*"))


def _clear_stale(prefix: str) -> None:
    """A folder left by a process that was killed holds an old copy of the database (keys
    shredded since included): removed, unless its process still runs."""
    for stale in _scratch_folders(prefix):
        pid = stale.name.removeprefix(prefix).split("-")[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _blobs() -> list[tuple[str, Path]]:
    root = storage.root()
    if not root.exists():
        return []
    return sorted(
        (f"blobs/{path.parent.name}/{path.name}", path)
        for path in root.glob("*/*")
        if path.is_file() and manifest.PART_NAME.match(f"blobs/{path.parent.name}/{path.name}")
    )


def _add(tar: tarfile.TarFile, name: str, source: Path, seen: Progress | None) -> manifest.Part:
    info = tarfile.TarInfo(name)
    with open(source, "rb") as handle:
        info.size = os.fstat(handle.fileno()).st_size
        info.mode = 0o600
        hashing = archive.Hashing(handle, seen)
        tar.addfile(info, hashing)
    return manifest.Part(hashing.sha256.hexdigest(), hashing.size)


@dataclass(frozen=True)
class Made:
    path: Path
    manifest: manifest.Manifest
    missing_blobs: int


def create_backup(
    out: Path | None = None,
    extra_recipients: list[str] | None = None,
    progress: Callable[[int], Progress | None] | None = None,
) -> Made:
    """Snapshot the database, then add the blobs (they are written before the rows that name
    them and never changed, so every blob the snapshot names is on disk already), then the
    manifest; all encrypted to the recovery recipient and `extra_recipients`. `progress` is
    given the total bytes and returns what to tell as bytes pass."""
    if out is not None and (problem := misplaced(out)):
        raise BackupError(problem)
    recovery = age_keys.recovery_recipient()
    if recovery is None and vault_selectors.wiped():
        raise BackupError(
            "This instance was wiped: nothing in it can be read, so there is nothing to back "
            "up. 'aegis init' sets it up again with a new recovery key."
        )
    if recovery is None:
        raise BackupError("This instance has no recovery key yet: run 'aegis init' first.")
    if not wipe_key.exists() and (sealed := vault_selectors.sealed_under_wipe_key()):
        # Without it, nothing sealed under it would open in the restored instance: refused
        # rather than a backup that looks whole and restores nobody's access. (API tokens and
        # sessions are bound to it only once their owner signed in with it, which sealed the
        # owner's private key under it, counted; a session does not outlive a restore into a
        # new AEGIS_HOME either: a new SECRET_KEY.)
        said = " and ".join(f"{count} {what}" for what, count in sealed.items())
        raise BackupError(
            "No backup was made: a backup holds the wipe key, and the database holds "
            f"{said} sealed under it, which a restore without it would give "
            f"back opening with nothing. {wipe_key.WipeKeyMissing()}"
        )
    recipients = [recovery, *(extra_recipients or [])]
    try:
        keys = age_keys.recipients(recipients)
    except age_keys.KeyNotUsable as error:
        raise BackupError(f"A --recipient is not usable: {error}.") from error
    now = clock.now().astimezone(datetime.UTC)
    if out is None or out.resolve().parent == backup_dir().resolve():
        backup_dir().mkdir(parents=True, exist_ok=True, mode=0o700)  # a new instance's first
    if out is None:
        out = backup_dir() / default_name(now)
    if out.exists():
        raise BackupError(f"{out} exists already: give another --out.")
    with _scratch(".backup-") as scratch:
        # Read before the snapshot: only a wipe changes it, and a wipe leaves nothing to back up.
        bound_to = wipe_key.key_file().read_bytes() if wipe_key.exists() else None
        snap = snapshot.take(scratch / snapshot.PARTS[snapshot.database_kind()])
        blobs = _blobs()
        contents = manifest.Manifest(
            created_at=now.isoformat(),
            database=snap.kind,
            migrations=snap.migrations,
            tables=snap.tables,
            recipients=recipients,
            audit_key_id=checkpoints.key_id(),
            audit_entries=snap.tables.get("audit_auditentry", 0),
        )
        total = snap.path.stat().st_size + sum(_size(path) for _, path in blobs)
        seen = progress(total) if progress else None
        missing: list[str] = []

        def fill(tar: tarfile.TarFile) -> None:
            contents.parts[snap.path.name] = _add(tar, snap.path.name, snap.path, seen)
            if bound_to is not None:
                contents.parts[manifest.WIPE_KEY] = _add_bytes(tar, manifest.WIPE_KEY, bound_to)
            for name, path in blobs:
                try:
                    contents.parts[name] = _add(tar, name, path, seen)
                except FileNotFoundError:  # deleted since the listing: the snapshot is older
                    missing.append(name)
            data = contents.to_json()
            signature = audit.sign_as_instance(data, f"aegis backup of {contents.created_at}")
            for name, member in ((manifest.NAME, data), (manifest.SIGNATURE, signature.encode())):
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(member), 0o600
                tar.addfile(info, io.BytesIO(member))

        partial = out.with_name(out.name + ".part")
        partial.unlink(missing_ok=True)  # left by a backup that was stopped
        try:
            archive.write(partial, keys, fill)
            os.replace(partial, out)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise BackupError(
                f"Cannot write {out}: {error.strerror or archive.age_words(error)}."
            ) from error
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    audit.record("backup.create", actor_id=None, object_type="backup", object_id=out.name)
    return Made(out, contents, len(missing))


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> manifest.Part:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    hashing = archive.Hashing(io.BytesIO(data), None)
    tar.addfile(info, hashing)
    return manifest.Part(hashing.sha256.hexdigest(), hashing.size)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _read_checked(
    path: Path, key_text: str, keep: Path | None, seen: Progress | None = None
) -> manifest.Manifest:
    """Decrypt `path`, hash every part (writing them under `keep` if given) and check them
    against the manifest. Nothing under `keep` may be used unless this returns."""
    try:
        identities = age_keys.identities(key_text)
    except age_keys.KeyNotUsable as error:
        raise BackupError(f"The key given is not usable: {error}.") from error
    hashes: dict[str, manifest.Part] = {}
    found: manifest.Manifest | None = None
    written, signature = b"", None
    with archive.read(path, identities) as tar:
        for member in tar:
            if signature is not None or (found is not None and member.name != manifest.SIGNATURE):
                raise BackupError(f"{path} has parts after its manifest: it was altered.")
            source = tar.extractfile(member) if member.isfile() else None
            if source is None:
                raise BackupError(f"{path} holds something other than files: it was altered.")
            if member.name == manifest.NAME and found is None:
                written = source.read(MANIFEST_MOST)
                found = manifest.parse(written)
                continue
            if member.name == manifest.SIGNATURE and found is not None:
                signature = source.read(SIGNATURE_MOST).decode("utf-8", "replace")
                continue
            if not manifest.PART_NAME.match(member.name) or member.name in hashes:
                raise BackupError(f"{path} holds a part Aegis never writes: it was altered.")
            hashes[member.name] = _take(source, member, keep, seen)
    if found is None:
        raise BackupError(f"{path} has no manifest: it is cut short or not an Aegis backup.")
    for name, part in found.parts.items():
        if hashes.get(name) != part:
            raise BackupError(f"{name} in {path} does not match its SHA-256: it was altered.")
    if set(hashes) - set(found.parts):
        raise BackupError(f"{path} holds parts its manifest does not name: it was altered.")
    _check_signature(path, found, written, signature)
    return found


# A manifest names every blob (about 100 bytes each); a signature is a few hundred bytes.
MANIFEST_MOST = 512 * 1024 * 1024
SIGNATURE_MOST = 64 * 1024


def signed_elsewhere(found: manifest.Manifest) -> bool:
    """Whether the backup names another instance's key, so its signature cannot be checked
    here (`_check_signature`): only an instance holding that audit key can."""
    return found.audit_key_id != checkpoints.key_id()


def _check_signature(
    path: Path, found: manifest.Manifest, written: bytes, signature: str | None
) -> None:
    """The manifest, and through its hashes every part, is this instance's own: signed with
    its key. A backup naming another instance's key is left to the caller (signed_elsewhere),
    who says that nothing vouches for it here."""
    if signed_elsewhere(found):
        return
    if signature is None:
        raise BackupError(
            f"{path} carries no signature of this instance: it was altered, or made by an "
            "Aegis that did not sign its backups yet. Nothing in it can be trusted as ours."
        )
    if (problem := audit.instance_signature_problem(written, signature)) is not None:
        raise BackupError(
            f"{path} is not signed by this instance: {problem} It was altered or made elsewhere."
        )


def _take(
    source: Any, member: tarfile.TarInfo, keep: Path | None, seen: Progress | None
) -> manifest.Part:
    if keep is None:
        hashing = archive.copy_out(source, _Discard(), member.size)
    else:
        target = keep / member.name
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(target, "xb") as handle:
            hashing = archive.copy_out(source, handle, member.size)
    if seen is not None:
        seen(hashing.size)
    return manifest.Part(hashing.sha256.hexdigest(), hashing.size)


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)


def verify_backup(path: Path, key_text: str, seen: Progress | None = None) -> manifest.Manifest:
    """Decrypt and check every hash without restoring anything."""
    return _read_checked(path, key_text, None, seen)


# --- Restore ------------------------------------------------------------------------------

AUDIT_KEY_ADVICE = (
    "The audit log in this backup is chained under another audit key (its key id {theirs}; "
    "this instance's is {ours}). The audit key is never in a backup: put a copy of the old "
    "instance's key (AEGIS_HOME/secrets/audit_key, kept offline with the recovery key) in "
    "place of {where} (a new key this instance made when it first started: replace it), or "
    "name it in AEGIS_AUDIT_KEY_FILE, and restore again. Without it, give "
    "--new-audit-key: everything is restored, but the old entries of the audit log can then "
    "never be verified."
)


@dataclass(frozen=True)
class Restored:
    manifest: manifest.Manifest
    audit_checked: int
    audit_problem: str | None


def instance_in_use() -> str | None:
    """Why this instance is not empty (a restore would overwrite it), or None."""
    tables = connection.introspection.table_names()
    if tables:
        return f"its database has {len(tables)} tables"
    if _blobs():
        return "its blob store holds files"
    return None


def known_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def restore_backup(
    path: Path,
    key_text: str,
    replace: bool = False,
    new_audit_key: bool = False,
    seen: Progress | None = None,
) -> Restored:
    """Check the backup whole (key, every hash, the schema, the audit key), then put the
    database and the blobs in place, migrate an older schema and walk the audit chain."""
    kind = snapshot.database_kind()
    in_use = instance_in_use()
    if in_use and not replace:
        raise BackupError(
            f"This instance is not empty ({in_use}): restore into a new AEGIS_HOME or an "
            "empty database, or stop its server and worker and give --replace to overwrite it."
        )
    with _scratch(".restore-") as scratch:  # its plain copies overwritten on every way out
        found = _read_checked(path, key_text, scratch, seen)
        restored_key = scratch / manifest.WIPE_KEY
        if restored_key.exists() and (size := restored_key.stat().st_size) != crypto.KEY_BYTES:
            raise BackupError(
                f"The wipe key in {path} is {size} bytes, not {crypto.KEY_BYTES}: the backup "
                "is damaged or was not made by Aegis. Nothing was restored."
            )
        if found.database != kind:
            raise BackupError(
                f"This backup holds a {found.database} database and this instance uses "
                f"{kind}: restore it into an instance on {found.database}."
            )
        newer = sorted(set(found.migrations) - known_migrations())
        if newer:
            raise BackupError(
                f"This backup's schema is newer than this Aegis knows ({newer[0]}): install "
                f"Aegis {found.aegis_version} or later, then restore."
            )
        if found.audit_key_id != checkpoints.key_id() and not new_audit_key:
            raise BackupError(
                AUDIT_KEY_ADVICE.format(
                    theirs=found.audit_key_id,
                    ours=checkpoints.key_id(),
                    where=Path(settings.SECRETS_DIR) / "audit_key",
                )
            )
        _put_database(kind, scratch / snapshot.PARTS[kind], replace)
        _put_blobs(scratch / "blobs")
        # A backup made before the wipe key existed has none: its keys are not bound to one.
        if restored_key.exists():
            wipe_key.put(restored_key.read_bytes())
            wipe_key.erase_file(restored_key)  # not left behind in the scratch folder's blocks

    call_command("migrate", interactive=False, verbosity=0)  # an older schema moves forward
    checked, problem = audit_selectors.verify_chain()
    if problem is None:
        audit.record("backup.restore", actor_id=None, object_type="backup", object_id=path.name)
    return Restored(found, checked, None if problem is None else str(problem))


def _erase_scratch(scratch: Path) -> None:
    """Overwrite the plain copies of the wipe key and of the database (a backup's snapshot,
    a restore's decrypted parts) still in a scratch folder, before it is removed."""
    for name in (manifest.WIPE_KEY, *snapshot.PARTS.values()):
        part = scratch / name
        if part.is_file() and not part.is_symlink():
            try:
                wipe_key.erase_file(part)
            except OSError:
                continue


def _put_database(kind: str, source: Path, replace: bool) -> None:
    if kind == snapshot.POSTGRESQL:
        _pg_restore(source, replace)
        return
    name = Path(connection.settings_dict["NAME"])
    connections.close_all()
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{name}{suffix}").unlink(missing_ok=True)
    os.chmod(source, 0o600)
    shutil.move(source, name)  # a rename, unless the database is on another disk


def _pg_restore(source: Path, replace: bool) -> None:
    program = shutil.which("pg_restore")
    if program is None:
        raise BackupError(
            "pg_restore is not installed: install PostgreSQL's client tools (Debian: "
            "postgresql-client) to restore this backup."
        )
    connections.close_all()
    argv = [program, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if replace:
        argv += ["--clean", "--if-exists"]
    settings_dict = connection.settings_dict
    done = subprocess.run(
        [*argv, f"--dbname={settings_dict['NAME']}", str(source)],
        env=snapshot.pg_environment(settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def _put_blobs(source: Path) -> None:
    """The restored store replaces the old one (empty, or overwritten by --replace)."""
    root = storage.root()
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if source.exists():
        shutil.move(source, root)
    else:
        root.mkdir(mode=0o700)


def new_secret_key() -> Path:
    """Replace the SECRET_KEY that settings generated in AEGIS_HOME/secrets (the old one may
    have been on a seized machine). Refused when it comes from AEGIS_SECRET_KEY(_FILE):
    the operator changes that where it is set."""
    import secrets

    if os.environ.get("AEGIS_SECRET_KEY") or os.environ.get("AEGIS_SECRET_KEY_FILE"):
        raise BackupError(
            "SECRET_KEY comes from AEGIS_SECRET_KEY or AEGIS_SECRET_KEY_FILE: put a new value "
            "there (for example: python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    target = Path(settings.SECRETS_DIR) / "secret_key"
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fresh = target.with_name(".secret_key.new")
    fresh.unlink(missing_ok=True)
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
    os.replace(fresh, target)
    return target
