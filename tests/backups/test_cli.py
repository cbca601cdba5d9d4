"""`aegis backup` run as a real subprocess against a throwaway demo instance (SQLite): create,
verify and restore into a new AEGIS_HOME give back the same people, cases and files; a wrong
key, a cut-short or altered file, a newer schema, another audit key and a non-empty target are
refused; the file is an age file that the standard `age` CLI opens with the identity derived
from the recovery key, and holds no canary in clear and nothing from the secrets folder."""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest
from pyrage import x25519

from aegis.backups import age_keys
from tests.test_cli import RECOVERY_KEY, Result, aegis

# Every test here runs `aegis` in a subprocess on its own SQLite home (the test's database
# settings are dropped), so the PostgreSQL pass would repeat the same runs.
pytestmark = [pytest.mark.slow, pytest.mark.engine_independent]

DEMO_PASSWORD = "correct horse battery staple"

# Runs inside the source instance: the caseworker opens a case about a person whose name and
# testimony are canaries, and uploads the testimony as evidence (a blob).
PLANT = """
import io, os
from aegis.accounts.models import User
from aegis.cases import services as cases
from aegis.cases.models import CompartmentMember
from aegis.evidence import services as evidence
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, unlocked
from aegis.vault.selectors import keypair_for_user

canary = os.environ["CANARY"]
user = User.objects.get(username="lucia")
keypair = keypair_for_user(user.pk)
chain = Keychain({keypair.pk: vault.unlock_user_keypair(keypair, os.environ["PASSWORD"])}, user.pk)
compartment = CompartmentMember.objects.filter(user=user).first().compartment
with unlocked(chain):
    person = cases.create_person(
        compartment, actor_id=user.pk, pseudonym="Defender C", legal_name=canary + "-name",
        country="CO", region="CO-ANT", sector="land_environment",
    )
    case = cases.open_case(
        compartment, subject_kind="person", person=person, actor_id=user.pk,
        summary=canary + "-summary",
    )
    evidence.upload_evidence(
        case, io.BytesIO(("Fictional testimony " + canary + "\\n").encode()), "testimony.txt",
        "text/plain", actor_id=user.pk, reason="backup test",
    )
print("CASE " + case.reference)
from aegis.intake import services as intake
receipt = intake.submit_report(intake.Report(narrative=canary + "-report", target_kind="me"))
print("CODE " + receipt.code)
"""

# Runs inside the restored instance: the caseworker signs in with the old password and reads
# the case; the counts of people, cases, incidents and evidence.
CHECK = """
import json, os
from aegis.accounts.models import User
from aegis.cases.models import Case, Person
from aegis.evidence.models import EvidenceItem
from aegis.incidents.models import Incident
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, unlocked
from aegis.vault.selectors import keypair_for_user

user = User.objects.get(username="lucia")
keypair = keypair_for_user(user.pk)
chain = Keychain({keypair.pk: vault.unlock_user_keypair(keypair, os.environ["PASSWORD"])}, user.pk)
case = Case.objects.get(reference=os.environ["REFERENCE"])
with unlocked(chain):
    name = case.person.legal_name
# The reporter follows up with the receipt code (its key is bound to the wipe key).
from aegis.intake import services as intake
submission, reporter = intake.reporter_keychain(intake.open_receipt(os.environ["CODE"]))
with unlocked(reporter):
    report = submission.narrative
print("CHECK " + json.dumps({
    "password_ok": user.check_password(os.environ["PASSWORD"]),
    "legal_name": name,
    "report": report,
    "users": sorted(User.objects.values_list("username", flat=True)),
    "counts": [Person.objects.count(), Case.objects.count(), Incident.objects.count(),
               EvidenceItem.objects.count()],
}))
"""


@dataclass
class Source:
    home: Path
    recovery_key: str
    key_file: Path
    canary: str
    reference: str
    code: str
    backup: Path
    created: Result
    demo_output: str


def _shell(home: Path, script: str, **env: str) -> str:
    done = aegis(home, "shell", "-c", script, extra_env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _blob_hashes(home: Path) -> dict[str, str]:
    root = home / "media" / "blobs"
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.glob("*/*")
        if path.is_file()
    }


def _audit_key(home: Path) -> dict[str, str]:
    """The old instance's audit key, as the operator keeps it offline beside the recovery key."""
    return {"AEGIS_AUDIT_KEY_FILE": str(home / "secrets" / "audit_key")}


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Source:
    home = tmp_path_factory.mktemp("source")
    demo = aegis(home, "shell", "-c", "from aegis.demo import create_demo_instance as c; c()")
    assert demo.returncode == 0, demo.stderr
    recovery_key = RECOVERY_KEY.findall(demo.stdout)[0]
    key_file = tmp_path_factory.mktemp("offline") / "recovery-key.txt"
    key_file.write_text(recovery_key + "\n")
    canary = f"BackupCanary-{secrets.token_hex(8)}"
    planted = _shell(home, PLANT, CANARY=canary, PASSWORD=DEMO_PASSWORD)
    reference = planted.split("CASE ")[1].split()[0]
    code = planted.split("CODE ")[1].strip()
    backup = tmp_path_factory.mktemp("offsite") / "instance.age"
    created = aegis(home, "backup", "create", "--out", str(backup))
    assert created.returncode == 0, created.stderr
    return Source(
        home, recovery_key, key_file, canary, reference, code, backup, created, demo.stdout
    )


def _decrypted(source: Source) -> bytes:
    identity = x25519.Identity.from_str(age_keys.identity_text(source.recovery_key))
    return pyrage.decrypt(source.backup.read_bytes(), [identity])


def test_create_says_what_it_wrote(source):
    assert f"Backup written to {source.backup}" in source.created.stdout
    assert "organisation recovery key" in source.created.stdout
    assert "files of the blob store" in source.created.stdout


def test_verify_checks_every_part_with_the_printed_recovery_key(source):
    done = aegis(
        source.home, "backup", "verify", str(source.backup), "--key-file", str(source.key_file)
    )
    assert done.returncode == 0, done.stderr
    assert "every part matches its SHA-256" in done.stdout


def test_the_backup_holds_the_database_the_blobs_and_a_manifest_only(source):
    with tarfile.open(fileobj=io.BytesIO(_decrypted(source))) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    blobs = _blob_hashes(source.home)
    assert len(blobs) >= 1
    assert names == [
        "database.sqlite3",
        "secrets/wipe_key",
        *sorted(f"blobs/{n}" for n in blobs),
        "manifest.json",
        "manifest.json.minisig",
    ]
    # The wipe key travels with the database: the keys sealed in it open with nothing else.
    wipe_key = (source.home / "secrets" / "wipe_key").read_bytes()
    assert manifest["parts"]["secrets/wipe_key"]["sha256"] == hashlib.sha256(wipe_key).hexdigest()
    assert manifest["database"] == "sqlite"
    assert manifest["aegis_version"]
    assert "vault.0001_initial" in manifest["migrations"]
    assert manifest["tables"]["cases_case"] >= 1
    assert manifest["recipients"] == [age_keys.recipient_for(_recovery_public(source))]
    for name, digest in blobs.items():
        assert manifest["parts"][f"blobs/{name}"]["sha256"] == digest


def _recovery_public(source: Source) -> bytes:
    from aegis.vault.services import parse_recovery_key

    return bytes(parse_recovery_key(source.recovery_key).public_key)


def test_no_canary_in_the_file_and_no_secret_in_what_it_decrypts_to(source):
    sealed = source.backup.read_bytes()
    opened = _decrypted(source)
    canary = source.canary.encode()
    for blob in (sealed, opened):
        assert canary not in blob and canary.hex().encode() not in blob
    secret_files = [p for p in (source.home / "secrets").iterdir() if p.is_file()]
    assert {p.name for p in secret_files} >= {"secret_key", "audit_key", "wipe_key"}
    for path in secret_files:
        if path.name == "wipe_key":  # by design, encrypted to the recovery key with the rest
            assert path.read_bytes() in opened
            continue
        assert path.read_text().strip().encode() not in opened, path.name


@pytest.mark.skipif(
    shutil.which("age") is None, reason="the age CLI is not installed (Debian: age)"
)
def test_the_age_cli_opens_it_with_the_identity_derived_from_the_recovery_key(source, tmp_path):
    printed = aegis(source.home, "backup", "identity", "--key-file", str(source.key_file))
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.strip() == age_keys.identity_text(source.recovery_key)
    identity = tmp_path / "identity.txt"
    identity.write_text(printed.stdout)
    done = subprocess.run(
        ["age", "--decrypt", "--identity", str(identity), str(source.backup)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as tar:
        assert "manifest.json" in tar.getnames()


def test_the_recovery_identity_and_the_stored_recipient_are_one_keypair(source):
    identity = x25519.Identity.from_str(age_keys.identity_text(source.recovery_key))
    assert str(identity.to_public()) == age_keys.recipient_for(_recovery_public(source))


def test_round_trip_into_a_new_home_gives_back_the_same_instance(source, tmp_path):
    target = tmp_path / "new-home"
    target.mkdir()
    done = aegis(
        target,
        "backup",
        "restore",
        str(source.backup),
        "--key-file",
        str(source.key_file),
        extra_env=_audit_key(source.home),
    )
    assert done.returncode == 0, done.stderr
    assert "The audit log verifies" in done.stdout
    assert "SECRET_KEY" in done.stdout  # says what is not in the backup
    verified = aegis(target, "audit", "verify", extra_env=_audit_key(source.home))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert _blob_hashes(target) == _blob_hashes(source.home)
    wipe_key = target / "secrets" / "wipe_key"
    assert wipe_key.read_bytes() == (source.home / "secrets" / "wipe_key").read_bytes()
    assert wipe_key.stat().st_mode & 0o777 == 0o600
    assert not list(target.glob(".restore-*"))
    env = {"PASSWORD": DEMO_PASSWORD, "REFERENCE": source.reference, "CODE": source.code}
    before = json.loads(_shell(source.home, CHECK, **env).split("CHECK ")[1])
    after = json.loads(_shell(target, CHECK, **_audit_key(source.home), **env).split("CHECK ")[1])
    assert after == before
    assert after["password_ok"] and after["legal_name"] == f"{source.canary}-name"
    assert after["report"] == f"{source.canary}-report"


def _refused(done: Result, *words: str) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr


def test_a_wrong_key_is_refused(source, tmp_path):
    from nacl.public import PrivateKey

    from aegis.vault.services import format_recovery_key

    wrong = tmp_path / "wrong.txt"
    wrong.write_text(format_recovery_key(PrivateKey.generate()))
    done = aegis(source.home, "backup", "verify", str(source.backup), "--key-file", str(wrong))
    _refused(done, "This key does not open")


def test_a_key_file_that_cannot_be_read_is_said_in_words(source, tmp_path):
    missing = tmp_path / "nowhere.txt"
    done = aegis(source.home, "backup", "verify", str(source.backup), "--key-file", str(missing))
    _refused(done, f"Cannot read the key file {missing}: No such file or directory.")
    assert "Errno" not in done.stdout + done.stderr
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)))
    done = aegis(source.home, "backup", "verify", str(source.backup), "--key-file", str(binary))
    _refused(done, "it is not text")


@pytest.mark.parametrize(
    "damage", ["cut short", "cut at a chunk", "flipped byte", "not a key", "not an age file"]
)
def test_a_damaged_file_or_a_key_with_typos_is_refused(source, tmp_path, damage):
    data = bytearray(source.backup.read_bytes())
    key_file = source.key_file
    said: tuple[str, ...] = ()
    if damage == "not an age file":  # a tar or text given by mistake: not the key's fault
        data = bytearray(b"database.sqlite3\n" * 100)
        said = ("not an age-encrypted file",)
    elif damage == "cut short":
        data = data[: len(data) - 100]
    elif damage == "cut at a chunk":
        data = data[: len(data) // 2]
    elif damage == "flipped byte":
        data[len(data) // 3] ^= 0x01
    else:
        key_file = tmp_path / "typo.txt"
        key_file.write_text(source.recovery_key[:-5])
    damaged = tmp_path / "damaged.age"
    damaged.write_bytes(bytes(data))
    done = aegis(source.home, "backup", "verify", str(damaged), "--key-file", str(key_file))
    _refused(done, *said)


def test_restore_refuses_a_live_instance(source):
    done = aegis(
        source.home, "backup", "restore", str(source.backup), "--key-file", str(source.key_file)
    )
    _refused(done, "not empty", "--replace")


def test_restore_without_the_old_audit_key_says_where_to_put_it(source, tmp_path):
    done = aegis(
        tmp_path, "backup", "restore", str(source.backup), "--key-file", str(source.key_file)
    )
    _refused(done, "audit key", "AEGIS_AUDIT_KEY_FILE", "--new-audit-key")
    # The key to replace is named as such: a first start of the empty instance made it.
    _refused(done, f"in place of {tmp_path / 'secrets' / 'audit_key'}", "replace it")
    assert not (tmp_path / "media" / "blobs").exists()  # nothing was restored


def _rewritten(source: Source, out_path: Path, change, *, signed: str) -> None:
    """The backup decrypted, its manifest changed by `change` (and the parts it returns put
    in, their hashes right), encrypted again to the recovery key's public recipient, as
    anyone holding that recipient can. `signed`: "no" signature, the "original" one, or one
    made anew with the instance's key (as only the instance can)."""
    from django.test import override_settings

    from aegis.audit import chain, minisign

    with tarfile.open(fileobj=io.BytesIO(_decrypted(source))) as tar, io.BytesIO() as out:
        parts = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
        manifest = json.loads(parts.pop("manifest.json"))
        original = parts.pop("manifest.json.minisig")
        for name, data in change(manifest).items():
            parts[name] = data
            manifest["parts"][name] = {
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }
        written = json.dumps(manifest).encode()
        parts["manifest.json"] = written
        if signed == "original":
            parts["manifest.json.minisig"] = original
        if signed == "instance":
            key = (source.home / "secrets" / "audit_key").read_text().strip()
            with override_settings(AUDIT_KEY=key):
                parts["manifest.json.minisig"] = minisign.sign(
                    written, chain.signing_key(), trusted="re-signed", untrusted="re-signed"
                ).encode()
        with tarfile.open(fileobj=out, mode="w") as rewritten:
            for name, data in parts.items():
                member = tarfile.TarInfo(name)
                member.size = len(data)
                rewritten.addfile(member, io.BytesIO(data))
        recipient = x25519.Recipient.from_str(age_keys.recipient_for(_recovery_public(source)))
        out_path.write_bytes(pyrage.encrypt(out.getvalue(), [recipient]))


def test_a_backup_made_by_someone_else_is_refused_before_anything_is_restored(source, tmp_path):
    """An outsider decrypts nothing, but the recovery key's recipient is public: a backup of
    their making (here, the real one with an auditor made an admin and the hash put right)
    had passed `verify` and been restored. Its manifest is not signed by the instance."""
    forged = tmp_path / "forged.age"

    def one_more_account(manifest):
        manifest["tables"]["accounts_user"] += 1  # any change to what the manifest vouches for
        return {}

    _rewritten(source, forged, one_more_account, signed="no")
    done = aegis(source.home, "backup", "verify", str(forged), "--key-file", str(source.key_file))
    _refused(done, "carries no signature of this instance")
    target = tmp_path / "home"
    target.mkdir()
    done = aegis(
        target,
        "backup",
        "restore",
        str(forged),
        "--key-file",
        str(source.key_file),
        extra_env=_audit_key(source.home),
    )
    _refused(done, "carries no signature of this instance")
    assert "Restored" not in done.stdout
    # The real backup's signature does not fit the changed manifest.
    _rewritten(source, forged, one_more_account, signed="original")
    done = aegis(source.home, "backup", "verify", str(forged), "--key-file", str(source.key_file))
    _refused(done, "is not signed by this instance", "altered")


def test_the_manifest_s_signature_checks_with_minisign_and_the_instance_s_public_key(
    source, tmp_path
):
    """An auditor with `minisign` and the key `aegis audit public-key` prints checks it too."""
    with tarfile.open(fileobj=io.BytesIO(_decrypted(source))) as tar:
        (tmp_path / "manifest.json").write_bytes(tar.extractfile("manifest.json").read())
        (tmp_path / "manifest.json.minisig").write_bytes(
            tar.extractfile("manifest.json.minisig").read()
        )
    key = aegis(source.home, "audit", "public-key")
    (tmp_path / "instance.pub").write_text(key.stdout)
    checked = subprocess.run(
        ["minisign", "-Vm", str(tmp_path / "manifest.json"), "-p", str(tmp_path / "instance.pub")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    done = aegis(
        source.home, "backup", "verify", str(source.backup), "--key-file", str(source.key_file)
    )
    assert done.returncode == 0 and "signed by this instance's key" in done.stdout


def test_restore_refuses_a_newer_schema(source, tmp_path):
    newer = tmp_path / "newer.age"

    def from_the_future(manifest):
        manifest["migrations"].append("vault.9999_from_the_future")
        return {}

    _rewritten(source, newer, from_the_future, signed="instance")
    target = tmp_path / "home"
    target.mkdir()
    done = aegis(
        target,
        "backup",
        "restore",
        str(newer),
        "--key-file",
        str(source.key_file),
        extra_env=_audit_key(source.home),
    )
    _refused(done, "newer", "vault.9999_from_the_future")


def test_list_shows_the_backups_in_the_backup_folder(source, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    shutil.copy(source.backup, folder / "aegis-backup-1.age")
    (folder / "half-written.age.part").write_bytes(b"x")
    done = aegis(source.home, "backup", "list", extra_env={"AEGIS_BACKUP_DIR": str(folder)})
    assert done.returncode == 0, done.stderr
    assert "aegis-backup-1.age" in done.stdout
    assert "half-written" not in done.stdout
    assert "MB" in done.stdout or "kB" in done.stdout


def test_create_refuses_a_file_in_aegis_home_the_wipe_would_leave_behind(source):
    """Only the backups folder's backups are removed by `aegis wipe`: another file in
    AEGIS_HOME would outlive it, still opening with the recovery key. A file outside it (the
    fixture's, off site) is written."""
    for out in (source.home / "instance.age", source.home / "backups" / "instance.tar"):
        done = aegis(source.home, "backup", "create", "--out", str(out))
        assert done.returncode == 2, done.stdout + done.stderr
        assert "No backup was made" in done.stderr and "aegis wipe" in done.stderr
        assert str(source.home / "backups") in done.stderr  # where to write instead
        assert not out.exists() and not out.with_name(out.name + ".part").exists()
    assert source.created.returncode == 0 and source.backup.exists()


def test_create_with_an_extra_recipient_opens_with_either_key(source, tmp_path):
    extra = x25519.Identity.generate()
    out = tmp_path / "two.age"
    done = aegis(
        source.home, "backup", "create", "--out", str(out), "--recipient", str(extra.to_public())
    )
    assert done.returncode == 0, done.stderr
    identity_file = tmp_path / "extra-identity.txt"
    identity_file.write_text(f"# an age identity file\n{extra}\n")
    done = aegis(source.home, "backup", "verify", str(out), "--key-file", str(identity_file))
    assert done.returncode == 0, done.stderr


# Runs inside the source instance while a backup is made: appends audit entries as fast as it
# can, each in its own transaction (an entry and the chain's head move together).
WRITER = """
from aegis.audit import services as audit
audit.record("export", actor_id=None, object_type="backup-test", object_id="0")
print("WRITING", flush=True)
n = 1
while True:
    audit.record("export", actor_id=None, object_type="backup-test", object_id=str(n))
    n += 1
"""


def test_a_backup_made_while_the_instance_writes_restores_consistent(source, tmp_path):
    env = dict(os.environ)
    for name in ("AEGIS_DATABASE_URL", "AEGIS_TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(AEGIS_HOME=str(source.home), AEGIS_KDF_PROFILE="test")
    writer = subprocess.Popen(
        [sys.executable, "-m", "aegis.cli", "shell", "-c", WRITER],
        env=env,
        cwd=source.home,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert writer.stdout is not None
        while (line := writer.stdout.readline()) and line.strip() != "WRITING":
            pass  # the shell's own notice first
        assert line.strip() == "WRITING"
        out = tmp_path / "busy.age"
        made = aegis(source.home, "backup", "create", "--out", str(out))
        assert made.returncode == 0, made.stderr
    finally:
        writer.terminate()
        writer.wait(timeout=30)
    target = tmp_path / "home"
    target.mkdir()
    done = aegis(
        target,
        "backup",
        "restore",
        str(out),
        "--key-file",
        str(source.key_file),
        extra_env=_audit_key(source.home),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The audit log verifies" in done.stdout


def test_create_refuses_a_recipient_that_is_not_an_age_key(source, tmp_path):
    out = tmp_path / "never.age"
    done = aegis(source.home, "backup", "create", "--out", str(out), "--recipient", "age1typo")
    _refused(done, "--recipient")
    assert not out.exists()


def test_verify_reads_the_key_from_standard_input(source):
    env = dict(os.environ)
    for name in ("AEGIS_DATABASE_URL", "AEGIS_TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(AEGIS_HOME=str(source.home), AEGIS_KDF_PROFILE="test")
    done = subprocess.run(
        [sys.executable, "-m", "aegis.cli", "backup", "verify", str(source.backup)],
        env=env,
        cwd=source.home,
        input=source.recovery_key + "\n",
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr


# Runs inside the restored instance: the caseworker signs in through the web, with their old
# password and one of their backup codes, and reads the case page.
WEB_SIGN_IN = """
import os
from django.test import Client
client = Client()
signed_in = client.post("/accounts/login/", {
    "username": "lucia", "password": os.environ["PASSWORD"], "code": os.environ["CODE"],
})
page = client.get("/cases/" + os.environ["REFERENCE"] + "/")
print("WEB", signed_in.status_code, page.status_code, os.environ["CANARY"] in page.content.decode())
"""


def test_after_restore_the_guided_steps_work_and_staff_sign_in_on_the_web(source, tmp_path):
    from tests.test_demo import parse_logins

    target = tmp_path / "new-home"
    target.mkdir()
    audit_key = _audit_key(source.home)
    done = aegis(
        target,
        "backup",
        "restore",
        str(source.backup),
        "--key-file",
        str(source.key_file),
        extra_env=audit_key,
    )
    assert done.returncode == 0, done.stderr
    for step in ("  1. SECRET_KEY", "  2. The alert service key", "  3. The audit log"):
        assert step in done.stdout
    assert "aegis seal-service-key --recovery-key-file RECOVERY-KEY-FILE" in done.stdout
    # Step 1: a new SECRET_KEY.
    old_secret = (target / "secrets" / "secret_key").read_text()
    renewed = aegis(target, "backup", "new-secret-key", extra_env=audit_key)
    assert renewed.returncode == 0, renewed.stderr
    assert (target / "secrets" / "secret_key").read_text() != old_secret
    # Step 2: the demo's unlock secret stayed behind; the recovery key seals the alert
    # service key under a new one, which opens it.
    sealed = aegis(
        target,
        "seal-service-key",
        "--recovery-key-file",
        str(source.key_file),
        "--no-input",
        extra_env=audit_key,
    )
    assert sealed.returncode == 0, sealed.stdout + sealed.stderr
    # Step 3, then a staff member on the web with their old password.
    assert aegis(target, "audit", "verify", extra_env=audit_key).returncode == 0
    lucia = next(
        login for login in parse_logins(source.demo_output).values() if login.username == "lucia"
    )
    env = {
        "PASSWORD": DEMO_PASSWORD,
        "CODE": lucia.backup_codes[-1],
        "REFERENCE": source.reference,
        "CANARY": f"{source.canary}-summary",
        **audit_key,
    }
    assert _shell(target, WEB_SIGN_IN, **env).split("WEB ")[1].split() == ["302", "200", "True"]


# Runs in the source instance: raises drill alerts (each with its deliveries, in one
# transaction) until stopped.
ALERT_WRITER = """
from aegis.alerts import services as alerts
from aegis.cases.models import Person
from aegis.rules import RuleError
people = list(Person.objects.all())
raised = 0
while True:
    for person in people:
        try:
            alerts.raise_alert(person, "panic", is_drill=True)
        except RuleError:
            continue
        raised += 1
        if raised == 3:
            print("RAISING", flush=True)
"""

ALERT_CHECK = """
from aegis.alerts.models import Alert, Delivery
orphans = Delivery.objects.exclude(alert_id__in=Alert.objects.values("pk")).count()
print("ALERTS", Alert.objects.count(), Delivery.objects.count(), orphans)
"""


def test_a_backup_taken_while_alerts_are_raised_has_no_delivery_without_its_alert(source, tmp_path):
    from aegis.vault import service_keys

    env = dict(os.environ)
    for name in ("AEGIS_DATABASE_URL", "AEGIS_TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    unlock = source.home / "secrets" / service_keys.demo_unlock_file().name
    env.pop(service_keys.unlock_variable(), None)  # the tests' own, not the demo's
    env.update(AEGIS_HOME=str(source.home), AEGIS_KDF_PROFILE="test")
    env[f"{service_keys.unlock_variable()}_FILE"] = str(unlock)
    before = int(_shell(source.home, ALERT_CHECK).split("ALERTS ")[1].split()[0])
    writer = subprocess.Popen(
        [sys.executable, "-m", "aegis.cli", "shell", "-c", ALERT_WRITER],
        env=env,
        cwd=source.home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        while (line := writer.stdout.readline()) and line.strip() != "RAISING":
            pass
        assert line.strip() == "RAISING", writer.stderr.read() if writer.stderr else ""
        out = tmp_path / "alerting.age"
        made = aegis(source.home, "backup", "create", "--out", str(out))
        assert made.returncode == 0, made.stderr
    finally:
        writer.terminate()
        writer.wait(timeout=30)
    target = tmp_path / "home"
    target.mkdir()
    done = aegis(
        target,
        "backup",
        "restore",
        str(out),
        "--key-file",
        str(source.key_file),
        extra_env=_audit_key(source.home),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    alerts, deliveries, orphans = map(
        int, _shell(target, ALERT_CHECK, **_audit_key(source.home)).split("ALERTS ")[1].split()
    )
    assert alerts >= before + 3 and deliveries > 0
    assert orphans == 0


def test_create_without_the_wipe_key_is_refused_in_words(source, tmp_path):
    key = source.home / "secrets" / "wipe_key"
    aside = tmp_path / "wipe_key"
    shutil.copy2(key, aside)
    key.unlink()
    try:
        done = aegis(source.home, "backup", "create", "--out", str(tmp_path / "b.age"))
    finally:
        shutil.copy2(aside, key)
    assert done.returncode != 0
    assert "No backup was made" in done.stderr
    assert "aegis backup restore" in done.stderr and "aegis recover" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "b.age").exists()
