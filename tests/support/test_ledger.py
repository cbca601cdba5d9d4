"""The grant ledger: every tranche is a chained entry; an edited, removed or reordered entry
is reported with its number by `aegis ledger verify`, as the audit log's are."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aegis import clock
from aegis.alerts.worker import AlertLoop
from aegis.audit.models import AppendOnlyError, AuditCheckpoint
from aegis.support import ledger
from aegis.support.models import LedgerEntry, LedgerHead
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db


def _verify() -> str:
    out = StringIO()
    call_command("ledger", "verify", stdout=out)
    return out.getvalue()


def _tampered(match: str) -> None:
    with pytest.raises(CommandError, match=match):
        _verify()


def test_an_intact_ledger_verifies(three_entries):
    assert "intact: 3 entries verified" in _verify()


def test_entries_cannot_be_changed_or_deleted_through_the_models(three_entries):
    entry = LedgerEntry.objects.get(seq=2)
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_an_edited_entry_is_reported_with_its_number(three_entries):
    LedgerEntry.objects.filter(seq=2).update(amount="2000.00")
    _tampered("entry 2: was changed")


def test_a_deleted_entry_is_reported_with_its_number(three_entries):
    LedgerEntry.objects.filter(seq=2).delete()
    _tampered("entry 2: is missing")


def test_a_removed_last_entry_is_reported(three_entries):
    LedgerEntry.objects.filter(seq=3).delete()
    _tampered("entry 3: is missing")


def test_reordered_entries_are_reported_with_the_number(three_entries):
    # Swap the contents of entries 2 and 3, keeping each row's number: the order is changed.
    two, three = LedgerEntry.objects.get(seq=2), LedgerEntry.objects.get(seq=3)
    LedgerEntry.objects.filter(pk=two.pk).update(seq=99)
    LedgerEntry.objects.filter(pk=three.pk).update(seq=2)
    LedgerEntry.objects.filter(pk=two.pk).update(seq=3)
    _tampered("entry 2: was changed or moved")


def test_the_ledger_reuses_the_audit_chain(three_entries):
    from aegis.audit.chain import KeyedChain

    assert isinstance(ledger.CHAIN, KeyedChain) and ledger.CHAIN.name == "ledger"
    checked, problem = ledger.verify()
    assert (checked, problem) == (3, None)


def test_the_csv_export_holds_no_identity(three_entries, team):
    out = StringIO()
    call_command("ledger", "csv", stdout=out)
    text = out.getvalue()
    assert three_entries.reference in text and "300.00" in text
    with unlocked(team.lucia.keychain()):
        person = team.case.person
        for identity in (person.pseudonym, person.legal_name, team.case.reference, "IBAN"):
            assert identity not in text


def test_verify_fails_with_exit_status_1(three_entries):
    # `aegis ledger verify` runs this command: a CommandError exits with its returncode.
    LedgerEntry.objects.filter(seq=1).update(grant_ref="GR-2000-99999")
    with pytest.raises(CommandError, match="entry 1: was changed") as failed:
        _verify()
    assert failed.value.returncode == 1


# --- Checkpoints: a removed tail with the recorded end moved back -------------------------


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as raised:
        _run(*args)
    return raised.value


def _checkpoint(tmp_path: Path, command: str = "ledger") -> Path:
    path = tmp_path / f"{command}.json"
    with clock.frozen(datetime(2026, 5, 4, 10, 0, tzinfo=UTC)):
        assert "signed" in _run(command, "checkpoint", "--out", str(path))
    return path


def _remove_the_last_entry_and_move_the_head_back() -> None:
    LedgerEntry.objects.filter(seq=3).delete()
    two = LedgerEntry.objects.get(seq=2)
    LedgerHead.objects.update(seq=2, mac=two.mac)


def test_a_checkpoint_row_moved_to_the_other_chain_is_seen(three_entries, tmp_path):
    """Both chains keep their checkpoints in one table: the row's chain column is not signed,
    the statement's chain is."""
    from aegis.audit import selectors as audit_selectors

    _checkpoint(tmp_path)
    assert audit_selectors.stored_checkpoint_problem() is None
    AuditCheckpoint.objects.update(chain="audit")
    problem = audit_selectors.stored_checkpoint_problem()
    assert problem is not None and "is of the ledger chain (its row was altered)" in str(problem)


def test_a_removed_tail_with_the_head_moved_back_is_caught_by_the_checkpoints(
    three_entries, tmp_path
):
    checkpoint = _checkpoint(tmp_path)
    assert AuditCheckpoint.objects.get().chain == "ledger"
    _remove_the_last_entry_and_move_the_head_back()
    # The checkpoint kept in the database sees it...
    error = _refused("ledger", "verify")
    assert "entry 3: is missing: the grant ledger ends at entry 2, but the checkpoint kept " in (
        str(error)
    )
    assert error.returncode == 1
    assert ledger.verify()[1] is not None
    # ...and once that is removed too, only the copy kept elsewhere does.
    AuditCheckpoint.objects.all().delete()
    assert "intact: 2 entries verified" in _verify()
    error = _refused("ledger", "verify", "--checkpoint", str(checkpoint))
    assert "The log ends at entry 2, but the checkpoint of 2026-05-04 10:00 UTC vouches for " in (
        str(error)
    )
    assert "entry 3: the end of the log was removed" in str(error)
    assert error.returncode == 1


def test_an_untampered_ledger_extends_its_checkpoint(three_entries, team, tmp_path):
    checkpoint = _checkpoint(tmp_path)
    team.disbursed_grant(paid="50")
    out = _run("ledger", "verify", "--checkpoint", str(checkpoint))
    assert "Grant ledger intact: 4 entries verified; it extends the checkpoint of " in out
    assert "(entry 3, 1 added since)" in out
    assert "intact: 4 entries verified" in _verify()
    # The signature file alone is enough, as for the audit log's.
    assert "(entry 3, 1 added since)" in _run(
        "ledger", "verify", "--checkpoint", f"{checkpoint}.minisig"
    )


def test_a_checkpoint_of_the_other_chain_is_refused_with_a_clear_message(three_entries, tmp_path):
    audit_file = _checkpoint(tmp_path, "audit")
    ledger_file = _checkpoint(tmp_path, "ledger")
    error = _refused("ledger", "verify", "--checkpoint", str(audit_file))
    assert error.returncode == 2
    assert "This is a checkpoint of the audit chain, not of the ledger one." in str(error)
    assert "'aegis ledger verify' checks the grant ledger only." in str(error)
    error = _refused("audit", "verify", "--checkpoint", str(ledger_file))
    assert error.returncode == 2
    assert "This is a checkpoint of the ledger chain, not of the audit one." in str(error)


def test_no_checkpoint_is_signed_over_a_ledger_that_does_not_verify(three_entries, tmp_path):
    _checkpoint(tmp_path)
    _remove_the_last_entry_and_move_the_head_back()
    error = _refused("ledger", "checkpoint")
    assert "The grant ledger does not verify (entry 3: no longer matches the last " in str(error)
    assert "Run 'aegis ledger verify'." in str(error)
    assert AuditCheckpoint.objects.count() == 1


def test_an_empty_ledger_has_nothing_to_checkpoint(db):
    assert "The grant ledger is empty" in str(_refused("ledger", "checkpoint"))


def test_the_worker_signs_ledger_checkpoints_at_the_audit_interval(three_entries, settings):
    settings.AEGIS_AUDIT_CHECKPOINT_INTERVAL = 3600
    loop = AlertLoop(send_every=0, rounds_every=0)
    loop.tick()
    loop.tick()
    assert list(AuditCheckpoint.objects.filter(chain="ledger").values_list("seq", flat=True)) == [3]
    assert AuditCheckpoint.objects.filter(chain="audit").count() == 1
    assert ledger.verify() == (3, None)
