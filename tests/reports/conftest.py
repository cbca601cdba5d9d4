"""A protection team that records incidents through the real services, with the people's
consent to public statistics (or without), for the reports tests."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest

from aegis import clock
from aegis.cases import services as cases
from aegis.incidents import services as incidents
from aegis.incidents.services import DescribedVictim
from aegis.roles import Role
from aegis.support import services as support
from aegis.vault.keychain import unlocked

_numbers = itertools.count()


@dataclass
class Team:
    worker: Any  # tests.conftest.Person
    compartment: Any
    made: list[Any] = field(default_factory=list)

    def person(
        self,
        *,
        consent: bool = True,
        sector: str = "land_environment",
        name: str = "",
        country: str = "CO",
    ) -> Any:
        n = next(_numbers)
        with unlocked(self.worker.keychain()):
            person = cases.create_person(
                self.compartment,
                actor_id=self.worker.user.pk,
                pseudonym=f"Defender {n}",
                legal_name=name or f"Legal Name {n}",
                country=country,
                sector=sector,
                gender="woman",
                age_group="30_44",
            )
            if consent:
                cases.record_consent(person, "public_statistics", actor_id=self.worker.user.pk)
        return person

    def incident(
        self,
        *,
        people: list[Any] | None = None,
        violation: str = "threat",
        date: datetime.date = datetime.date(2026, 3, 5),
        country: str = "CO",
        region: str = "CO-ANT",
        verification: str = "verified",
        title: str = "Threat at the community hall",
        description: str = "",
        exact_location: str = "",
        described: list[DescribedVictim] = (),  # type: ignore[assignment]
    ) -> Any:
        people = [self.person()] if people is None else people
        with unlocked(self.worker.keychain()):
            incident = incidents.create_incident(
                self.compartment,
                actor_id=self.worker.user.pk,
                title=title,
                description=description,
                exact_location=exact_location,
                date_start=date,
                country=country,
                region=region,
            )
            incidents.add_act(
                incident,
                violation_type=violation,
                actor_id=self.worker.user.pk,
                victims=people,
                described_victims=list(described),
            )
            if verification != "unverified":
                incidents.set_verification(incident, verification, actor_id=self.worker.user.pk)
        self.made.append(incident)
        return incident


@pytest.fixture(autouse=True)
def _no_release_of_another_test() -> None:
    """A process keeps the public release it read while its period lasts: each test starts
    with none (its database is its own)."""
    from aegis.reports import release

    release._CACHE.clear()


@pytest.fixture
def team(make_person, make_compartment) -> Team:
    worker = make_person(Role.COORDINATOR)
    return Team(worker, make_compartment(worker))


GRANT_CANARIES = ("Canary Legalname Qx", "Canary summary of threats Qx", "Canary laptop need Qx")


@pytest.fixture
def granting(make_person, make_compartment, make_case) -> Any:
    """Grants through the real services: requested by a caseworker, diligenced by one
    coordinator and approved by another (one case per grant, so the per-person cap holds),
    for a person who agreed to be counted in public statistics unless `consent=False`."""
    worker = make_person(Role.CASEWORKER)
    diligent = make_person(Role.COORDINATOR)
    approver = make_person(Role.COORDINATOR)
    compartment = make_compartment(worker, diligent, approver)

    def grant(
        kind: str, amount: str, when: datetime.datetime, approved: bool = True, consent: bool = True
    ) -> Any:
        case = make_case(
            compartment, worker, legal_name=GRANT_CANARIES[0], summary=GRANT_CANARIES[1]
        )
        with clock.frozen(when), unlocked(worker.keychain()):
            if consent:  # to be counted in public statistics, as for incidents
                cases.record_consent(case.person, "public_statistics", actor_id=worker.user.pk)
            made = support.request_grant(
                case,
                actor=worker.user,
                beneficiary="person",
                grant_type=kind,
                urgency="urgent",
                need=GRANT_CANARIES[2],
                amount=amount,
                currency="EUR",
            )
            if approved:
                made = support.do_diligence(made, actor=diligent.user, note="Checked")
                made = support.approve(made, actor=approver.user)
        return made

    return grant
