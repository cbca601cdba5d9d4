"""Correcting the victims of an act: people on file added or removed, described victims
corrected, removed or added, with a reason in the incident's history of changes, the
previous victims readable by the case team only and encrypted at rest."""

from __future__ import annotations

import secrets

import pytest
from django.test import Client
from django.urls import reverse

from aegis.audit.models import AuditEntry
from aegis.cases import services as case_services
from aegis.cases.models import RecordChange
from aegis.incidents import services
from aegis.incidents.models import Victim
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in
from tests.seizure import find

from .test_views import _text, _url

pytestmark = pytest.mark.django_db


@pytest.fixture
def act(team):
    """A threat against the case's person, her son (described) and a neighbour."""
    incident = team.record(title="Threat at the cooperative")
    with unlocked(team.worker.keychain()):
        return services.add_act(
            incident,
            violation_type="threat",
            actor_id=None,
            victims=[team.case.person],
            described_victims=[
                services.DescribedVictim("Her son", "man", "18_29"),
                services.DescribedVictim("A neighbour", "woman", "unknown"),
            ],
        )


@pytest.fixture
def other_person(team):
    with unlocked(team.worker.keychain()):
        return case_services.create_person(team.compartment, actor_id=None, pseudonym="Guayacán")


def _victims_url(act) -> str:
    return reverse(
        "incidents:act-victims",
        kwargs={"incident_ref": act.incident.reference, "act_id": act.pk},
    )


def _described(act):
    return list(Victim.objects.filter(act=act, person__isnull=True).order_by("pk"))


def test_the_victims_are_corrected_with_a_reason_and_shown_in_the_history(team, act, other_person):
    client = sign_in(Client(), team.worker)
    assert _victims_url(act) in _text(client.get(_url("incidents:detail", act.incident)))
    son, neighbour = _described(act)
    page = _text(client.get(_victims_url(act)))
    assert "Her son" in page and "A neighbour" in page and "Guayacán" in page
    data = {
        "victims": [str(other_person.pk)],  # the case's person unticked, Guayacán ticked
        f"victim_{son.pk}_description": "Her eldest son",
        f"victim_{son.pk}_sex": "man",
        f"victim_{son.pk}_age_group": "30_44",
        f"victim_{neighbour.pk}_description": "A neighbour",
        f"victim_{neighbour.pk}_sex": "woman",
        f"victim_{neighbour.pk}_age_group": "unknown",
        f"victim_{neighbour.pk}_remove": "on",
        "victim_description": "The driver",
        "victim_sex": "man",
        "victim_age_group": "unknown",
    }
    refused = client.post(_victims_url(act), data)
    assert refused.status_code == 200 and "Say why this is changed" in _text(refused)
    assert Victim.objects.filter(act=act).count() == 3 and not RecordChange.objects.exists()

    done = client.post(_victims_url(act), {**data, "reason": "She named them by phone"})
    assert done.status_code == 302, _text(done)
    with unlocked(team.worker.keychain()):
        on_file = [v.person_id for v in Victim.objects.filter(act=act, person__isnull=False)]
        described = [(v.description, v.sex, v.age_group) for v in _described(act)]
    assert on_file == [other_person.pk]
    assert described == [("Her eldest son", "man", "30_44"), ("The driver", "man", "unknown")]

    page = _text(client.get(_url("incidents:detail", act.incident)))
    assert "She named them by phone" in page
    assert "Her son (Man, 18 to 29)" in page  # the old details, codes by their names
    assert "Her eldest son (Man, 30 to 44)" in page
    assert "Described victims" in page and "Victims on file" in page
    assert AuditEntry.objects.filter(
        action="record.update", object_type="act", object_id=str(act.pk)
    ).exists()


def test_a_refused_detail_changes_nothing_and_names_the_victim(team, act):
    son, _neighbour = _described(act)
    with unlocked(team.worker.keychain()):
        with pytest.raises(RuleError) as refused:
            services.update_victims(
                act,
                actor_id=None,
                reason="Fix",
                people=[],
                described={son.pk: services.DescribedVictim("Her son", "robot", "unknown")},
            )
        assert refused.value.field == f"victim_{son.pk}_sex"
        with pytest.raises(RuleError, match="not a victim of this act"):
            services.update_victims(
                act, actor_id=None, reason="Fix", people=[], described={999_999: son}
            )
    assert Victim.objects.filter(act=act).count() == 3
    assert not RecordChange.objects.exists()


def test_a_person_of_another_compartment_cannot_be_made_a_victim(
    team, act, make_compartment, make_case
):
    stranger = make_case(make_compartment(team.worker), team.worker).person
    with unlocked(team.worker.keychain()), pytest.raises(RuleError):
        services.update_victims(act, actor_id=None, reason="Fix", people=[stranger])
    assert Victim.objects.filter(act=act, person=team.case.person).exists()


def test_the_page_is_hidden_outside_the_compartment_and_refused_to_other_roles(
    team, act, outsider, make_person
):
    assert sign_in(Client(), outsider).get(_victims_url(act)).status_code == 404
    for role in (Role.ANALYST, Role.RESPONDER, Role.ADMIN):
        other = sign_in(Client(), make_person(role))
        assert other.get(_victims_url(act)).status_code == 403
        assert other.post(_victims_url(act), {"victims": [], "reason": "x"}).status_code == 403
    assert Victim.objects.filter(act=act).count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_previous_victims_are_encrypted_at_rest(team):
    old, why = (f"{label}{secrets.token_hex(6)}" for label in ("Victim", "Why"))
    incident = team.record()
    with unlocked(team.worker.keychain()):
        act = services.add_act(
            incident,
            violation_type="threat",
            actor_id=None,
            described_victims=[services.DescribedVictim(old)],
        )
        services.update_victims(act, actor_id=None, reason=why, people=[], described={})
    assert RecordChange.objects.filter(record_type="act").count() == 1
    assert find([old.encode(), why.encode()]) == []
