"""Fictional documentation for the demo's public statistics: a few defenders who consented to
being counted, and the verified incidents recorded about them over two years, enough that
/public/ shows real numbers (the larger counts published, the small ones withheld). Written
through the incidents and cases services, as a documentation team would record them. Every
name here is invented."""

from __future__ import annotations

import datetime
import random
from typing import Any

from aegis import clock
from aegis.cases import services as cases
from aegis.incidents import services as incidents

from . import config

# pseudonym, gender, age group, sector, country, region
PEOPLE = [
    ("Arrayán", "woman", "30_44", "land_environment", "CO", "CO-CAU"),
    ("Yarumo", "man", "45_59", "land_environment", "CO", "CO-CAU"),
    ("Guadua", "woman", "18_29", "land_environment", "CO", "CO-ANT"),
    ("Cedro", "man", "30_44", "indigenous", "CO", "CO-CAU"),
    ("Nogal", "woman", "45_59", "indigenous", "GT", "GT-16"),
    ("Pino", "man", "30_44", "indigenous", "GT", "GT-16"),
    ("Roble", "man", "60_plus", "land_environment", "GT", "GT-14"),
    ("Ocote", "woman", "30_44", "journalism", "MX", "MX-GRO"),
    ("Sabino", "man", "18_29", "journalism", "MX", "MX-OAX"),
    ("Ceibo", "woman", "30_44", "womens_rights", "CO", "CO-ANT"),
    ("Mangle", "woman", "45_59", "land_environment", "CO", "CO-VAC"),
    ("Caoba", "man", "30_44", "land_environment", "MX", "MX-GRO"),
]
# Most incidents are threats and surveillance; the rarer violations stay below k.
VIOLATIONS = (
    ["threat"] * 8
    + ["death_threat"] * 5
    + ["surveillance"] * 4
    + [
        "judicial_harassment",
        "smear_campaign",
        "physical_attack",
    ]
)
INCIDENTS = 60
# Months ago in which the documentation team recorded a wave of incidents (most of them).
WAVES = (1, 2, 3, 8, 13, 14)


def _months_ago(today: datetime.date, months: int, day: int) -> datetime.date:
    month = today.month - 1 - months
    year = today.year + month // 12
    return datetime.date(year, month % 12 + 1, day)


def create_demo_data(compartment: Any, actor: Any) -> None:
    rng = random.Random(2026)  # the same demo every time
    actor_id = actor.pk
    people = []
    for n, (pseudonym, gender, age, sector, country, region) in enumerate(PEOPLE):
        person = cases.create_person(
            compartment,
            actor_id=actor_id,
            pseudonym=pseudonym,
            legal_name=f"Demo Defender {n + 1} (fictional)",
            gender=gender,
            age_group=age,
            sector=sector,
            country=country,
            region=region,
        )
        cases.record_consent(
            person, config.CONSENT_SCOPE, "Agreed at the community workshop.", actor_id=actor_id
        )
        people.append(person)
    today = clock.today()
    for n in range(INCIDENTS):
        months = rng.choice(WAVES) if n % 4 else rng.randrange(24)
        # Incidents in the future would be refused: this month's stay before today.
        day = rng.randint(1, min(28, today.day if months == 0 else 28))
        victim = people[rng.randrange(len(people)) if n % 3 else n % 4]
        incident = incidents.create_incident(
            compartment,
            actor_id=actor_id,
            title=f"Documented incident {n + 1} (fictional)",
            date_start=_months_ago(today, months, day),
            country=victim.country,
            region=victim.region,
        )
        incidents.add_act(
            incident,
            violation_type=rng.choice(VIOLATIONS),
            actor_id=actor_id,
            victims=[victim],
        )
        incidents.set_verification(incident, "verified", actor_id=actor_id)
