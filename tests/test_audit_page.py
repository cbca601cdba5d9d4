"""The auditor's page checks the audit log's integrity on request: it says how many entries
verified, and names the first entry changed behind the application's back. Any other role
is refused the page (the access rules' matrix covers every role)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from aegis.audit import services as audit
from aegis.roles import Role

pytestmark = pytest.mark.django_db


def _page(client) -> str:
    response = client.get(reverse("audit:log") + "?verify=1")
    assert response.status_code == 200
    return response.content.decode()


def test_the_audit_page_says_the_log_is_intact_then_names_a_changed_entry(signed_in):
    auditor, _person = signed_in(Role.AUDITOR)
    for i in range(1, 4):
        audit.record("login", actor_id=i, object_type="user", object_id=i)
    before = _page(auditor)
    assert "The log is intact:" in before and "The log was tampered with" not in before
    changed = audit.record("logout", actor_id=7, object_type="user", object_id=7)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor_id = 8 WHERE seq = %s", [changed.seq])
    after = _page(auditor)
    assert "The log was tampered with:" in after and f"entry {changed.seq}" in after
    assert "The log is intact" not in after


def test_without_asking_the_page_checks_nothing(signed_in):
    auditor, _person = signed_in(Role.AUDITOR)
    page = auditor.get(reverse("audit:log")).content.decode()
    assert "The log is intact" not in page and "tampered" not in page


def test_a_caseworker_is_refused_the_audit_page(signed_in):
    caseworker, _person = signed_in(Role.CASEWORKER)
    assert caseworker.get(reverse("audit:log") + "?verify=1").status_code == 403
