"""The audit log is a hash chain: `aegis audit verify` names the first entry that was
changed, removed or reordered, and exits non-zero."""

import contextlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from aegis.audit import services as audit
from aegis.audit.models import CHAIN, AppendOnlyError, AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(db):
    return [
        audit.record("login", actor_id=i, object_type="user", object_id=i) for i in range(1, 11)
    ]


def verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_intact_chain_verifies(chain):
    assert "intact: 10 entries" in verify()


def test_edited_entry_is_reported(chain):
    raw("UPDATE audit_auditentry SET actor_id = 99 WHERE seq = 4")
    with pytest.raises(CommandError, match="entry 4: was changed"):
        verify()


def test_deleted_entry_is_reported(chain):
    raw("DELETE FROM audit_auditentry WHERE seq = 6")
    with pytest.raises(CommandError, match="entry 6: is missing"):
        verify()


def test_deleted_last_entry_is_reported(chain):
    raw("DELETE FROM audit_auditentry WHERE seq = 10")
    with pytest.raises(CommandError, match="entry 10: is missing"):
        verify()


def test_reordered_entries_are_reported(chain):
    # Swap entries 3 and 7 completely (every column but the sequence number).
    a, b = (AuditEntry.objects.values().get(seq=s) for s in (3, 7))
    columns = ["at", "actor_id", "action", "object_type", "object_id", "prev_hash", "entry_hash"]
    for target, source in ((3, b), (7, a)):
        sets = ", ".join(f"{c} = %s" for c in columns)
        raw(
            f"UPDATE audit_auditentry SET {sets} WHERE seq = %s",
            [*(source[c] for c in columns), target],
        )
    with pytest.raises(CommandError, match="entry 3:"):
        verify()


def test_renumbered_entries_are_reported(chain):
    # Move entry 5 to the end by renumbering: the chain no longer links up.
    raw("UPDATE audit_auditentry SET seq = 11 WHERE seq = 5")
    with pytest.raises(CommandError, match="entry 5: is missing"):
        verify()


def test_entries_cannot_be_changed_or_deleted_through_the_model(chain):
    entry = AuditEntry.objects.get(seq=1)
    entry.action = "logout"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_entries_hold_no_ip_or_content():
    names = {f.name for f in AuditEntry._meta.get_fields()}
    assert names == {
        "id",
        "seq",
        "at",
        "actor_id",
        "action",
        "object_type",
        "object_id",
        "prev_hash",
        "entry_hash",
    }


def test_unknown_actions_are_refused(db):
    with pytest.raises(ValueError, match="Unknown audit action"):
        audit.record("something", actor_id=None)


def test_an_entry_costs_three_statements_inside_the_callers_transaction(chain):
    """Every write records: reading and locking the head, the entry, the head moved on. No
    savepoint and no second read of the head (there had been six statements)."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        audit.record("login", actor_id=1, object_type="user", object_id=1)
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements == ["SELECT", "INSERT", "UPDATE"], statements
    assert "intact: 11 entries" in verify()


def test_a_failed_entry_fails_the_callers_transaction(chain, monkeypatch):
    """An entry that cannot be written leaves the caller's transaction unable to go on with,
    or commit, the change it was recording, even where the caller catches the error."""
    from django.db import DatabaseError, transaction
    from django.db.transaction import TransactionManagementError

    def refuse(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(AuditEntry, "save", refuse)
    with transaction.atomic():
        with contextlib.suppress(DatabaseError):  # a caller that goes on regardless
            audit.record("login", actor_id=1, object_type="user", object_id=1)
        assert transaction.get_rollback()
        with pytest.raises(TransactionManagementError):
            AuditEntry.objects.count()
    monkeypatch.undo()
    assert "intact: 10 entries" in verify()


def test_entries_written_while_a_check_runs_are_left_to_the_next_check(chain):
    # A working instance writes entries all the time, and a long log takes minutes to walk:
    # an entry appended during the walk is not a tail that someone removed.
    from aegis.audit import selectors

    during: list[object] = []

    def progress(_n: int) -> None:
        if not during:
            during.append(audit.record("logout", actor_id=5, object_type="user", object_id=5))

    assert selectors.verify_chain(progress=progress) == (10, None)
    assert during and selectors.verify_chain() == (11, None)
    assert "intact: 11 entries" in verify()


def test_an_entry_past_the_recorded_end_is_reported(chain):
    last = chain[-1]
    raw(
        "INSERT INTO audit_auditentry (seq, at, actor_id, action, object_type, object_id, "
        "prev_hash, entry_hash) SELECT seq + 1, at, actor_id, action, object_type, object_id, "
        "entry_hash, entry_hash FROM audit_auditentry WHERE seq = %s",
        [last.seq],
    )
    with pytest.raises(CommandError, match=f"entry {last.seq + 1}: is past the recorded end"):
        verify()


@override_settings(AUDIT_KEY="a passphrase an operator chose")
def test_the_mac_of_an_entry_is_the_one_earlier_versions_wrote():
    # Keyed BLAKE2b over the canonical row, as libsodium's generichash computed it when the
    # log was first written: a log from then must still verify.
    fields = ("2026-12-05T06:00:00+00:00", 7, "login", "user", "7")
    assert CHAIN.mac(1, fields, "0" * 64) == (
        "d2529331dec8df7db5e5eb57130b827d86df2541ba5d82811092d2a68b7dd002"
    )
