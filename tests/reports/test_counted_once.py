"""The counted incidents are worked out once per release (a temporary table every unit's
GROUP BY joins to): the tables are the same as when each unit decided again who may be
counted, and the number of queries a release takes does not grow with the data."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aegis import clock
from aegis.incidents import services as incidents
from aegis.incidents.services import DescribedVictim
from aegis.reports import release as releases
from aegis.reports import statistics
from aegis.reports.models import CountingState, StoredRelease
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)


def _seed(team, make_case, n: int, seed: int) -> None:
    """`n` incidents over people who consented or not, cases about either, described
    victims, perpetrators of several types and every verification status."""
    rng = random.Random(seed)
    sectors = ["land_environment", "journalism", "indigenous", "lgbti"]
    consenting = [team.person(sector=rng.choice(sectors)) for _ in range(6)]
    refusing = [team.person(consent=False, sector=rng.choice(sectors)) for _ in range(3)]
    linked = [make_case(team.compartment, team.worker) for _ in range(2)]
    from aegis.cases import services as cases

    with unlocked(team.worker.keychain()):
        # One case's person consents, the other's does not.
        cases.record_consent(linked[0].person, "public_statistics", actor_id=team.worker.user.pk)
        perpetrators = [
            incidents.create_perpetrator(
                team.compartment, actor_id=team.worker.user.pk, perpetrator_type=kind
            )
            for kind in ("police", "military", "company")
        ]
        statuses = ["verified", "corroborated", "unverified"]
        places = [
            {"country": "CO", "region": "CO-ANT"},
            {"country": "CO", "region": ""},
            {"country": "PE", "region": "PE-LIM"},
        ]
        for i in range(n):
            people = rng.sample(consenting, rng.randint(0, 2))
            if rng.random() < 0.25:
                people.append(rng.choice(refusing))
            incident = incidents.create_incident(
                team.compartment,
                actor_id=team.worker.user.pk,
                title=f"Incident {i}",
                date_start=datetime.date(rng.choice([2024, 2025, 2026]), rng.randint(1, 12), 3),
                **rng.choice(places),
                cases=rng.sample(linked, rng.randint(0, 1)),
            )
            for _act in range(rng.randint(1, 2)):
                incidents.add_act(
                    incident,
                    violation_type=rng.choice(["threat", "killing", "surveillance"]),
                    actor_id=team.worker.user.pk,
                    victims=people,
                    perpetrators=[
                        (p, "perpetrator") for p in rng.sample(perpetrators, rng.randint(0, 2))
                    ],
                    described_victims=[
                        DescribedVictim("A neighbour", sex=rng.choice(["woman", "man"]))
                        for _ in range(rng.randint(0, 1))
                    ],
                )
            status = statuses[i % 3]
            for _source in range(2 if status == "corroborated" else 0):
                incidents.add_source(
                    incident,
                    actor_id=team.worker.user.pk,
                    kind="testimony",
                    reliability="A",
                    independent=True,
                )
            if status != "unverified":
                incidents.set_verification(incident, status, actor_id=team.worker.user.pk)


def _each_unit_deciding_again() -> dict[str, dict[tuple[str, str], int]]:
    """The tables as before: every unit's query re-derives the counted incidents."""
    found: dict[str, dict[tuple[str, str], int]] = {}
    for spec in statistics.TABLES:
        found.update(statistics.unit_counts(spec.unit, [spec], statistics.counted_incidents()))
    return found


@pytest.mark.parametrize("unverified", [False, True])
def test_counting_once_gives_the_same_tables(team, make_case, settings, unverified):
    settings.AEGIS_REPORTS_INCLUDE_UNVERIFIED = "on" if unverified else "off"
    _seed(team, make_case, 40, seed=7)
    once = statistics.all_counts()
    assert once == _each_unit_deciding_again()
    # The seed mixes counted and left-out incidents: neither nothing nor everything counts.
    counted = sum(once["incidents-by-month"].values())
    assert 0 < counted < 40
    assert once["perpetrators"] and once["victims-by-region"]


def _queries_to_make_a_release() -> int:
    releases._CACHE.clear()
    StoredRelease.objects.all().delete()
    CountingState.objects.all().delete()  # counted afresh, not from the kept counts
    with CaptureQueriesContext(connection) as queries, clock.frozen(NOW):
        releases.public_release()
    return len(queries.captured_queries)


def test_the_queries_a_release_takes_do_not_grow_with_the_data(team, make_case):
    _seed(team, make_case, 6, seed=1)
    few = _queries_to_make_a_release()
    _seed(team, make_case, 30, seed=2)
    assert _queries_to_make_a_release() == few
