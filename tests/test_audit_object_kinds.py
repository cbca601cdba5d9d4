"""The audit page names the kind of object of each entry in the reader's language, beside
its id as logged: the codes ("case", "support-grant", "user 6") had been shown in every
language. Every kind the code logs has a label (audit/labels.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

import aegis
from aegis.audit import services as audit
from aegis.audit.labels import OBJECT_KINDS
from aegis.roles import Role

SOURCE = Path(aegis.__file__).parent


@pytest.mark.django_db
def test_the_audit_page_names_object_kinds_in_the_readers_language(signed_in):
    auditor, person = signed_in(Role.AUDITOR)
    audit.record("export", actor_id=None, object_type="case", object_id="AEG-2026-00008")
    audit.record("record.open", actor_id=None, object_type="support-grant", object_id="k1")
    audit.record("login", actor_id=None, object_type="user", object_id=person.user.pk)
    audit.record("record.open", actor_id=None, object_type="records", object_id="d1")
    auditor.cookies["django_language"] = "es"
    page = auditor.get(reverse("audit:log")).content.decode()
    for shown in ("caso AEG-2026-00008", "subvención k1", f"usuario {person.user.pk}"):
        assert f"<td>{shown}" in page, shown
    assert "<td>registros d1" in page
    for code in ("case", "support-grant", "user", "records"):
        assert f"<td>{code} " not in page, code
    auditor.cookies["django_language"] = "en"
    assert "<td>case AEG-2026-00008" in auditor.get(reverse("audit:log")).content.decode()


# Where the code names the kinds it logs: literal object types, and the purposes of data
# keys (a `record.open` entry names the purpose of the key opened).
LOGGED = [
    re.compile(r'object_type="([^"]+)"'),
    re.compile(r'new_record_key\([^,]+, "([^"]+)"'),
    re.compile(r'^[A-Z_]*(?:PURPOSE|_KEY) = "([a-z][a-z-]*)"', re.M),
    re.compile(r'kind_of_record = "([^"]+)" if .* else "([^"]+)"'),
]


def test_every_kind_the_code_logs_has_a_label():
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        for pattern in LOGGED:
            for match in pattern.finditer(text):
                found.update(g for g in match.groups() if g)
    assert {"case", "support-grant", "monitoring-article", "submission-file"} <= found
    assert not found - set(OBJECT_KINDS), sorted(found - set(OBJECT_KINDS))
