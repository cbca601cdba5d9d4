"""The audit chain is keyed and checkpointed. Someone with write access to the database but not
the MAC key rewrites the log in the three ways that passed the old `aegis audit verify`:
truncating the tail and moving the stored head back; editing an entry and recomputing the
rest; deleting, renumbering and recomputing. Each is detected against a checkpoint signed
before the rewrite, and so is the same rewrite by someone who stole the key as well."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from aegis import clock
from aegis.alerts.worker import AlertLoop
from aegis.audit import checkpoints, minisign
from aegis.audit import services as audit
from aegis.audit.chain import KeyedChain
from aegis.audit.models import AuditCheckpoint, AuditEntry, AuditHead
from aegis.roles import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def chain(db):
    with clock.frozen(START):
        return [
            audit.record("login", actor_id=i, object_type="user", object_id=i) for i in range(1, 11)
        ]


def run(*args: str) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def take_checkpoint(tmp_path: Path) -> Path:
    path = tmp_path / "checkpoint.json"
    with clock.frozen(START + timedelta(hours=1)):
        assert "Checkpoint of entry 10 signed" in run("checkpoint", "--out", str(path))
    return path


def fails(*args: str) -> CommandError:
    with pytest.raises(CommandError) as raised:
        run("verify", *args)
    return raised.value


# --- The attacker: raw SQL on the tables, and a MAC function ------------------------------


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def guessed_key(seq: int, fields, prev: str) -> str:
    """Without the key: the algorithm is public, the key is not; any other key is a guess."""
    with override_settings(AUDIT_KEY="the attacker's guess"):
        return KeyedChain("audit").mac(seq, fields, prev)


def stolen_key(seq: int, fields, prev: str) -> str:
    """With the server's secrets too: only the checkpoint, kept elsewhere, still stands."""
    return KeyedChain("audit").mac(seq, fields, prev)


ATTACKERS = {"without the key": guessed_key, "with a stolen key": stolen_key}


def recompute(mac: Callable[..., str], from_seq: int) -> None:
    """Rewrite every MAC from `from_seq` to the end so the chain links up, and move the head."""
    prev = AuditEntry.objects.get(seq=from_seq - 1).entry_hash if from_seq > 1 else "0" * 64
    for entry in AuditEntry.objects.filter(seq__gte=from_seq).order_by("seq"):
        entry_mac = mac(entry.seq, entry.mac_fields(), prev)
        raw(
            "UPDATE audit_auditentry SET prev_hash = %s, entry_hash = %s WHERE id = %s",
            [prev, entry_mac, entry.pk],
        )
        prev = entry_mac
    last = AuditEntry.objects.order_by("-seq").first()
    raw("UPDATE audit_audithead SET seq = %s, entry_hash = %s", [last.seq, prev])


def truncate_and_move_head_back(mac: Callable[..., str]) -> None:
    raw("DELETE FROM audit_auditentry WHERE seq > 6")
    six = AuditEntry.objects.get(seq=6)
    raw("UPDATE audit_audithead SET seq = 6, entry_hash = %s", [six.entry_hash])


def edit_and_recompute(mac: Callable[..., str]) -> None:
    raw("UPDATE audit_auditentry SET actor_id = 99 WHERE seq = 4")
    recompute(mac, 4)


def delete_renumber_and_recompute(mac: Callable[..., str]) -> None:
    raw("DELETE FROM audit_auditentry WHERE seq = 6")
    for seq in range(7, 11):
        raw("UPDATE audit_auditentry SET seq = %s WHERE seq = %s", [seq - 1, seq])
    # ...and a harmless-looking entry at the end, so the count is ten again.
    raw(
        "INSERT INTO audit_auditentry (seq, at, actor_id, action, object_type, object_id, "
        "prev_hash, entry_hash) VALUES (10, %s, 1, 'logout', 'user', '1', '', '')",
        [START],
    )
    recompute(mac, 6)


@pytest.mark.parametrize("attacker", ATTACKERS.values(), ids=ATTACKERS.keys())
def test_a_truncated_tail_with_the_head_moved_back_is_caught_by_the_checkpoint(
    chain, tmp_path, attacker
):
    checkpoint = take_checkpoint(tmp_path)
    truncate_and_move_head_back(attacker)
    # The checkpoint kept in the database sees it too, unless the attacker removed it as well:
    # then only the copy kept elsewhere does.
    assert "the checkpoint kept here vouches for entry 10" in str(fails())
    raw("DELETE FROM audit_auditcheckpoint")
    assert "intact: 6 entries" in run("verify"), "no key is needed: only a checkpoint sees it"
    error = fails("--checkpoint", str(checkpoint))
    assert "The log ends at entry 6, but the checkpoint of 2026-05-04 10:00 UTC vouches for " in (
        str(error)
    )
    assert "entry 10: the end of the log was removed" in str(error)
    assert error.returncode == 1


def test_an_older_checkpoint_given_does_not_hide_a_cut_below_the_one_kept_here(db, tmp_path):
    """An auditor's checkpoint of entry 4, the server's of entry 10, and the log cut back to
    6 with its end moved back: plain verify said so, but `--checkpoint` of the older one had
    answered "intact" (6 entries extend entry 4). Both now see the one kept here."""
    older = tmp_path / "older.json"
    with clock.frozen(START):
        for i in range(1, 5):
            audit.record("login", actor_id=i, object_type="user", object_id=i)
        assert "Checkpoint of entry 4 signed" in run("checkpoint", "--out", str(older))
        for i in range(5, 11):
            audit.record("login", actor_id=i, object_type="user", object_id=i)
    take_checkpoint(tmp_path)  # of entry 10, kept in the database too
    truncate_and_move_head_back(guessed_key)
    assert "the checkpoint kept here vouches for entry 10" in str(fails())
    error = fails("--checkpoint", str(older))
    assert "the checkpoint kept here vouches for entry 10" in str(error)
    assert error.returncode == 1


def test_a_problem_at_the_first_entry_claims_no_entries_intact_before_it(chain, tmp_path):
    """With its recorded end removed, the log "ends at entry 0": nothing before entry 1 was
    checked, so no count of intact entries is given (it had said 10)."""
    take_checkpoint(tmp_path)
    raw("DELETE FROM audit_audithead")
    error = str(fails())
    assert "entry 1" in error and "before it are intact" not in error, error


@pytest.mark.parametrize("attacker", ATTACKERS.values(), ids=ATTACKERS.keys())
def test_an_edited_entry_with_the_rest_recomputed_is_caught_by_the_checkpoint(
    chain, tmp_path, attacker
):
    checkpoint = take_checkpoint(tmp_path)
    edit_and_recompute(attacker)
    error = fails("--checkpoint", str(checkpoint))
    assert error.returncode == 1
    if attacker is guessed_key:
        assert "tampered with: entry 4: was changed" in str(error)
        assert "entry 4: was changed" in str(fails()), "without the key, the MAC alone sees it"
    else:
        assert "Entry 10 does not match the checkpoint of 2026-05-04 10:00 UTC" in str(error)
        assert "entry 10: does not match the checkpoint kept here" in str(fails())
        raw("DELETE FROM audit_auditcheckpoint")
        assert "intact: 10 entries" in run("verify"), "with the key, only the checkpoint does"


@pytest.mark.parametrize("attacker", ATTACKERS.values(), ids=ATTACKERS.keys())
def test_a_deleted_entry_with_the_rest_renumbered_and_recomputed_is_caught_by_the_checkpoint(
    chain, tmp_path, attacker
):
    checkpoint = take_checkpoint(tmp_path)
    delete_renumber_and_recompute(attacker)
    assert AuditEntry.objects.count() == 10 and AuditHead.objects.get().seq == 10
    error = fails("--checkpoint", str(checkpoint))
    assert error.returncode == 1
    if attacker is guessed_key:
        assert "tampered with: entry 6: was changed" in str(error)
    else:
        assert "Entry 10 does not match the checkpoint" in str(error)
        assert "entry 10: does not match the checkpoint kept here" in str(fails())
        raw("DELETE FROM audit_auditcheckpoint")
        assert "intact: 10 entries" in run("verify")


def test_the_log_extends_its_checkpoint_after_more_appends(chain, tmp_path):
    checkpoint = take_checkpoint(tmp_path)
    for i in range(3):
        audit.record("logout", actor_id=i + 1, object_type="user", object_id=i + 1)
    out = run("verify", "--checkpoint", str(checkpoint))
    assert "intact: 13 entries verified; it extends the checkpoint of 2026-05-04 10:00 UTC" in out
    assert "(entry 10, 3 added since)" in out
    # The signature file alone is enough: it carries the statement as its trusted comment.
    lone = tmp_path / "lone.minisig"
    shutil.copy(str(checkpoint) + ".minisig", lone)
    assert "(entry 10, 3 added since)" in run("verify", "--checkpoint", str(lone))


def test_an_altered_checkpoint_is_refused_before_the_log_is_read(chain, tmp_path):
    checkpoint = take_checkpoint(tmp_path)
    statement = checkpoint.read_text()
    # Someone moves the checkpoint back to entry 6, to cover a truncation.
    checkpoint.write_text(statement.replace('"entry":10', '"entry":6'))
    error = fails("--checkpoint", str(checkpoint))
    assert error.returncode == 2
    assert "signature is not valid. The signature does not match: the file was altered" in str(
        error
    )
    # The trusted comment of the signature file is signed too.
    checkpoint.write_text(statement)
    signature = Path(str(checkpoint) + ".minisig")
    signature.write_text(signature.read_text().replace('"entry":10', '"entry":6'))
    assert fails("--checkpoint", str(signature)).returncode == 2


def test_a_checkpoint_signed_by_another_instance_is_refused(chain, tmp_path):
    head = AuditHead.objects.get()
    with override_settings(AUDIT_KEY="another instance's key"):
        other_id = checkpoints.key_id()
        signed = checkpoints.sign("audit", head.seq, head.entry_hash, START)
    path = tmp_path / "other.json"
    path.write_text(signed.statement)
    Path(str(path) + ".minisig").write_text(signed.signature)
    error = fails("--checkpoint", str(path))
    assert error.returncode == 2
    assert f"signed with key {other_id}, not with this instance's key" in str(error)


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "Cannot read"),
        ("hello\n", "This is not a minisign signature file"),
        (
            "untrusted comment: x\n!!!\ntrusted comment: y\nAAAA\n",
            "The signature file is damaged",
        ),
    ],
    ids=["missing", "not a signature", "damaged"],
)
def test_an_unusable_checkpoint_file_gets_a_clear_message_and_exit_2(
    chain, tmp_path, content, message
):
    path = tmp_path / "x.json"
    path.write_text("{}\n")
    if content is not None:
        Path(str(path) + ".minisig").write_text(content)
    error = fails("--checkpoint", str(path))
    assert error.returncode == 2 and message in str(error)


def test_no_checkpoint_is_signed_over_a_log_that_does_not_verify(chain, tmp_path):
    take_checkpoint(tmp_path)
    edit_and_recompute(guessed_key)
    refused = r"does not verify \(entry 10: no longer matches the last checkpoint\)"
    with pytest.raises(CommandError, match=refused):
        run("checkpoint")
    assert AuditCheckpoint.objects.count() == 1


def test_an_empty_log_has_nothing_to_checkpoint(db):
    with pytest.raises(CommandError, match="The audit log is empty"):
        run("checkpoint")


def test_the_worker_signs_checkpoints_at_its_interval(chain, settings):
    settings.AEGIS_AUDIT_CHECKPOINT_INTERVAL = 3600
    loop = AlertLoop(send_every=0, rounds_every=0)
    with clock.frozen(START):
        loop.tick()
        loop.tick()
        assert list(AuditCheckpoint.objects.values_list("seq", flat=True)) == [10]
        audit.record("logout", actor_id=1)
        clock.advance(timedelta(minutes=59))
        loop.tick()
        assert AuditCheckpoint.objects.count() == 1, "not before the interval"
        clock.advance(timedelta(minutes=1))
        loop.tick()
        clock.advance(timedelta(hours=5))
        loop.tick()
    assert list(AuditCheckpoint.objects.values_list("seq", flat=True)) == [11, 10], (
        "one more for the new entry, none while the head stood still"
    )
    stored = AuditCheckpoint.objects.first()
    mark = checkpoints.read(stored.signature, stored.statement)
    assert (mark.entry, mark.at) == (11, START + timedelta(hours=1))


def test_the_auditor_takes_and_downloads_checkpoints_on_the_audit_page(chain, make_person):
    auditor = sign_in(Client(), make_person(Role.AUDITOR))
    head = AuditHead.objects.get().seq  # the chain, the auditor's creation and sign-in
    assert head == 12
    response = auditor.post(reverse("audit:checkpoint-take"), follow=True)
    assert f"Checkpoint of entry {head} signed" in response.content.decode()
    stored = AuditCheckpoint.objects.get()
    page = response.content.decode()
    assert reverse("audit:checkpoint-signature", args=[stored.pk]) in page
    assert checkpoints.key_id() in page
    statement = auditor.get(reverse("audit:checkpoint-statement", args=[stored.pk]))
    signature = auditor.get(reverse("audit:checkpoint-signature", args=[stored.pk]))
    assert f'filename="aegis-audit-{head}.json.minisig"' in signature["Content-Disposition"]
    mark = checkpoints.read(signature.content.decode(), statement.content.decode())
    assert (mark.entry, mark.mac) == (head, AuditEntry.objects.get(seq=head).entry_hash)
    public = auditor.get(reverse("audit:public-key")).content.decode()
    assert public.startswith(f"untrusted comment: minisign public key {checkpoints.key_id()}")


def test_other_roles_cannot_take_or_download_checkpoints(chain, make_person):
    audit.take_checkpoint()
    stored = AuditCheckpoint.objects.get()
    coordinator = sign_in(Client(), make_person(Role.COORDINATOR))
    assert coordinator.post(reverse("audit:checkpoint-take")).status_code == 403
    url = reverse("audit:checkpoint-signature", args=[stored.pk])
    assert coordinator.get(url).status_code == 403
    assert AuditCheckpoint.objects.count() == 1


def _minisign() -> str:
    path = shutil.which("minisign")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI installs minisign (make minisign); it is missing")
        pytest.skip("the minisign command is not installed (make minisign installs it)")
    return path


def test_minisign_itself_verifies_a_checkpoint(chain, tmp_path):
    checkpoint = take_checkpoint(tmp_path)
    public = tmp_path / "aegis-audit.pub"
    run("public-key", "--out", str(public))
    ok = subprocess.run(
        [_minisign(), "-V", "-p", str(public), "-m", str(checkpoint)],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "Signature and comment signature verified" in ok.stdout
    assert '"entry":10' in ok.stdout  # the trusted comment, printed by minisign
    checkpoint.write_text(checkpoint.read_text().replace('"entry":10', '"entry":6'))
    altered = subprocess.run(
        [_minisign(), "-V", "-p", str(public), "-m", str(checkpoint)],
        capture_output=True,
        text=True,
    )
    assert altered.returncode != 0


def test_signatures_follow_minisigns_layout(chain):
    signed = checkpoints.sign("audit", 10, "ab" * 32, START)
    lines = signed.signature.splitlines()
    assert lines[0] == "untrusted comment: aegis audit checkpoint at entry 10"
    assert lines[2] == "trusted comment: " + signed.statement.rstrip("\n")
    parsed = minisign.parse(signed.signature)
    assert parsed.algorithm == b"ED" and len(parsed.signature) == 64


def test_the_aegis_command_catches_what_plain_verify_cannot(tmp_path):
    """The real CLI on a real instance: an attacker with only the database file truncates the
    log and moves its head back. `aegis audit verify` sees it against the checkpoint kept in
    the database; with that removed too, only the copy kept elsewhere does."""
    import sqlite3

    from tests.test_cli import ADMIN_PASSWORD, aegis, init

    home = tmp_path / "instance"
    home.mkdir()
    assert init(home, ADMIN_PASSWORD).returncode == 0
    grow = "from aegis.audit import services as a\nfor i in range(5): a.record('login', actor_id=1)"
    assert aegis(home, "shell", "-c", grow).returncode == 0
    checkpoint = tmp_path / "kept-elsewhere.json"
    taken = aegis(home, "audit", "checkpoint", "--out", str(checkpoint))
    assert taken.returncode == 0, taken.stderr
    assert "verified" in aegis(home, "audit", "verify", "--checkpoint", str(checkpoint)).stdout

    db = sqlite3.connect(home / "aegis.sqlite3")
    (last,) = db.execute("SELECT max(seq) FROM audit_auditentry").fetchone()
    keep = last - 3
    (mac,) = db.execute("SELECT entry_hash FROM audit_auditentry WHERE seq = ?", [keep]).fetchone()
    db.execute("DELETE FROM audit_auditentry WHERE seq > ?", [keep])
    db.execute("UPDATE audit_audithead SET seq = ?, entry_hash = ?", [keep, mac])
    db.commit()
    kept_here = aegis(home, "audit", "verify")  # the checkpoint kept in the database sees it
    assert kept_here.returncode == 1 and "the checkpoint kept here vouches" in kept_here.stderr
    db.execute("DELETE FROM audit_auditcheckpoint")  # ...unless the attacker removes it too
    db.commit()
    db.close()

    plain = aegis(home, "audit", "verify")
    assert plain.returncode == 0 and f"intact: {keep} entries" in plain.stdout
    against = aegis(home, "audit", "verify", "--checkpoint", str(checkpoint))
    assert against.returncode == 1
    assert f"The log ends at entry {keep}, but the checkpoint of " in against.stderr
    assert f"vouches for entry {last}: the end of the log was removed" in against.stderr


def _legacy_chain(count: int) -> None:
    """Entries as the unkeyed SHA-256 chain wrote them before the MAC."""
    import hashlib

    prev = "0" * 64
    for seq in range(1, count + 1):
        at = START + timedelta(minutes=seq)
        parts = [str(seq), at.isoformat(), "7", "login", "user", "7", prev]
        entry_hash = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        raw(
            "INSERT INTO audit_auditentry (seq, at, actor_id, action, object_type, object_id, "
            "prev_hash, entry_hash) VALUES (%s, %s, 7, 'login', 'user', '7', %s, %s)",
            [seq, at, prev, entry_hash],
        )
        prev = entry_hash
    raw("INSERT INTO audit_audithead (id, seq, entry_hash) VALUES (1, %s, %s)", [count, prev])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("intact", [True, False], ids=["intact", "altered before the upgrade"])
def test_the_migration_re_keys_a_legacy_chain_only_if_it_verifies(intact, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    def migrate(target: str) -> None:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("audit", target)])

    loader = MigrationExecutor(connection).loader
    latest = "0002_keyed_chain_checkpoints"
    newest = max(name for app, name in loader.graph.leaf_nodes() if app == "audit")
    migrate("0001_initial")
    try:
        _legacy_chain(5)
        if not intact:
            raw("UPDATE audit_auditentry SET actor_id = 8 WHERE seq = 3")
            with pytest.raises(RuntimeError, match="does not verify at entry 3"):
                migrate(latest)
            monkeypatch.setenv("AEGIS_AUDIT_REKEY_BROKEN", "1")
        migrate(latest)
    finally:
        migrate(newest)  # the later migrations too, for the tests after this one
    assert "intact: 6 entries" in run("verify")
    rekey = AuditEntry.objects.get(seq=6)
    assert rekey.action == "audit.rekey"
    assert rekey.object_id == ("re-keyed 5" if intact else "re-keyed 5, old chain broken at 3")
    audit.record("logout", actor_id=7)
    assert "intact: 7 entries" in run("verify")


def test_the_key_is_never_in_the_database(chain, tmp_path):
    """Neither the secret, nor the MAC key, nor the signing key, in any form, in any table."""
    from django.conf import settings

    from aegis.audit.chain import derived_key

    take_checkpoint(tmp_path)
    mac_key, seed = KeyedChain("audit").key(), derived_key("checkpoint-signing")
    needles = [settings.AUDIT_KEY.encode(), mac_key, seed, mac_key.hex().encode()]
    needles.append(seed.hex().encode())
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                for value in row:
                    blob = value if isinstance(value, bytes) else str(value).encode()
                    assert not any(n in blob for n in needles), table


GIVEN_KEY = "an operator's key, from the environment"


def test_the_key_comes_from_the_environment_or_a_private_file_made_once(tmp_path):
    """Made once, when the instance is made, in a private file; or given (AEGIS_AUDIT_KEY or
    a file named in AEGIS_AUDIT_KEY_FILE), when no file is written. A home with no instance
    gets no key at all: an auditor would hold the key of no instance."""
    from tests.test_cli import aegis, init

    home = tmp_path / "home"
    home.mkdir()
    refused = aegis(home, "audit", "public-key")
    assert (
        refused.returncode == 2
        and not refused.stdout
        and "holds no Aegis instance" in refused.stderr
    )
    assert init(home, "a long passphrase for the admin").returncode == 0
    first = aegis(home, "audit", "public-key")
    assert first.returncode == 0, first.stderr
    key_file = home / "secrets" / "audit_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert aegis(home, "audit", "public-key").stdout == first.stdout, "made once, then kept"
    given = aegis(home, "audit", "public-key", extra_env={"AEGIS_AUDIT_KEY": GIVEN_KEY})
    assert given.returncode == 0 and given.stdout != first.stdout
    other = tmp_path / "other"
    other.mkdir()
    (tmp_path / "k").write_text(f"{GIVEN_KEY}\n")
    by_file = {"AEGIS_AUDIT_KEY_FILE": str(tmp_path / "k")}
    (other / "admin-password").write_text("a long passphrase for the admin\n")
    made = aegis(
        other,
        "init",
        "--admin-username",
        "admin",
        "--admin-password-file",
        str(other / "admin-password"),
        "--no-input",
        extra_env=by_file,
    )
    assert made.returncode == 0, made.stderr
    from_file = aegis(other, "audit", "public-key", extra_env=by_file)
    assert from_file.stdout == given.stdout
    assert not (other / "secrets" / "audit_key").exists()


def test_a_key_too_short_to_stand_against_guessing_or_unreadable_is_refused_in_a_line(tmp_path):
    """Whoever copies the database can test guesses of the audit key against its MAC chain
    offline, then rewrite the log: a given key of a few characters is refused, as is an
    emptied key file, and a key file that cannot be read is named, never a traceback."""
    from tests.test_cli import aegis, init

    home = tmp_path / "home"
    home.mkdir()
    assert init(home, "a long passphrase for the admin").returncode == 0
    short = aegis(home, "audit", "public-key", extra_env={"AEGIS_AUDIT_KEY": "hunter2"})
    assert short.returncode == 2 and not short.stdout
    assert "AEGIS_AUDIT_KEY holds 7 characters" in short.stderr
    assert "at least 32" in short.stderr and "Traceback" not in short.stderr
    missing = aegis(
        home, "audit", "public-key", extra_env={"AEGIS_AUDIT_KEY_FILE": str(tmp_path / "none")}
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert f"Cannot read AEGIS_AUDIT_KEY_FILE ({tmp_path / 'none'})" in missing.stderr
    (home / "secrets" / "audit_key").write_text("\n")  # emptied by mistake
    emptied = aegis(home, "audit", "public-key")
    assert emptied.returncode == 2 and "holds 0 characters" in emptied.stderr
