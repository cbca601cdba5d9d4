"""The auditor's page checks the audit log's integrity on request: it says how many entries
verified, and names the first entry changed behind the application's back. A short log is
checked in the request; a long one by the worker, the page showing its progress and saying
when the worker never took the check up or stopped during it. Any other role is refused the
page and the check (the access rules' matrix covers every role)."""

from __future__ import annotations

import datetime
import html
import re
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from aegis.audit import integrity, selectors
from aegis.audit import services as audit
from aegis.audit.models import CHAIN, AuditCheck, AuditEntry, AuditHead
from aegis.audit.selectors import PAGE
from aegis.roles import Role

pytestmark = pytest.mark.django_db


def _ask(client) -> str:
    response = client.post(reverse("audit:check"), follow=True)
    assert response.status_code == 200
    return response.content.decode()


def _chain(n: int) -> None:
    """n entries chained as `record` chains them, written in batches (one by one, a long log
    would take a test minutes to write)."""
    head = AuditHead.objects.get_or_create(pk=1)[0]
    seq, prev, at = head.seq, head.entry_hash, timezone.now()
    rows = []
    for _ in range(n):
        seq += 1
        entry = AuditEntry(seq=seq, at=at, action="login", object_type="user", prev_hash=prev)
        entry.entry_hash = prev = CHAIN.mac(seq, entry.mac_fields(), prev)
        rows.append(entry)
    AuditEntry.objects.bulk_create(rows, batch_size=1000)
    AuditHead.objects.filter(pk=1).update(seq=seq, entry_hash=prev)


def _entries(n: int) -> None:
    for i in range(1, n + 1):
        audit.record("login", actor_id=i, object_type="user", object_id=i)


def test_the_audit_page_says_the_log_is_intact_then_names_a_changed_entry(signed_in):
    auditor, person = signed_in(Role.AUDITOR)
    _entries(3)
    before = _ask(auditor)
    assert "The log is intact:" in before and "The log was tampered with" not in before
    assert 'http-equiv="refresh"' not in before  # done: nothing to follow
    changed = audit.record("logout", actor_id=7, object_type="user", object_id=7)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor_id = 8 WHERE seq = %s", [changed.seq])
    after = _ask(auditor)
    assert "The log was tampered with:" in after and f"entry {changed.seq}" in after
    assert "The log is intact" not in after
    # The result stays on the page, with when it was asked for, until the next check.
    again = auditor.get(reverse("audit:log")).content.decode()
    assert f"entry {changed.seq}" in again
    # Who asked, by name beside their id (it had said "user 6").
    name = f"{person.user.username} ({person.user.pk})"
    assert f"Asked for by user {name} at " in html.unescape(again)


def test_without_asking_the_page_checks_nothing(signed_in):
    auditor, _person = signed_in(Role.AUDITOR)
    page = auditor.get(reverse("audit:log")).content.decode()
    assert "The log is intact" not in page and "tampered" not in page
    assert not AuditCheck.objects.exists()


def test_the_entries_name_who_by_username(signed_in, make_person):
    """Ids alone ("3", "user 8") had left the auditor unable to read who did what."""
    auditor, _person = signed_in(Role.AUDITOR)
    lucia = make_person(Role.CASEWORKER, "lucia")
    admin = make_person(Role.ADMIN, "amara")
    audit.record(
        "user.deactivate", actor_id=admin.user.pk, object_type="user", object_id=lucia.user.pk
    )
    page = auditor.get(reverse("audit:log")).content.decode()
    assert f"<bdi>amara</bdi> ({admin.user.pk})" in page
    assert f"user {lucia.user.pk} (<bdi>lucia</bdi>)" in page


def test_the_entries_are_filtered_by_who_what_and_days(signed_in, make_person):
    """Fourteen pages and no way to ask "what did this account do, on which night"."""
    auditor, _person = signed_in(Role.AUDITOR)
    amara = make_person(Role.ADMIN, "amara")
    night = timezone.make_aware(datetime.datetime(2026, 11, 3, 2, 0))
    that_night = audit.record(
        "export", actor_id=amara.user.pk, object_type="case", object_id="AEG-1"
    )
    with connection.cursor() as cursor:  # as if recorded then (the page reads, never verifies)
        cursor.execute(
            "UPDATE audit_auditentry SET at = %s WHERE seq = %s", [night, that_night.seq]
        )
    audit.record("export", actor_id=None, object_type="case", object_id="AEG-2")
    audit.record("login", actor_id=amara.user.pk, object_type="user", object_id=amara.user.pk)

    def objects(**query) -> list[str]:
        page = auditor.get(reverse("audit:log"), query).content.decode()
        return re.findall(r"<td>case (AEG-\d)", page)

    assert objects(who="amara", what="exp") == ["AEG-1"]
    assert objects(what="export") == ["AEG-2", "AEG-1"]
    assert objects(since="2026-11-03", until="2026-11-03") == ["AEG-1"]
    assert objects(who="nobody") == [] and objects(who="amara", what="login") == []
    refused = auditor.get(reverse("audit:log"), {"since": "2026-11-04", "until": "2026-11-03"})
    assert "The last day comes before the first." in refused.content.decode()
    empty = auditor.get(reverse("audit:log"), {"who": "nobody"}).content.decode()
    assert "No entry matches these filters." in empty and "Show every entry" in empty


def test_a_caseworker_is_refused_the_audit_page_and_the_check(signed_in):
    caseworker, _person = signed_in(Role.CASEWORKER)
    assert caseworker.get(reverse("audit:log")).status_code == 403
    assert caseworker.post(reverse("audit:check")).status_code == 403
    assert not AuditCheck.objects.exists()


def test_a_check_is_asked_for_by_post_only(signed_in):
    auditor, _person = signed_in(Role.AUDITOR)
    assert auditor.get(reverse("audit:check")).status_code == 405
    assert not AuditCheck.objects.exists()


def test_a_long_log_is_checked_by_the_worker_with_its_progress_on_the_page(
    signed_in, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.AEGIS_AUDIT_CHECK_IN_PAGE = 4
    auditor, person = signed_in(Role.AUDITOR)
    _entries(6)
    with django_capture_on_commit_callbacks(execute=True):
        waiting = _ask(auditor)
    [check] = AuditCheck.objects.all()
    assert check.state == AuditCheck.State.WAITING and check.requested_by == person.user.pk
    assert "the worker will check it in the background" in waiting
    assert 'http-equiv="refresh"' in waiting  # the page follows the check
    [queued] = DBTaskResult.objects.filter(task_path__endswith="check_integrity")
    assert queued.args_kwargs["args"] == [check.pk]
    # Asked again while it waits: the same check, not a second one.
    _ask(auditor)
    assert AuditCheck.objects.count() == 1

    # The worker records how far it has come as it walks (here at every entry).
    monkeypatch.setattr(integrity, "PROGRESS_STEP", 1)
    monkeypatch.setattr(integrity, "PROGRESS_EVERY", 0.0)
    pages: list[str] = []
    plain: list[str] = []
    walked = integrity._Progress.__call__

    def walk_and_look(self, entries: int) -> None:
        walked(self, entries)
        pages.append(auditor.get(reverse("audit:log") + "?follow=1").content.decode())
        if not plain:
            plain.append(auditor.get(reverse("audit:log")).content.decode())

    monkeypatch.setattr(integrity._Progress, "__call__", walk_and_look)
    assert integrity.run_check(check.pk) == AuditCheck.State.INTACT
    total = AuditCheck.objects.get().total
    assert total >= 6 and len(pages) == total
    assert "Checking: 1 of" in pages[0] and 'value="1"' in pages[0]
    assert f"Checking: {total - 1} of {total} entries." in pages[-2]
    assert all('http-equiv="refresh"' in page for page in pages)
    assert all("Stop reloading this page" in page for page in pages)
    # Without asking to follow it (the link above), the page does not reload itself.
    [still] = plain
    assert 'http-equiv="refresh"' not in still and "Checking: 1 of" in still
    assert "Reload this page every 10 seconds until the check ends" in still
    done = auditor.get(reverse("audit:log")).content.decode()
    assert f"The log is intact: {total} entries verified." in done
    assert "Finished at" in done and 'http-equiv="refresh"' not in done
    assert integrity.run_check(check.pk) == ""  # a check runs once


def test_a_check_the_worker_never_took_up_or_dropped_is_said_so_and_asked_again(
    signed_in, settings
):
    settings.AEGIS_AUDIT_CHECK_IN_PAGE = 0
    auditor, _person = signed_in(Role.AUDITOR)
    _entries(2)
    _ask(auditor)
    long_ago = timezone.now() - datetime.timedelta(minutes=6)
    AuditCheck.objects.update(updated_at=long_ago)
    page = auditor.get(reverse("audit:log")).content.decode()
    assert "The check has not started in five minutes" in page
    assert 'http-equiv="refresh"' not in page
    [stalled] = AuditCheck.objects.all()
    _ask(auditor)
    assert AuditCheck.objects.count() == 2
    # The one that never started is given up: a worker back later does not walk it too.
    assert integrity.run_check(stalled.pk) == ""
    assert AuditCheck.objects.get(pk=stalled.pk).state == AuditCheck.State.FAILED
    AuditCheck.objects.filter(state=AuditCheck.State.WAITING).update(
        state=AuditCheck.State.CHECKING, checked=1, total=2, updated_at=long_ago
    )
    page = auditor.get(reverse("audit:log")).content.decode()
    assert "The check stopped after 1 of 2 entries" in page
    _ask(auditor)
    assert AuditCheck.objects.count() == 3


def test_a_check_that_fails_says_so(signed_in, monkeypatch):
    auditor, _person = signed_in(Role.AUDITOR)
    _entries(2)

    def broken(**_kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(integrity.selectors, "links", broken)
    page = _ask(auditor)
    assert "The check failed before it could finish" in page
    assert AuditCheck.objects.get().state == AuditCheck.State.FAILED


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_check_asked_for_on_the_page_a_slice_per_task(
    signed_in, settings, monkeypatch
):
    # A slice of three entries per task: the tasks queued behind a long check wait for one
    # slice, not for the whole log.
    monkeypatch.setattr(integrity, "SLICE", 3)
    settings.AEGIS_AUDIT_CHECK_IN_PAGE = 1
    auditor, _person = signed_in(Role.AUDITOR)
    _entries(8)
    _ask(auditor)
    assert AuditCheck.objects.get().state == AuditCheck.State.WAITING
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0.1")
    check = AuditCheck.objects.get()
    assert check.state == AuditCheck.State.INTACT and check.checked == check.total >= 8
    tasks = DBTaskResult.objects.filter(task_path__endswith="check_integrity")
    assert tasks.count() == 1 + -(-check.total // 3)  # where it starts, then each slice
    assert "The log is intact:" in auditor.get(reverse("audit:log")).content.decode()


def _in_a_thread(work) -> threading.Thread:
    """`work` started on another thread, so on a connection of its own."""

    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _elsewhere(work) -> None:
    _in_a_thread(work).join()


@pytest.mark.django_db(transaction=True)
def test_a_check_goes_on_while_others_write_to_the_log(monkeypatch):
    # Others sign in and read while the worker walks: each time it records its progress,
    # another connection has just written. (A read held open across the walk, as long as
    # the log is longer than one read's rows, had made SQLite refuse the progress: "database
    # is locked".)
    _chain(2 * PAGE + 5)
    now = timezone.now()
    check = AuditCheck.objects.create(requested_at=now, updated_at=now)
    monkeypatch.setattr(integrity, "PROGRESS_STEP", 1)
    monkeypatch.setattr(integrity, "PROGRESS_EVERY", 0.0)
    walked = integrity._Progress.__call__

    def walk_while_others_write(self, entries: int) -> None:
        if self.checked % 500 == 0:  # every entry would take the test minutes
            _elsewhere(lambda: audit.record("logout", actor_id=9, object_type="user"))
        walked(self, entries)

    monkeypatch.setattr(integrity._Progress, "__call__", walk_while_others_write)
    assert integrity.run_check(check.pk) == AuditCheck.State.INTACT
    check.refresh_from_db()
    # The entries written meanwhile are left to the next check.
    assert check.checked == check.total == 2 * PAGE + 5
    assert AuditCheck.objects.get().state == AuditCheck.State.INTACT


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_are_one_check(settings, monkeypatch):
    settings.AEGIS_AUDIT_CHECK_IN_PAGE = 0
    _entries(3)
    looked = selectors.check_under_way
    second: list[threading.Thread] = []

    def a_second_request_comes_meanwhile(now):
        found = looked(now)
        if not second:
            # It waits for the first request's lock; without it, it would make a check now.
            second.append(_in_a_thread(lambda: audit.request_check(2)))
            second[0].join(timeout=0.5)
        return found

    monkeypatch.setattr(selectors, "check_under_way", a_second_request_comes_meanwhile)
    first = audit.request_check(1)
    second[0].join()
    assert list(AuditCheck.objects.values_list("pk", flat=True)) == [first.pk]


def test_only_the_latest_checks_are_kept(signed_in, monkeypatch):
    monkeypatch.setattr(audit, "CHECKS_KEPT", 3)
    auditor, _person = signed_in(Role.AUDITOR)
    for _ in range(5):
        _ask(auditor)
    kept = list(AuditCheck.objects.values_list("pk", flat=True))
    assert len(kept) == 3 and kept == sorted(kept, reverse=True)
    assert "The log is intact:" in auditor.get(reverse("audit:log")).content.decode()


def test_the_page_sees_a_log_cut_back_below_the_checkpoint_it_lists(signed_in):
    """The log cut after a checkpoint and its recorded end moved back: the page had said
    'intact' while listing the checkpoint that vouches for the removed entries."""
    auditor, _person = signed_in(Role.AUDITOR)
    _entries(5)
    taken = audit.take_checkpoint()
    keep = taken.seq - 3
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq > %s", [keep])
        kept = AuditEntry.objects.get(seq=keep).entry_hash
        cursor.execute("UPDATE audit_audithead SET seq = %s, entry_hash = %s", [keep, kept])
    page = _ask(auditor)
    assert "The log was tampered with:" in page
    assert f"the checkpoint kept here vouches for entry {taken.seq}" in page
