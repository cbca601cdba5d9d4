"""The chain of custody is tamper-evident: an event changed, re-attributed, re-dated, moved
or removed in the database behind the application's back is named by `aegis audit verify`
and the auditor's page check, shown on the item's page, and refused by the exhibit export;
an untouched log, and one whose items retention shredded, verifies."""

from __future__ import annotations

import datetime
import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from aegis.audit import integrity
from aegis.audit import services as audit
from aegis.audit.models import AuditCheck, AuditEntry, AuditHead
from aegis.evidence import custody, selectors, services
from aegis.evidence.models import CustodyEvent, EvidenceItem
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db


def _sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _uuid(value) -> object:
    """A UUID as the database stores it (SQLite: 32 hexadecimal digits)."""
    return EvidenceItem._meta.pk.get_db_prep_value(value, connection)


def _add(desk, name: str = "statement.txt"):
    data = f"Statement in {name}, fictional.\n".encode()
    return services.upload_evidence(
        desk.case, io.BytesIO(data), name, "text/plain", actor_id=desk.user.pk, reason="Intake"
    )


@pytest.fixture
def logged(desk):
    """An item with four custody events: upload, view, download, view."""
    with unlocked(desk.person.keychain()):
        item = _add(desk)
        services.record_view(item, actor_id=desk.user.pk)
        services.download(item, actor_id=desk.user.pk, reason="For the lawyer")
        services.record_view(item, actor_id=desk.user.pk)
    return item


def _events(item) -> list[CustodyEvent]:
    return list(CustodyEvent.objects.filter(item=item).order_by("seq"))


def _verify_command() -> str:
    out = io.StringIO()
    call_command("audit", "verify", "--no-progress", stdout=out)
    return out.getvalue()


def _refused(match: str) -> None:
    with pytest.raises(CommandError, match=match):
        _verify_command()


def test_events_are_numbered_per_item_and_chained(desk, logged):
    with unlocked(desk.person.keychain()):
        other = _add(desk, "other.txt")
    events = _events(logged)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert [e.action for e in events] == ["upload", "view", "download", "view"]
    assert [e.prev_mac for e in events[1:]] == [e.mac for e in events[:-1]]
    assert [e.seq for e in _events(other)] == [1]
    # Each names the audit entry that records it.
    for event in events:
        entry = AuditEntry.objects.get(seq=event.audit_seq)
        assert (entry.action, entry.object_id) == (f"custody.{event.action}", str(logged.pk))
    assert custody.verify() == (5, None)
    out = _verify_command()
    assert "Audit log intact" in out and "Chain of custody intact: 5 events verified." in out


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor_id", "other"),
        ("actor_id", None),
        ("at", "earlier"),
        ("action", "copy"),
        ("data_key_id", "key"),
    ],
)
def test_a_changed_event_is_named(desk, logged, make_person, column, value):
    target = _events(logged)[2]
    if value == "other":
        value = make_person(Role.CASEWORKER).user.pk
    elif value == "earlier":
        value = connection.ops.adapt_datetimefield_value(target.at - datetime.timedelta(hours=3))
    elif value == "key":
        value = _uuid(vault.create_data_key("case", []).pk)
    _sql(f"UPDATE evidence_custodyevent SET {column} = %s WHERE id = %s", [value, target.pk])
    expected = f"custody event 3 of item {logged.pk} was changed or moved"
    assert expected in custody.verify()[1]
    _refused(f"Chain of custody tampered with: {expected}")


def test_a_reason_swapped_with_another_events_is_named(logged):
    first, second = _events(logged)[2:4]
    _sql(
        "UPDATE evidence_custodyevent SET reason = (SELECT reason FROM evidence_custodyevent "
        "WHERE id = %s) WHERE id = %s",
        [first.pk, second.pk],
    )
    assert f"custody event 4 of item {logged.pk} was changed" in custody.verify()[1]


def test_an_event_moved_to_another_item_is_named(desk, logged):
    with unlocked(desk.person.keychain()):
        other = _add(desk, "other.txt")
    moved = _events(logged)[1]
    item_id = _uuid(other.pk)
    _sql(
        "UPDATE evidence_custodyevent SET item_id = %s, seq = 2 WHERE id = %s", [item_id, moved.pk]
    )
    problem = custody.verify()[1]
    assert problem is not None and "custody event 2 of item" in problem


def test_a_removed_middle_event_is_named(logged):
    _sql("DELETE FROM evidence_custodyevent WHERE id = %s", [_events(logged)[1].pk])
    expected = f"custody event 2 of item {logged.pk} is missing"
    assert expected in custody.verify()[1]
    _refused(expected)


@pytest.mark.parametrize("removed", [1, 2, 4])
def test_removed_last_events_are_named_by_their_audit_entries(logged, removed):
    for event in _events(logged)[-removed:]:
        _sql("DELETE FROM evidence_custodyevent WHERE id = %s", [event.pk])
    expected = f"the last custody events of item {logged.pk} were removed"
    assert expected in custody.verify()[1]
    _refused(expected)


def test_removed_last_events_with_their_audit_entries_break_the_audit_log(desk, logged):
    with unlocked(desk.person.keychain()):
        _add(desk, "later.txt")  # the audit log goes on after them
    for event in _events(logged)[-2:]:
        _sql("DELETE FROM evidence_custodyevent WHERE id = %s", [event.pk])
        _sql("DELETE FROM audit_auditentry WHERE seq = %s", [event.audit_seq])
    _refused("Audit log tampered with: entry .* is missing")


def test_removed_last_events_and_audit_tail_with_its_end_moved_back_meet_the_checkpoint(
    logged,
):
    audit.take_checkpoint()
    last = _events(logged)[-1]
    _sql("DELETE FROM evidence_custodyevent WHERE id = %s", [last.pk])
    _sql("DELETE FROM audit_auditentry WHERE seq >= %s", [last.audit_seq])
    before = AuditEntry.objects.get(seq=last.audit_seq - 1)
    AuditHead.objects.filter(pk=1).update(seq=before.seq, entry_hash=before.entry_hash)
    _refused("the checkpoint kept here vouches for entry")


def test_an_item_removed_with_its_log_without_expiring_is_named(desk, logged):
    with unlocked(desk.person.keychain()):
        kept = _add(desk, "kept.txt")
    item_id = _uuid(logged.pk)
    _sql("DELETE FROM evidence_custodyevent WHERE item_id = %s", [item_id])
    _sql("DELETE FROM evidence_evidenceitem WHERE id = %s", [item_id])
    assert f"item {logged.pk} was removed with its custody log without" in custody.verify()[1]
    # Its events alone gone, the item kept: it has none.
    kept_id = _uuid(kept.pk)
    _sql("DELETE FROM evidence_custodyevent WHERE item_id = %s", [kept_id])
    assert f"custody events of item {kept.pk} were removed" in custody.verify()[1]


def test_shredded_items_leave_a_log_that_verifies(desk, logged, make_case):
    with unlocked(desk.person.keychain()):
        other_case = make_case(desk.compartment, desk.person)
        kept = services.upload_evidence(
            other_case, io.BytesIO(b"Kept.\n"), "kept.txt", "text/plain", actor_id=None
        )
        services.make_working_copy(logged, actor_id=desk.user.pk)
        services.record_view(kept, actor_id=desk.user.pk)
    assert services.shred_evidence(desk.case, actor_id=None) == 2
    assert not EvidenceItem.objects.filter(pk=logged.pk).exists()
    assert custody.verify() == (2, None)
    assert "Chain of custody intact: 2 events verified." in _verify_command()


def test_the_export_refuses_an_item_whose_log_does_not_verify(desk, logged):
    _sql("DELETE FROM evidence_custodyevent WHERE id = %s", [_events(logged)[1].pk])
    events = CustodyEvent.objects.count()
    with unlocked(desk.person.keychain()), pytest.raises(RuleError, match="does not verify"):
        services.export_exhibit(desk.case, actor=desk.user, reason="For the court")
    # No export recorded on any item (reading the file's name for the message is audited).
    assert CustodyEvent.objects.count() == events
    assert not AuditEntry.objects.filter(action="custody.export").exists()


def test_the_export_refuses_an_original_whose_working_copy_log_was_changed(desk, logged):
    with unlocked(desk.person.keychain()):
        copy = services.make_working_copy(logged, actor_id=desk.user.pk)
        services.export_exhibit(desk.case, actor=desk.user, reason="Before")  # verifies
    [event] = _events(copy)
    _sql("UPDATE evidence_custodyevent SET actor_id = NULL WHERE id = %s", [event.pk])
    assert selectors.custody_problem([logged]) is not None
    with unlocked(desk.person.keychain()), pytest.raises(RuleError, match=r"statement\.txt"):
        services.export_exhibit(desk.case, actor=desk.user, reason="For the court")


def test_the_items_page_warns_when_its_log_does_not_verify(signed_in, make_compartment, make_case):
    client, person = signed_in(Role.CASEWORKER)
    case = make_case(make_compartment(person), person)
    with unlocked(person.keychain()):
        item = services.upload_evidence(
            case, io.BytesIO(b"A file.\n"), "a.txt", "text/plain", actor_id=person.user.pk
        )
    url = reverse("evidence:detail", kwargs={"item_id": item.pk})
    warning = "This chain of custody does not verify"
    assert warning not in client.get(url).content.decode()
    _sql("UPDATE evidence_custodyevent SET action = 'copy' WHERE id = %s", [_events(item)[0].pk])
    assert warning in client.get(url).content.decode()


def test_the_auditors_page_check_names_a_changed_custody_event(logged):
    check = audit.request_check(None)
    assert check.state == AuditCheck.State.INTACT
    _sql("UPDATE evidence_custodyevent SET actor_id = NULL WHERE id = %s", [_events(logged)[0].pk])
    check = AuditCheck.objects.create(requested_at=check.requested_at, updated_at=check.updated_at)
    assert integrity.run_check(check.pk) == AuditCheck.State.TAMPERED
    check.refresh_from_db()
    assert check.problem.startswith(f"Chain of custody: custody event 1 of item {logged.pk}")


def _run_chain_migration() -> None:
    """The data migration's step, found by name, on the models as the migration sees them."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    ((app, name),) = [
        key for key in loader.disk_migrations if key[0] == "evidence" and "_custody_chain" in key[1]
    ]
    migration = loader.disk_migrations[(app, name)]
    (run,) = [op for op in migration.operations if op.__class__.__name__ == "RunPython"]
    run.code(loader.project_state((app, name)).apps, None)


def test_the_migration_chains_existing_events_as_they_stand(desk, logged):
    with unlocked(desk.person.keychain()):
        copy = services.make_working_copy(logged, actor_id=desk.user.pk)
    before = {e.pk: (e.seq, e.audit_seq, e.prev_mac, e.mac) for e in CustodyEvent.objects.all()}
    _sql("UPDATE evidence_custodyevent SET prev_mac = '', mac = '', audit_seq = NULL")
    assert custody.verify()[1] is not None
    _run_chain_migration()
    after = {e.pk: (e.seq, e.audit_seq, e.prev_mac, e.mac) for e in CustodyEvent.objects.all()}
    assert after == before  # linked to the same audit entries, chained the same
    assert custody.verify() == (6, None)
    # An event whose audit entry is no longer kept (retention) is left unlinked.
    first, pruned = _events(copy)[0], _events(logged)[0].audit_seq
    _sql("UPDATE evidence_custodyevent SET prev_mac = '', mac = '', audit_seq = NULL")
    _sql("DELETE FROM audit_auditentry WHERE seq = %s", [pruned])
    _run_chain_migration()
    assert _events(logged)[0].audit_seq is None and _events(logged)[1].audit_seq is not None
    assert _events(copy)[0].audit_seq == first.audit_seq
    assert custody.verify() == (6, None)


THREADS = 5
ROUNDS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_events_of_one_item_take_distinct_numbers(desk):
    with unlocked(desk.person.keychain()):
        item = _add(desk)
    keychains = [desk.person.keychain() for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            with unlocked(keychains[index]):
                start.wait()
                for _ in range(ROUNDS):
                    services.record_view(item, actor_id=desk.user.pk, reason=f"t{index}")
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [e.seq for e in _events(item)] == list(range(1, THREADS * ROUNDS + 2))
    assert custody.verify() == (THREADS * ROUNDS + 1, None)


def test_audit_retention_keeps_the_entry_that_ends_each_kept_items_custody_log(desk, logged):
    """The audit entry of an item's last custody event is what shows its log's end: pruned by
    audit retention (three years, while evidence stays ten), the last events could be removed
    unseen."""
    from aegis import clock
    from aegis.retention import services as retention
    from tests.retention.conftest import later

    last = _events(logged)[-1]
    for i in range(5):
        audit.record("login", actor_id=i, object_type="user", object_id=i)
    audit.take_checkpoint()
    retention.set_periods({"audit": audit.MIN_KEEP_DAYS}, actor_id=None)
    with clock.frozen(later(audit.MIN_KEEP_DAYS + 10)):
        assert retention.expire().audit_entries > 0
    kept = AuditEntry.objects.order_by("seq").values_list("seq", flat=True)
    assert kept[0] == last.audit_seq  # everything before it went, it stayed
    assert custody.verify() == (4, None)
    _sql("DELETE FROM evidence_custodyevent WHERE id = %s", [last.pk])
    assert "the last custody events" in custody.verify()[1]
