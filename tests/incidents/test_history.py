"""Corrections of incidents, their acts, sources and perpetrators go through the change log:
a typed reason, previous values readable by the case team only, encrypted at rest."""

from __future__ import annotations

import secrets

import pytest
from django.test import Client

from aegis.audit.models import AuditEntry
from aegis.cases.models import RecordChange
from aegis.incidents import services
from aegis.incidents.models import Incident
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in
from tests.seizure import find

from .test_views import _form, _text, _url


@pytest.fixture
def client(team) -> Client:
    return sign_in(Client(), team.worker)


@pytest.mark.django_db
def test_an_incident_correction_is_in_its_history_with_the_old_title(team, client):
    incident = team.record(title="Old title")
    response = client.post(
        _url("incidents:edit", incident), _form(title="New title", reason="Misread the note")
    )
    assert response.status_code == 302
    page = _text(client.get(_url("incidents:detail", incident)))
    assert "History of changes" in page and "Misread the note" in page
    assert "Old title" in page and "New title" in page
    assert AuditEntry.objects.filter(
        action="record.update", object_type="incident", object_id=incident.reference
    ).exists()


@pytest.mark.django_db
def test_an_incident_correction_without_a_reason_changes_nothing(team, client):
    incident = team.record(title="Old title")
    response = client.post(_url("incidents:edit", incident), _form(title="New title"))
    assert response.status_code == 200
    assert "Say why this is changed" in _text(response)
    with unlocked(team.worker.keychain()):
        assert Incident.objects.get(pk=incident.pk).title == "Old title"
        with pytest.raises(services.IncidentRuleError, match="Say why"):
            services.update_incident(incident, actor_id=None, reason=" ", title="Other")
    assert not RecordChange.objects.exists()


@pytest.mark.django_db
def test_the_history_is_hidden_outside_the_compartment(team, outsider):
    incident = team.record(title="Old title")
    with unlocked(team.worker.keychain()):
        services.update_incident(incident, actor_id=None, reason="Fix", title="New title")
    other = sign_in(Client(), outsider)
    assert other.get(_url("incidents:detail", incident)).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_old_values_and_reasons_are_encrypted_at_rest(team):
    old, why = (f"{label}{secrets.token_hex(6)}" for label in ("Old", "Why"))
    incident = team.record(title=old)
    with unlocked(team.worker.keychain()):
        services.update_incident(incident, actor_id=None, reason=why, title="Corrected")
    assert RecordChange.objects.count() == 1
    assert find([old.encode(), why.encode()]) == []
