"""Sessions as a record class: the daily run removes sign-in sessions that ended more than
the period ago, and old counts of failed sign-ins, never a live session nor a count the
throttle still needs; the removal is audited as a count."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command

from aegis import clock
from aegis.accounts.models import SignInFailures
from aegis.audit.models import AuditEntry
from aegis.retention import services

pytestmark = pytest.mark.django_db


def _session(expires: datetime.datetime) -> str:
    store = SessionStore()
    store["aegis_wrapped_key"] = [1, "sealed"]
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=expires)
    return store.session_key


def test_ended_sessions_and_old_sign_in_failures_are_removed(capsys):
    now = datetime.datetime(2030, 6, 1, 12, tzinfo=datetime.UTC)
    long_ended = _session(now - datetime.timedelta(days=3))
    just_ended = _session(now - datetime.timedelta(hours=2))
    live = _session(now + datetime.timedelta(minutes=20))
    SignInFailures.objects.create(
        bucket="old", failures=9, last_failure_at=now - datetime.timedelta(days=10)
    )
    SignInFailures.objects.create(bucket="recent", failures=9, last_failure_at=now)
    with clock.frozen(now):
        call_command("retention", "run", "--dry-run")
        assert "would expire: 1 ended sessions" in capsys.readouterr().out
        assert services.expire().sessions == 1
    left = set(Session.objects.values_list("pk", flat=True))
    assert long_ended not in left and {just_ended, live} <= left
    assert list(SignInFailures.objects.values_list("bucket", flat=True)) == ["recent"]
    [entry] = AuditEntry.objects.filter(action="retention.expire", object_type="sessions")
    assert entry.object_id == "1"
