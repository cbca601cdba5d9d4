"""An incident linked to a case that later moved to another compartment: correcting the
incident keeps the link (it was right when made), whoever edits it, and the incident stays
under its own compartment's key (the move re-seals the case's key, not the incident's)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from aegis.cases import services as case_services
from aegis.cases.models import RecordChange
from aegis.incidents import services
from aegis.incidents.models import Incident
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault.keychain import NoKeyAccess, unlocked
from tests.conftest import sign_in

from .test_views import _form, _text, _url

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(team, make_person, make_compartment):
    """The team's incident is linked to its case; the case then moved to compartment B, of
    which the team's worker and `newcomer_b` are members. `colleague` is only in A."""
    colleague = make_person(Role.CASEWORKER)
    with unlocked(team.worker.keychain()):
        case_services.add_member(team.compartment, colleague.user, actor_id=None)
    newcomer_b = make_person(Role.CASEWORKER)
    elsewhere = make_compartment(team.worker, newcomer_b, name="B")
    incident = team.record(title="Raid on the cooperative", cases=[team.case])
    with unlocked(team.worker.keychain()):
        case_services.move_case(team.case, elsewhere, actor=team.worker.user, reason="Moved")
    return incident, colleague, newcomer_b


def _cases_of(incident: Incident) -> list[str]:
    return list(Incident.objects.get(pk=incident.pk).cases.values_list("reference", flat=True))


def _edit(person, incident, **fields):
    client = sign_in(Client(), person)
    page = client.get(_url("incidents:edit", incident))
    assert page.status_code == 200
    data = _form(title="Raid on the cooperative (corrected)", reason="Title", **fields)
    del data["compartment"]
    # What the browser sends: the boxes ticked on the page, nothing for a case not shown.
    data["cases"] = re.findall(r'name="cases" value="([^"]+)"[^>]*checked', _text(page))
    response = client.post(_url("incidents:edit", incident), data)
    assert response.status_code == 302, _text(response)
    return client


def test_a_member_of_both_compartments_keeps_the_link_and_sees_it_ticked(team, moved):
    incident, _colleague, _newcomer = moved
    page = _text(sign_in(Client(), team.worker).get(_url("incidents:edit", incident)))
    assert re.search(rf'name="cases" value="{team.case.reference}"[^>]*checked', page)
    _edit(team.worker, incident)
    assert _cases_of(incident) == [team.case.reference]
    change = RecordChange.objects.get(record_type="incident")
    with unlocked(team.worker.keychain()):
        assert "cases" not in str(change.changes)  # only the title changed


def test_a_member_of_the_incidents_compartment_only_keeps_the_link(team, moved):
    incident, colleague, _newcomer = moved
    client = _edit(colleague, incident)
    assert _cases_of(incident) == [team.case.reference]
    # The case is in a compartment the colleague is not in: named, not opened.
    page = _text(client.get(_url("incidents:detail", incident)))
    assert team.case.reference in page
    assert reverse("cases:detail", kwargs={"reference": team.case.reference}) not in page


def test_unticking_the_moved_case_still_unlinks_it(team, moved):
    incident, _colleague, _newcomer = moved
    client = sign_in(Client(), team.worker)
    data = _form(reason="Not the same event")
    del data["compartment"]
    assert client.post(_url("incidents:edit", incident), data).status_code == 302
    assert _cases_of(incident) == []


def test_a_new_link_to_a_case_of_another_compartment_is_still_refused(team, moved, make_case):
    incident, _colleague, _newcomer = moved
    other = make_case(team.case.compartment, team.worker)
    with unlocked(team.worker.keychain()), pytest.raises(RuleError):
        services.update_incident(
            incident, actor_id=team.worker.user.pk, reason="Link", cases=[team.case, other]
        )
    assert _cases_of(incident) == [team.case.reference]


def test_the_incident_stays_under_its_compartments_key(team, moved, make_person):
    incident, colleague, newcomer_b = moved
    _edit(colleague, incident)
    # Who should read it: members of the incident's compartment, also one who joins later.
    late = make_person(Role.CASEWORKER)
    with unlocked(colleague.keychain()):
        case_services.add_member(team.compartment, late.user, actor_id=None)
    for reader in (team.worker, colleague, late):
        with unlocked(reader.keychain()):
            stored = Incident.objects.get(pk=incident.pk)
            assert stored.title == "Raid on the cooperative (corrected)"
            change = RecordChange.objects.get(record_type="incident")
            assert "Title" in str(change.reason)
    # A member of the case's new compartment only reads the case, not the incident.
    with unlocked(newcomer_b.keychain()), pytest.raises(NoKeyAccess):
        str(Incident.objects.get(pk=incident.pk).title)
    page = _text(
        sign_in(Client(), newcomer_b).get(reverse("cases:detail", args=[team.case.reference]))
    )
    assert incident.reference not in page
