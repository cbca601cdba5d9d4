"""Corrections of incidents, their acts, sources and perpetrators go through the change log:
a typed reason, previous values readable by the case team only, encrypted at rest."""

from __future__ import annotations

import re
import secrets

import pytest
from django.test import Client

from aegis.audit.models import AuditEntry
from aegis.cases.models import RecordChange
from aegis.incidents import services
from aegis.incidents.models import Incident
from aegis.rules import RuleError
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
        with pytest.raises(RuleError, match="Say why"):
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


@pytest.fixture
def recorded(team):
    """An incident with one act naming a perpetrator, and one source."""
    incident = team.record(title="Raid on the office")
    with unlocked(team.worker.keychain()):
        police = services.create_perpetrator(
            team.compartment, actor_id=None, perpetrator_type="police", name="Unit 7"
        )
        act = services.add_act(
            incident, violation_type="threat", actor_id=None, perpetrators=[(police, "perpetrator")]
        )
        source = services.add_source(
            incident, actor_id=None, kind="testimony", reliability="B", description="A neighbour"
        )
    return incident, act, source, police


def _edit_url(name, incident, **ids):
    from django.urls import reverse

    return reverse(f"incidents:{name}", kwargs={"incident_ref": incident.reference, **ids})


@pytest.mark.django_db
def test_acts_sources_and_perpetrators_are_corrected_with_a_reason(team, client, recorded):
    from aegis.incidents.models import Act, Perpetrator, Source

    incident, act, source, police = recorded
    page = _text(client.get(_url("incidents:detail", incident)))
    for name, ids in (
        ("act-edit", {"act_id": act.pk}),
        ("source-edit", {"source_id": source.pk}),
        ("perpetrator-edit", {"perpetrator_id": police.pk}),
    ):
        assert _edit_url(name, incident, **ids) in page
    steps = [
        ("act-edit", {"act_id": act.pk}, {"violation_type": "arbitrary_detention"}),
        (
            "source-edit",
            {"source_id": source.pk},
            {"kind": "testimony", "reliability": "A", "description": "The neighbour, Doña Rosa"},
        ),
        (
            "perpetrator-edit",
            {"perpetrator_id": police.pk},
            {"perpetrator_type": "military", "name": "Battalion 9", "description": ""},
        ),
    ]
    for name, ids, data in steps:
        refused = client.post(_edit_url(name, incident, **ids), data)
        assert refused.status_code == 200 and "Say why this is changed" in _text(refused)
        assert not RecordChange.objects.exists()
    for name, ids, data in steps:
        done = client.post(_edit_url(name, incident, **ids), {**data, "reason": f"Fix {name}"})
        assert done.status_code == 302
    assert Act.objects.get(pk=act.pk).violation_type == "arbitrary_detention"
    with unlocked(team.worker.keychain()):
        assert Source.objects.get(pk=source.pk).description == "The neighbour, Doña Rosa"
        assert Perpetrator.objects.get(pk=police.pk).name == "Battalion 9"
    page = _text(client.get(_url("incidents:detail", incident)))
    for reason in ("Fix act-edit", "Fix source-edit", "Fix perpetrator-edit"):
        assert reason in page
    assert "Unit 7" in page and "A neighbour" in page
    for kind in ("act", "source", "perpetrator"):
        assert AuditEntry.objects.filter(action="record.update", object_type=kind).exists()


@pytest.mark.django_db
def test_correction_pages_are_hidden_outside_the_compartment(team, outsider, recorded):
    incident, act, source, police = recorded
    other = sign_in(Client(), outsider)
    for name, ids in (
        ("act-edit", {"act_id": act.pk}),
        ("source-edit", {"source_id": source.pk}),
        ("perpetrator-edit", {"perpetrator_id": police.pk}),
    ):
        assert other.get(_edit_url(name, incident, **ids)).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_perpetrators_old_name_is_encrypted_at_rest(team):
    old = f"Unit{secrets.token_hex(6)}"
    with unlocked(team.worker.keychain()):
        police = services.create_perpetrator(team.compartment, actor_id=None, name=old)
        services.update_perpetrator(
            police, actor_id=None, reason="Renamed", perpetrator_type="police", name="Other"
        )
    assert RecordChange.objects.filter(record_type="perpetrator").count() == 1
    assert find([old.encode()]) == []


@pytest.mark.django_db
def test_a_colleague_s_correction_is_not_undone_by_a_stale_page(team, client):
    """Two tabs on the edit page: the first corrected the title, then the second (still
    showing the old title) changed the description, and had put the old title back."""
    incident = team.record(title="Old title")
    page = client.get(_url("incidents:edit", incident)).content.decode()
    seen = re.search(r'name="seen" value="([^"]+)"', page)
    assert seen, page[:2000]
    first = _form(title="Title from tab A", reason="Typo", seen=seen.group(1))
    assert client.post(_url("incidents:edit", incident), first).status_code == 302
    stale = _form(title="Old title", description="More detail", reason="Adding detail")
    refused = client.post(_url("incidents:edit", incident), {**stale, "seen": seen.group(1)})
    assert refused.status_code == 200
    assert "This incident was changed since you opened this page" in _text(refused)
    with unlocked(team.worker.keychain()):
        assert Incident.objects.get(pk=incident.pk).title == "Title from tab A"
    now = re.search(r'name="seen" value="([^"]+)"', refused.content.decode())
    assert now and now.group(1) != seen.group(1)  # sent again, it is taken
    again = client.post(_url("incidents:edit", incident), {**stale, "seen": now.group(1)})
    assert again.status_code == 302
