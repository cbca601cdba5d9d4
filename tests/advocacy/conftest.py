"""A small team for communications: a writer (caseworker) and a reviewer (coordinator) of one
compartment, an outsider caseworker and an analyst; and `draft_for`, which builds a
communication to any mechanism from demo-like case data (a defender, an incident with an act,
a perpetrator and a place), complete unless a `Spec` leaves something out."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from aegis.advocacy import seed, services
from aegis.advocacy.models import Communication, Mandate, Mechanism
from aegis.cases import services as cases
from aegis.incidents import services as incidents
from aegis.incidents.services import DescribedVictim
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import Person, api_client, sign_in  # noqa: F401  (used by this folder's tests)

LEGAL_NAME = "Marisol Quintero Albarracín"
PSEUDONYM = "Ceibo"
NARRATIVE = (
    "On the night of 3 March, two armed men on a motorbike stopped outside the home of the "
    "community leader and shouted that she would be killed if she kept documenting the "
    "evictions of the cooperative. The threat followed her testimony before the municipal "
    "council on the dumping of mine tailings in the river. She filed a complaint the next day."
)
CODES = {
    "special_procedures": "un-special-procedures",
    "wgeid": "wgeid",
    "reprisals": "un-reprisals",
    "iachr": "iachr-precautionary",
    "echr_rule_39": "echr-rule-39",
    "achpr": "achpr-hrds",
}
KINDS = {
    "special_procedures": "urgent_appeal",
    "wgeid": "disappearance",
    "reprisals": "reprisal",
    "iachr": "precautionary",
    "echr_rule_39": "interim",
    "achpr": "urgent_appeal",
}
ELEMENTS = {
    "source": "Colectivo Tierra Viva, a legal aid organisation (fictional)",
    "confidential": "The name of the witness who saw the men; the family's address.",
    "family_steps": "Habeas corpus filed on 5 March; complaint to the Ombudsman on 6 March.",
    "family_consent": "Her mother and sister, in writing on 7 March.",
    "seriousness": "Repeated death threats by an armed group that has killed two leaders.",
    "urgency": "The group announced a deadline of ten days.",
    "irreparable_harm": "Her life and physical integrity.",
    "imminent_risk": "Deportation to a country where he was tortured.",
    "articles": "2, 3",
    "domestic_decisions": "Asylum refused on 1 March; appeal dismissed on 20 March.",
    "contact_person": "Ana Ruiz, lawyer, +34 600 000 000, any hour.",
    "removal_planned": True,
    "removal": "28 March, 06:40, flight to the country of origin.",
}


@dataclass
class Team:
    writer: Person
    reviewer: Person
    outsider: Person
    analyst: Person
    compartment: Any


@pytest.fixture
def team(make_person, make_compartment) -> Team:
    seed.ensure(Mechanism, Mandate)  # a transactional test before this one emptied the tables
    writer = make_person(Role.CASEWORKER)
    reviewer = make_person(Role.COORDINATOR)
    outsider = make_person(Role.CASEWORKER)
    make_compartment(outsider)
    return Team(
        writer=writer,
        reviewer=reviewer,
        outsider=outsider,
        analyst=make_person(Role.ANALYST),
        compartment=make_compartment(writer, reviewer),
    )


@dataclass
class Spec:
    """What the case data has; each field off leaves one element out."""

    about_person: bool = True
    legal_name: str = LEGAL_NAME
    incident: bool = True
    place: bool = True
    precision: str = "day"
    perpetrator: str | None = "armed_group"
    second_victim: bool = False
    consent: tuple[str, ...] = ("un_mechanism", "name_to_government")
    narrative: str = NARRATIVE
    drop: tuple[str, ...] = ()
    elements: dict[str, Any] = field(default_factory=lambda: dict(ELEMENTS))
    language: str = "en"


def mechanism(checks: str) -> Mechanism:
    return Mechanism.objects.get(code=CODES[checks])


def draft_for(team: Team, checks: str, spec: Spec | None = None) -> Communication:
    """A draft to this mechanism built from a new case (inside the writer's keys)."""
    spec = spec or Spec()
    actor = team.writer.user.pk
    with unlocked(team.writer.keychain()):
        person = None
        if spec.about_person:
            person = cases.create_person(
                team.compartment,
                actor_id=actor,
                pseudonym=PSEUDONYM,
                legal_name=spec.legal_name,
                country="CO",
                region="CO-CAU",
            )
            for scope in spec.consent:
                cases.record_consent(person, scope, "Signed form", actor_id=actor)
        case = cases.open_case(
            team.compartment,
            subject_kind="person" if person else "group",
            person=person,
            subject_name="" if person else "Cooperative",
            summary="Threats after testimony",
            country="CO",
            actor_id=actor,
        )
        linked = []
        if spec.incident:
            incident = incidents.create_incident(
                team.compartment,
                actor_id=actor,
                title="Death threat at the leader's home",
                description="Two armed men threatened her at night.",
                date_start=datetime.date(2026, 3, 3),
                date_precision=spec.precision,
                country="CO" if spec.place else "",
                region="CO-CAU" if spec.place else "",
                exact_location="Vereda El Roble (fictional)" if spec.place else "",
                cases=[case],
            )
            perpetrators = []
            if spec.perpetrator:
                perpetrators.append(
                    (
                        incidents.create_perpetrator(
                            team.compartment,
                            actor_id=actor,
                            perpetrator_type=spec.perpetrator,
                            name="Frente 18 (fictional)",
                        ),
                        "perpetrator",
                    )
                )
            incidents.add_act(
                incident,
                violation_type="death_threat",
                actor_id=actor,
                victims=[person] if person else [],
                perpetrators=perpetrators,
                described_victims=[DescribedVictim("Her brother, a farmer")]
                if spec.second_victim
                else [],
            )
            linked.append(incident)
        values = {k: v for k, v in spec.elements.items() if k not in spec.drop}
        return services.create_communication(
            case,
            mechanism=mechanism(checks),
            kind=KINDS[checks],
            language=spec.language,
            actor_id=actor,
            incidents=linked,
            narrative=spec.narrative,
            elements=values,
        )


def reviewed(team: Team, communication: Communication) -> Communication:
    with unlocked(team.writer.keychain()):
        services.submit_for_review(communication, actor_id=team.writer.user.pk)
    with unlocked(team.reviewer.keychain()):
        services.approve(communication, actor_id=team.reviewer.user.pk)
    return communication


def variant(**changes: Any) -> Spec:
    return replace(Spec(), **changes)
