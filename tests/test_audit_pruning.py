"""Retention of the audit log: the entries past their period are removed up to the latest
signed checkpoint, leaving a signed anchor, and `aegis audit verify` still walks the rest
and catches an edited, removed or reordered entry, a moved anchor and a forged one; an entry
naming a case under a legal hold stops the pruning before it; the floor holds."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from aegis import clock
from aegis.audit import selectors
from aegis.audit import services as audit
from aegis.audit.models import AuditAnchor, AuditEntry
from tests.retention.conftest import later

pytestmark = pytest.mark.django_db

PAST_FLOOR = audit.MIN_KEEP_DAYS + 10


@pytest.fixture
def log(tmp_path):
    """Ten entries, a checkpoint of the tenth kept off the server, three more after it."""
    for i in range(1, 11):
        audit.record("login", actor_id=i, object_type="user", object_id=i)
    checkpoint = audit.take_checkpoint()
    path = tmp_path / "checkpoint.json"
    path.write_text(checkpoint.statement)
    (tmp_path / "checkpoint.json.minisig").write_text(checkpoint.signature)
    for i in range(3):
        audit.record("logout", actor_id=i, object_type="user", object_id=i)
    return path


def verify(*args: str) -> str:
    out = StringIO()
    call_command("audit", "verify", "--no-progress", *args, stdout=out)
    return out.getvalue()


def prune(**kwargs) -> int:
    with clock.frozen(later(PAST_FLOOR)):
        return audit.prune(clock.now() - datetime.timedelta(days=audit.MIN_KEEP_DAYS), **kwargs)


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_pruning_stops_at_the_checkpoint_and_the_rest_still_verifies(log):
    assert prune(actor_id=7) == 10
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == [11, 12, 13, 14]
    anchor = AuditAnchor.objects.get()
    assert (anchor.seq, anchor.removed) == (10, 10)
    pruned = AuditEntry.objects.get(action="audit.prune")
    assert (pruned.actor_id, pruned.object_id) == (7, "10")
    assert "4 entries verified after entry 10" in verify()
    assert "Audit log intact" in verify("--checkpoint", str(log))  # its entry was the cut
    assert audit.take_checkpoint().seq == 14
    assert prune() == 4  # a second anchor, after the first
    assert "1 entry verified after entry 14" in verify()
    assert "entry 10 was among those removed" in verify("--checkpoint", str(log))


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_auditentry SET actor_id = 99 WHERE seq = 12",
        "DELETE FROM audit_auditentry WHERE seq = 11",
        "UPDATE audit_auditentry SET seq = seq + 100 WHERE seq IN (11, 12)",
        "DELETE FROM audit_auditanchor",
        "UPDATE audit_auditanchor SET seq = 11",
    ],
    ids=["edited", "removed", "reordered", "anchor removed", "anchor moved"],
)
def test_a_tampered_remaining_log_is_caught(log, tamper):
    prune()
    raw(tamper)
    with pytest.raises(CommandError, match="tampered"):
        verify()


def test_without_a_checkpoint_nothing_goes_and_a_held_case_stops_the_cut(db):
    audit.record("login", actor_id=1)
    audit.record("legal_hold.place", actor_id=1, object_type="case", object_id=42)
    audit.record("login", actor_id=1)
    assert prune() == 0
    audit.take_checkpoint()
    assert prune(keep=[("case", "42")]) == 1
    assert AuditEntry.objects.filter(object_type="case").exists()
    assert selectors.verify_chain()[1] is None


def test_a_log_that_does_not_verify_is_not_pruned(log, caplog):
    from aegis.retention import services as retention

    raw("UPDATE audit_auditentry SET actor_id = 99 WHERE seq = 3")
    with pytest.raises(audit.PruneRefused, match="entry 3"):
        prune()
    retention.set_periods({"audit": audit.MIN_KEEP_DAYS}, actor_id=None)
    with clock.frozen(later(PAST_FLOOR)):
        assert retention.expire().audit_entries == 0
    assert "audit log does not verify" in caplog.text
    assert not AuditAnchor.objects.exists() and AuditEntry.objects.filter(seq=1).exists()


def test_the_floor_holds(log):
    with pytest.raises(ValueError, match="at least"):
        audit.prune(clock.now())
    assert AuditEntry.objects.count() == 13


def test_the_retention_run_prunes_on_the_audit_period(log, capsys):
    from aegis.retention import services as retention

    retention.set_periods({"audit": audit.MIN_KEEP_DAYS}, actor_id=None)
    with clock.frozen(later(PAST_FLOOR)):
        call_command("retention", "run", "--dry-run")
        assert "would expire: 10 audit log entries" in capsys.readouterr().out
        assert AuditEntry.objects.count() == 14  # with the period's own entry
        assert retention.expire().audit_entries == 10
    assert AuditAnchor.objects.get().seq == 10
    assert selectors.verify_chain()[1] is None


def test_a_walk_the_pruning_overtakes_is_done_again_from_the_new_anchor(log, monkeypatch):
    # Pages of two entries: the pruning runs after the first page, removing entries the walk
    # has not reached yet. They were pruned under a signed anchor, not removed.
    monkeypatch.setattr(selectors, "PAGE", 2)
    pruned: list[int] = []

    def progress(_n: int) -> None:
        if not pruned:
            pruned.append(prune())

    checked, problem = selectors.verify_chain(progress=progress)
    assert pruned == [10] and problem is None
    assert checked == AuditEntry.objects.count() == 4  # three after the checkpoint, the pruning


def test_a_page_check_the_pruning_overtakes_is_walked_again_from_the_new_anchor(log):
    from django.utils import timezone

    from aegis.audit import integrity
    from aegis.audit.models import AuditCheck

    now = timezone.now()
    check = AuditCheck.objects.create(requested_at=now, updated_at=now)
    assert integrity.run_slice(check.pk, 2) == AuditCheck.State.CHECKING  # where it starts
    assert integrity.run_slice(check.pk, 2) == AuditCheck.State.CHECKING  # entries 1 and 2
    assert prune() == 10
    while (state := integrity.run_slice(check.pk, 2)) == AuditCheck.State.CHECKING:
        pass
    check.refresh_from_db()
    assert state == AuditCheck.State.INTACT and check.begin_seq == 10
    assert check.checked == check.total == AuditEntry.objects.count()
