"""A small team for the support network: a caseworker (lucia) and two coordinators (karim,
ana) of one compartment, a third coordinator (omar) too, a caseworker of another compartment
(pedro), and an auditor (vera). One case whose person consented to sharing with partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from aegis import clock
from aegis.cases import services as cases
from aegis.roles import Role
from aegis.support import services
from aegis.support.models import LedgerEntry
from aegis.vault.keychain import unlocked
from tests.conftest import Person, api_client, comparable, sign_in  # noqa: F401


@dataclass
class Team:
    lucia: Person
    karim: Person
    ana: Person
    omar: Person
    pedro: Person
    vera: Person
    compartment: Any
    case: Any

    def provider(self, by: Person | None = None, *, approved: bool = True, **fields: Any) -> Any:
        by = by or self.karim
        values = {
            "name": "Abogadas del Sur",
            "kinds": ["legal"],
            "countries": ["CO"],
            "regions": ["CO-ANT"],
            "languages": "es",
            "capacity": 3,
            "cost": "pro bono",
            "contact": "Calle 5 #12, +57 300 555 0101",
        }
        values.update(fields)
        with unlocked(by.keychain()):
            provider = services.create_provider(self.compartment, actor=by.user, **values)
            if approved:
                services.add_reference(provider, actor=by.user, name="Ref One", contact="one@x.org")
                services.add_reference(provider, actor=by.user, name="Ref Two", contact="two@x.org")
                services.vet(
                    provider,
                    "approved",
                    actor=self.karim.user,
                    revet_on=clock.today() + timedelta(days=180),
                )
        return provider

    def consent(self, by: Person | None = None) -> Any:
        by = by or self.lucia
        with unlocked(by.keychain()):
            return cases.record_consent(
                self.case.person, "share_partner", "Agreed by phone", actor_id=by.user.pk
            )

    def grant(self, by: Person | None = None, **fields: Any) -> Any:
        by = by or self.lucia
        values = {
            "beneficiary": "person",
            "grant_type": "digital",
            "urgency": "urgent",
            "need": "Laptop seized in a raid",
            "amount": "1200.00",
            "currency": "EUR",
        }
        values.update(fields)
        with unlocked(by.keychain()):
            return services.request_grant(self.case, actor=by.user, **values)

    def grant_in_diligence(self, amount: str = "1000") -> Any:
        """A grant asked by Lucia, its diligence done by her."""
        grant = self.grant(amount=amount)
        with unlocked(self.lucia.keychain()):
            services.do_diligence(grant, actor=self.lucia.user, note="Checked")
        return type(grant).objects.get(pk=grant.pk)

    def approved_grant(self, amount: str = "1000") -> Any:
        """... then approved by Karim."""
        grant = self.grant_in_diligence(amount)
        with unlocked(self.karim.keychain()):
            services.approve(grant, actor=self.karim.user)
        return type(grant).objects.get(pk=grant.pk)

    def disbursed_grant(self, paid: str = "800") -> Any:
        """... then paid, in one bank transfer in euros."""
        grant = self.approved_grant()
        with unlocked(self.karim.keychain()):
            services.disburse(
                grant,
                actor=self.karim.user,
                method="bank",
                amount=paid,
                currency="EUR",
                payment_details="IBAN ES12",
            )
        return type(grant).objects.get(pk=grant.pk)


@pytest.fixture
def team(make_person, make_compartment, make_case) -> Team:
    lucia = make_person(Role.CASEWORKER, "lucia")
    karim = make_person(Role.COORDINATOR, "karim")
    ana = make_person(Role.COORDINATOR, "ana")
    omar = make_person(Role.COORDINATOR, "omar")
    pedro = make_person(Role.CASEWORKER, "pedro")
    vera = make_person(Role.AUDITOR, "vera")
    compartment = make_compartment(lucia, karim, ana, omar, name="Andes")
    other = make_compartment(pedro, name="Sahel")
    make_case(other, pedro, summary="Pedro's own case")
    case = make_case(compartment, lucia, summary="Threats after the land claim")
    return Team(lucia, karim, ana, omar, pedro, vera, compartment, case)


def client(person: Person) -> Client:
    return sign_in(Client(), person)


def grant_form(team: Team, **fields: str) -> dict[str, str]:
    """The grant request form as a coordinator fills it: 1,200 EUR for a seized laptop."""
    return {
        "case": team.case.reference,
        "beneficiary": "person",
        "grant_type": "digital",
        "urgency": "urgent",
        "need": "Laptop seized",
        "amount": "1200",
        "currency": "EUR",
        "budget_lines": "Laptop; 1200",
        **fields,
    }


@pytest.fixture
def three_entries(team):
    """Three tranches of one grant: entries 1 to 3 of the ledger."""
    grant = team.approved_grant(amount="900")
    with unlocked(team.karim.keychain()):
        for amount in ("100", "200", "300"):
            services.disburse(
                grant,
                actor=team.karim.user,
                method="bank",
                amount=amount,
                currency="EUR",
                payment_details="IBAN",
            )
    assert LedgerEntry.objects.count() == 3
    return grant
