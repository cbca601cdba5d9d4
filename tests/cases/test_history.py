"""Corrections of people (and, below, cases) go through the change log: a typed reason is
required, the previous values stay readable by the case team, encrypted at rest, and the
history is hidden from anyone outside the compartment."""

from __future__ import annotations

import secrets

import pytest
from django.urls import reverse

from aegis.audit.models import AuditEntry
from aegis.cases.models import Person, RecordChange
from aegis.vault.keychain import unlocked
from tests.seizure import find

from .conftest import client
from .test_pages import text

EDIT = {
    "pseudonym": "Ceiba",
    "gender": "woman",
    "age_group": "30_44",
    "sector": "journalism",
    "country": "CO",
    "region": "CO-ANT",
    "languages": "es",
}


def _person_url(team, name="person-edit"):
    return reverse(f"cases:{name}", kwargs={"person_id": team.person.pk})


def test_a_person_correction_keeps_who_when_why_and_the_previous_values(team):
    with unlocked(team.lucia.keychain()):
        old_name = Person.objects.get(pk=team.person.pk).legal_name
    audited = AuditEntry.objects.filter(action="record.update", object_type="person").count()
    response = client(team.lucia).post(
        _person_url(team),
        {**EDIT, "legal_name": "Marisol Quintero", "reason": "She gave her full name"},
    )
    assert response.status_code == 302
    change = RecordChange.objects.get(record_type="person", record_id=str(team.person.pk))
    assert change.changed_by == team.lucia.user
    page = text(client(team.lucia).get(_person_url(team, "person")))
    assert "History of changes" in page and "She gave her full name" in page
    assert old_name in page and "Marisol Quintero" in page and "lucia" in page
    assert (
        AuditEntry.objects.filter(
            action="record.update", object_type="person", object_id=str(team.person.pk)
        ).count()
        == audited + 1
    )


def test_a_correction_without_a_reason_is_refused_and_changes_nothing(team):
    before = Person.objects.values().get(pk=team.person.pk)
    updates = AuditEntry.objects.filter(action="record.update")
    audited = updates.count()
    response = client(team.lucia).post(
        _person_url(team), {**EDIT, "legal_name": "Someone else", "reason": "  "}
    )
    assert response.status_code == 200
    assert "Say why this is changed; the reason is kept in the history of changes." in text(
        response
    )
    assert Person.objects.values().get(pk=team.person.pk) == before
    assert not RecordChange.objects.exists()
    assert updates.count() == audited


def test_the_service_refuses_a_correction_without_a_reason(team):
    from aegis.cases import services

    with unlocked(team.lucia.keychain()), pytest.raises(services.CaseRuleError, match="Say why"):
        services.update_person(team.person, actor_id=team.lucia.user.pk, reason="", phone="1")
    assert not RecordChange.objects.exists()


def test_the_history_is_not_shown_outside_the_compartment(team):
    client(team.lucia).post(
        _person_url(team), {**EDIT, "legal_name": "Marisol Quintero", "reason": "Full name"}
    )
    pedro = client(team.pedro)
    assert pedro.get(_person_url(team, "person")).status_code == 404
    assert pedro.get(_person_url(team, "person-edit")).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_previous_values_and_reasons_never_reach_disk_in_clear(make_person, make_compartment):
    from aegis.accounts.roles import Role
    from aegis.cases import services

    lucia = make_person(Role.CASEWORKER, "lucia")
    compartment = make_compartment(lucia, name="Andes")
    old, new, why = (f"{label}{secrets.token_hex(6)}" for label in ("Old", "New", "Why"))
    with unlocked(lucia.keychain()):
        person = services.create_person(
            compartment, actor_id=lucia.user.pk, pseudonym="Ceiba", organisation=old
        )
        services.update_person(person, actor_id=lucia.user.pk, reason=why, organisation=new)
    assert RecordChange.objects.count() == 1
    assert find([old.encode(), new.encode(), why.encode()]) == []
