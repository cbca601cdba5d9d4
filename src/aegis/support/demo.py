"""Fictional support network for `aegis demo`: vetted providers (one due for re-vetting, one
safe house whose address only its own compartment reads), referrals from demo cases whose
people consented to sharing with partners, and grants at each step of the workflow, so that
the coordinator's work queue has one to approve. Every name and number is invented."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aegis import clock
from aegis.cases import selectors as cases
from aegis.cases.models import Compartment
from aegis.cases.vocabulary import ConsentScope
from aegis.roles import Role

from . import services

PROVIDERS: list[dict[str, Any]] = [
    {
        "name": "Colectivo Jurídico Raíces",
        "kinds": ["legal"],
        "countries": ["CO", "PE"],
        "languages": "es,qu",
        "capacity": 12,
        "cost": "Pro bono",
        "contact": "Línea de guardia +57 300 555 0142 · guardia@raices.example.org",
    },
    {
        "name": "Red de Acompañamiento Psicosocial Ixchel",
        "kinds": ["psychosocial", "medical"],
        "countries": ["GT", "HN"],
        "languages": "es",
        "capacity": 5,
        "cost": "Sliding scale",
        "contact": "Dra. Lucía Ajú (fictional), Signal +502 5555 0199",
    },
    {
        "name": "SecureLink Digital Helpline",
        "kinds": ["digital"],
        "countries": ["CO", "GT", "HN", "MX"],
        "languages": "es,en",
        "cost": "Free",
        "contact": "help@securelink.example.org, PGP 0xDEMO",
    },
    {
        "name": "Casa Ceiba",
        "kinds": ["safe_house", "transport"],
        "countries": ["CO"],
        "languages": "es",
        "capacity": 4,
        "cost": "Covered by grants",
        "contact": "Ask the coordinator: contact through the safe-house compartment",
        "safe_house_address": "Vereda El Roble, finca 7 (fictional), Antioquia",
    },
]


def _coordinator(compartment: Compartment) -> Any:
    return cases.members_with_role(compartment.pk, Role.COORDINATOR.value).first()


def create_demo_data(compartment: Compartment, actor: Any) -> None:
    coordinator = _coordinator(compartment)
    if coordinator is None:
        return
    made = []
    for spec in PROVIDERS:
        provider = services.create_provider(compartment, actor=actor, **spec)
        for n in (1, 2):
            services.add_reference(
                provider, actor=actor, name=f"Reference {n} (fictional)", contact="via Signal"
            )
        services.vet(
            provider, "approved", actor=coordinator, revet_on=clock.today() + timedelta(days=180)
        )
        made.append(provider)
    # One whose re-vetting date passed: shown as due and not offered for new referrals.
    due = made[1]
    due.revet_on = clock.today() - timedelta(days=3)
    due.save(update_fields=["revet_on"])
    services.create_provider(
        compartment,
        actor=actor,
        name="Taller de Medios Libres",
        kinds=["livelihood"],
        countries=["HN"],
        contact="taller@medios.example.org",
    )
    consenting = [
        case
        for case in cases.visible_cases(actor).select_related("person").order_by("pk")
        if case.person is not None
        and cases.has_consent(case.person, ConsentScope.SHARE_PARTNER.value)
    ]
    if not consenting:
        return
    first = consenting[0]
    referral = services.create_referral(
        first,
        made[0],
        actor=actor,
        purpose="Legal defence against the criminalisation complaint.",
        shared=["pseudonym", "phone", "country", "languages"],
    )
    services.move_referral(referral, "sent", actor=actor)
    # A grant at each step: one closed, one disbursed with reports due, one awaiting approval.
    closed = services.request_grant(
        first,
        actor=actor,
        beneficiary="person",
        grant_type="digital",
        urgency="urgent",
        need="Laptop and phone seized in a raid; replace and harden them.",
        amount="1450.00",
        currency="EUR",
        budget_lines=[("Laptop", "1100.00"), ("Phone", "350.00")],
        other_funders="Digital Defenders Partnership (fictional): none",
    )
    services.do_diligence(closed, actor=actor, note="Partner confirmed the raid report.")
    services.approve(closed, actor=coordinator)
    services.disburse(
        closed,
        actor=coordinator,
        method="supplier",
        amount="1450.00",
        currency="EUR",
        payment_details="Paid to the supplier's invoice DEMO-0042",
    )
    services.receive_report(closed, "narrative", actor=actor, text="Devices replaced, trained.")
    services.receive_report(closed, "financial", actor=actor, text="Invoice attached.")
    services.close(closed, actor=coordinator)
    second = consenting[-1]
    relocation_grant = services.request_grant(
        second,
        actor=actor,
        beneficiary="group",
        group_size=3,
        grant_type="relocation",
        urgency="immediate",
        need="Temporary relocation of a family after death threats.",
        amount="2640",
        currency="EUR",
    )
    services.do_diligence(relocation_grant, actor=actor, note="Threats verified by two sources.")
    services.approve(relocation_grant, actor=coordinator)
    services.disburse(
        relocation_grant,
        actor=coordinator,
        method="mobile",
        amount="1320",
        currency="EUR",
        payment_details="Mobile wallet 300 555 0177 (fictional)",
    )
    services.create_referral(
        second,
        made[3],
        actor=actor,
        purpose="Three months in the safe house while the threats are assessed.",
        shared=["pseudonym", "languages"],
        kind="relocation",
        relocation={
            "destination_country": "CO",
            "destination_why": "Another department, far from the threats.",
            "host": "Casa Ceiba",
            "months": 3,
            "security_plan": "Escorted transfer by night; phones left behind.",
            "family": "Partner and one child",
            "return_plan": "Review with the family after three months.",
        },
        grant=relocation_grant,
    )
    waiting = services.request_grant(
        first,
        actor=actor,
        beneficiary="person",
        grant_type="legal",
        urgency="urgent",
        need="Lawyer's fees for the appeal hearing.",
        amount="4000000",
        currency="COP",  # in pesos at the rate asked: two coordinators approve it
        rate_to_base="0.00022",
    )
    services.do_diligence(waiting, actor=actor, note="Court date confirmed.")
