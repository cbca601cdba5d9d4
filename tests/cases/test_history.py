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
    from aegis.cases import services
    from aegis.roles import Role

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


# --- Cases --------------------------------------------------------------------------------


def _case_url(team, name):
    return reverse(f"cases:{name}", kwargs={"reference": team.case.reference})


CASE_EDIT = {
    "summary": "Threats after the land claim, and a break-in",
    "sector": "land_environment",
}


def test_a_case_correction_checks_the_place_and_keeps_the_old_summary(team):
    from aegis.cases.models import Case

    lucia = client(team.lucia)
    url = _case_url(team, "case-edit")
    assert "Threats after the land claim" in text(lucia.get(url))
    refused = lucia.post(
        url, {**CASE_EDIT, "country": "CO", "region": "MX-GRO", "reason": "Break-in"}
    )
    assert "MX-GRO is not a region of Colombia." in text(refused)
    silent = lucia.post(url, {**CASE_EDIT, "country": "CO", "region": "CO-ANT"})
    assert "Say why this is changed" in text(silent)
    assert not RecordChange.objects.exists()
    response = lucia.post(
        url, {**CASE_EDIT, "country": "CO", "region": "CO-ANT", "reason": "Break-in on Monday"}
    )
    assert response.status_code == 302
    with unlocked(team.lucia.keychain()):
        case = Case.objects.get(pk=team.case.pk)
        assert case.summary == CASE_EDIT["summary"]
    assert (case.country, case.region, case.sector) == ("CO", "CO-ANT", "land_environment")
    page = text(lucia.get(_case_url(team, "detail")))
    assert "Break-in on Monday" in page and "Threats after the land claim" in page
    assert AuditEntry.objects.filter(
        action="record.update", object_type="case", object_id=team.case.reference
    ).exists()
    assert client(team.pedro).get(_case_url(team, "case-edit")).status_code == 404


def test_the_case_service_refuses_an_unknown_region(team):
    from aegis.cases import services

    with unlocked(team.lucia.keychain()), pytest.raises(services.CaseRuleError, match="region"):
        services.update_case(team.case, actor_id=None, reason="x", country="CO", region="MX-GRO")
    assert not RecordChange.objects.exists()


@pytest.fixture
def move(team, make_person, make_compartment):
    """Lucia is also in 'Costa' with Nora; Karim (Andes only) will lose the case."""
    from aegis.roles import Role

    nora = make_person(Role.CASEWORKER, "nora")
    costa = make_compartment(team.lucia, nora, name="Costa")
    return nora, costa


def test_moving_a_case_reseals_its_key_to_the_new_compartment_only(team, move):
    from aegis.cases import selectors
    from aegis.cases.models import Case, CompartmentKey
    from aegis.vault.keychain import NoKeyAccess

    nora, costa = move
    lucia = client(team.lucia)
    url = _case_url(team, "case-move")
    assert "What stays" in text(lucia.get(url))
    silent = lucia.post(url, {"compartment": costa.pk, "reason": ""})
    assert "Say why this is changed" in text(silent)
    assert Case.objects.get(pk=team.case.pk).compartment == team.compartment
    response = lucia.post(url, {"compartment": costa.pk, "reason": "Costa team takes over"})
    assert response.status_code == 302
    case = Case.objects.get(pk=team.case.pk)
    assert case.compartment == costa
    assert CompartmentKey.objects.get(data_key_id=case.data_key_id).compartment == costa
    # Nora, in the new compartment only, opens the case and its notes.
    assert client(nora).get(_case_url(team, "detail")).status_code == 200
    with unlocked(nora.keychain()):
        assert case.summary == "Threats after the land claim"
        assert selectors.case_file(case).notes[0].body == "Call log received"
    # Karim, in the old compartment only, no longer sees it, and his copy of the key is gone.
    assert client(team.karim).get(_case_url(team, "detail")).status_code == 404
    with unlocked(team.karim.keychain()), pytest.raises(NoKeyAccess):
        Case.objects.get(pk=case.pk).summary
    page = text(lucia.get(_case_url(team, "detail")))
    assert "Costa team takes over" in page and "Andes" in page and "Costa" in page
    assert AuditEntry.objects.filter(action="key.revoke").exists()


def test_only_a_member_of_both_compartments_can_move_a_case(team, move):
    from aegis.cases import services

    _nora, costa = move
    with unlocked(team.karim.keychain()), pytest.raises(services.CaseRuleError, match="both"):
        services.move_case(team.case, costa, actor=team.karim.user, reason="Karim tries")
    # The page only offers the compartments the mover belongs to.
    response = client(team.karim).post(
        _case_url(team, "case-move"), {"compartment": costa.pk, "reason": "Karim tries"}
    )
    assert response.status_code == 200
    assert team.case.__class__.objects.get(pk=team.case.pk).compartment == team.compartment
    assert not RecordChange.objects.exists()


def test_a_responder_in_the_new_compartment_gets_no_case_key(team, move, make_person):
    from aegis.cases import services
    from aegis.roles import Role
    from aegis.vault.models import KeyWrap
    from aegis.vault.selectors import keypair_for_user

    nora, costa = move
    rafa = make_person(Role.RESPONDER, "rafa")
    with unlocked(team.lucia.keychain()):
        services.add_member(costa, rafa.user, actor_id=team.lucia.user.pk)
        services.move_case(team.case, costa, actor=team.lucia.user, reason="Costa takes over")
    keypair = keypair_for_user(rafa.user.pk)
    assert not KeyWrap.objects.filter(data_key_id=team.case.data_key_id, keypair=keypair).exists()
    assert KeyWrap.objects.filter(
        data_key_id=team.case.data_key_id, keypair=keypair_for_user(nora.user.pk)
    ).exists()


def test_the_log_keeps_what_was_stored_even_when_the_form_was_opened_earlier(team):
    import json

    from aegis.cases import services

    with unlocked(team.lucia.keychain()):
        seen_by_lucia = Person.objects.get(pk=team.person.pk)
        karims_copy = Person.objects.get(pk=team.person.pk)
        services.update_person(karims_copy, actor_id=None, reason="Karim", organisation="Karim's")
        services.update_person(seen_by_lucia, actor_id=None, reason="Lucia", organisation="Lucia's")
        latest = RecordChange.objects.first()
        assert latest is not None and latest.reason == "Lucia"
        assert ["organisation", "Karim's", "Lucia's"] in json.loads(latest.changes)
