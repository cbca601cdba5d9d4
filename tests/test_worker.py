"""The worker runs tasks from the database queue (django-tasks-db)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from aegis.roles import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_signing_in_queues_a_purge_of_expired_sessions_that_the_worker_runs(make_person):
    stale = SessionStore()
    stale["aegis_wrapped_key"] = [1, "left behind"]
    stale.create()
    Session.objects.filter(pk=stale.session_key).update(
        expire_date=timezone.now() - timedelta(hours=1)
    )
    client = sign_in(Client(), make_person(Role.CASEWORKER))
    assert Session.objects.filter(pk=stale.session_key).exists()  # nothing ran yet
    call_command("db_worker", "--max-tasks", "1", "--no-startup-delay", "--interval", "0.1")
    assert not Session.objects.filter(pk=stale.session_key).exists()
    assert client.get("/").status_code == 200  # the live session is untouched
