"""The findings worked out in one set-based query are those of a plain computation over the
same incidents (the one the dashboard used to run per request, in Python), on a seeded mix of
people, groups, sectors, places, victims and compartments, inside and outside the window."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from typing import Any

import pytest
from django.db.models import QuerySet

from aegis import clock
from aegis.cases import services as cases
from aegis.cases.models import Case, Person
from aegis.cases.vocabulary import Sector, SubjectKind
from aegis.incidents import services as incidents
from aegis.incidents.models import Incident
from aegis.risk import configuration, selectors
from aegis.risk.patterns import Finding, find_patterns, window_start
from aegis.risk.vocabulary import FindingKind
from aegis.roles import Role
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2024, 6, 30, 12, tzinfo=datetime.UTC)
PLACES = [("CO", "CO-ANT"), ("CO", "CO-CAU"), ("MX", "MX-GRO"), ("GT", ""), ("", "")]
SECTORS = [Sector.LAND_ENVIRONMENT, Sector.JOURNALISM, Sector.OTHER, Sector.LABOUR]


def reference(
    incidents: QuerySet[Any], *, today: datetime.date, window_days: int, min_count: int
) -> list[Finding]:
    """Findings worked out one incident at a time: every group each incident of the window
    belongs to, then the groups of at least `min_count` incidents. The window is read in
    months, from each incident's exact (sealed) day."""
    since = window_start(today, window_days)
    assert since.day == 1 and since <= today - datetime.timedelta(days=window_days - 1)
    seen = [i for i in incidents.all() if since <= i.date_start.replace(day=1) <= today]
    groups: dict[tuple[Any, ...], set[int]] = defaultdict(set)
    dates = {}
    for incident in seen:
        dates[incident.pk] = incident.date_start.replace(day=1)
        people, sectors = set(), set()
        for case in incident.cases.all():
            sectors.add(case.sector)
            if case.person_id is not None:
                people.add(case.person_id)
            if case.subject_kind in (SubjectKind.GROUP, SubjectKind.ORGANISATION):
                groups[(FindingKind.ORGANISATION, case.pk)].add(incident.pk)
        for act in incident.acts.all():
            for victim in act.victims.all():
                if victim.person_id is not None:
                    people.add(victim.person_id)
                    sectors.add(Person.objects.get(pk=victim.person_id).sector)
        for person_id in people:
            groups[(FindingKind.PERSON, person_id)].add(incident.pk)
        if incident.country:
            place = (incident.country, incident.region)
            groups[(FindingKind.REGION, *place)].add(incident.pk)
            for sector in sectors - {Sector.OTHER}:
                groups[(FindingKind.SECTOR, sector, *place)].add(incident.pk)
    findings = []
    for key, ids in groups.items():
        if len(ids) < min_count:
            continue
        when = sorted(dates[pk] for pk in ids)
        common: dict[str, Any] = {
            "kind": key[0],
            "count": len(ids),
            "first_date": when[0],
            "last_date": when[-1],
            "window_days": window_days,
            "since": since,
        }
        if key[0] == FindingKind.PERSON:
            person = Person.objects.get(pk=key[1])
            common.update(person_id=key[1], country=person.country, region=person.region)
            common.update(sector=person.sector)
        elif key[0] == FindingKind.ORGANISATION:
            case = Case.objects.get(pk=key[1])
            common.update(case_id=key[1], country=case.country, region=case.region)
            common.update(sector=case.sector)
        elif key[0] == FindingKind.SECTOR:
            common.update(sector=key[1], country=key[2], region=key[3])
        else:
            common.update(country=key[1], region=key[2])
        findings.append(Finding(**common))
    return findings


def order(f: Finding) -> tuple[Any, ...]:
    """The order findings are shown in (ties in it may come either way)."""
    return (-f.count, list(FindingKind.values).index(f.kind), f.country, f.region, f.sector)


def whole(f: Finding) -> tuple[Any, ...]:
    return (*order(f), f.person_id or 0, f.case_id or 0, f.first_date, f.last_date, f.since)


def seed(rng: random.Random, compartment: Any, worker: Any, make_case: Any) -> None:
    """People and organisations of mixed sectors and places, and incidents against them."""
    subjects = []
    for n in range(5):
        country, region = PLACES[n % 3]
        case = make_case(compartment, worker, country=country, region=region, sector=SECTORS[n % 4])
        Person.objects.filter(pk=case.person_id).update(sector=SECTORS[(n + 1) % 4])
        subjects.append(case)
    with unlocked(worker.keychain()):
        for kind in (SubjectKind.GROUP, SubjectKind.ORGANISATION):
            subjects.append(
                cases.open_case(
                    compartment,
                    subject_kind=kind,
                    subject_name=f"Colectivo {kind}",
                    actor_id=None,
                    country="MX",
                    region="MX-OAX",
                    sector=Sector.INDIGENOUS,
                )
            )
        people = [Person.objects.get(pk=c.person_id) for c in subjects if c.person_id]
        pool = subjects + subjects[-2:] * 3  # groups and organisations come up often
        for n in range(18):
            country, region = rng.choice(PLACES)
            incident = incidents.create_incident(
                compartment,
                actor_id=worker.user.pk,
                title=f"Incident {n}",
                date_start=TODAY.date() - datetime.timedelta(days=rng.randint(0, 40)),
                country=country,
                region=region,
                cases={c.pk: c for c in rng.sample(pool, rng.randint(0, 2))}.values(),
            )
            victims = rng.sample(people, rng.randint(0, 2))
            if victims:
                incidents.add_act(incident, violation_type="threat", actor_id=None, victims=victims)


@pytest.mark.parametrize("window_days, min_count", [(30, 2), (30, 3), (45, 2), (7, 2)])
def test_the_query_finds_what_the_plain_computation_finds(
    make_person, make_compartment, make_case, window_days, min_count
):
    worker, other = make_person(Role.CASEWORKER), make_person(Role.CASEWORKER)
    mine, theirs = make_compartment(worker), make_compartment(other)
    rng = random.Random(18)
    seed(rng, mine, worker, make_case)
    seed(rng, theirs, other, make_case)
    configuration.update_settings(
        actor_id=None, pattern_window_days=window_days, pattern_min_count=min_count
    )
    arguments = {"today": TODAY.date(), "window_days": window_days, "min_count": min_count}
    with clock.frozen(TODAY):
        scoped = selectors.findings_for(worker.user)
        everywhere = selectors.find(Incident.objects.all())
    expected_scoped = reference(Incident.objects.filter(compartment=mine), **arguments)
    expected_everywhere = reference(Incident.objects.all(), **arguments)
    assert scoped, "the seeded mix makes findings"
    assert len(everywhere) > len(scoped)
    for found, expected in ((scoped, expected_scoped), (everywhere, expected_everywhere)):
        assert sorted(found, key=whole) == sorted(expected, key=whole)
        assert [order(f) for f in found] == sorted(order(f) for f in expected)
        # The dates too (they take no part in a Finding's equality).
        assert sorted(map(whole, found)) == sorted(map(whole, expected))


def test_the_same_query_on_the_plain_queryset(make_person, make_compartment, make_case):
    worker = make_person(Role.CASEWORKER)
    seed(random.Random(7), make_compartment(worker), worker, make_case)
    arguments = {"today": TODAY.date(), "window_days": 30, "min_count": 2}
    found = find_patterns(Incident.objects.all(), **arguments)
    assert sorted(map(whole, found)) == sorted(
        map(whole, reference(Incident.objects.all(), **arguments))
    )


def _computed(run: Any) -> tuple[list[Finding], bool]:
    """What `run()` answers, and whether it ran the findings query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        found = run()
    return found, any("WITH recent" in q["sql"] for q in captured.captured_queries)


def test_kept_findings_are_those_computed_afresh_until_something_changes(
    make_person, make_compartment, make_case, django_capture_on_commit_callbacks
):
    """A scope's findings are computed once and kept (risk.findings_snapshots); an incident
    or person written, or another day, makes the next reader compute them again."""
    worker = make_person(Role.CASEWORKER)
    mine = make_compartment(worker)
    # Committed, as a real write would be: a raise of the number still waiting on the test's
    # transaction (which never commits) would stand for the writes below (one per
    # transaction), and they would never raise it.
    with django_capture_on_commit_callbacks(execute=True):
        seed(random.Random(18), mine, worker, make_case)
    arguments = {"window_days": 30, "min_count": 2}
    configuration.update_settings(actor_id=None, pattern_window_days=30, pattern_min_count=2)

    def expected(day: datetime.date, incidents: QuerySet[Any]) -> list[tuple[Any, ...]]:
        return sorted(map(whole, reference(incidents, today=day, **arguments)))

    def scoped() -> list[Finding]:
        return selectors.findings_for(worker.user)

    mine_only = Incident.objects.filter(compartment=mine)
    with clock.frozen(TODAY):
        first, ran = _computed(scoped)
        assert ran and sorted(map(whole, first)) == expected(TODAY.date(), mine_only)
        kept, ran = _computed(scoped)
        assert not ran and list(map(whole, kept)) == list(map(whole, first))
        everyone, ran = _computed(selectors.findings_of_everyone)
        assert ran and sorted(map(whole, everyone)) == expected(TODAY.date(), Incident.objects)
        assert not _computed(selectors.findings_of_everyone)[1]
        # An incident against a person already in a finding: recorded through the services.
        victim = Person.objects.get(pk=first[0].person_id or Case.objects.first().person_id)
        # The number is raised once the write commits (the test's transaction never does).
        with unlocked(worker.keychain()), django_capture_on_commit_callbacks(execute=True):
            incident = incidents.create_incident(
                mine, actor_id=worker.user.pk, title="One more", date_start=TODAY.date()
            )
            incidents.add_act(incident, violation_type="threat", actor_id=None, victims=[victim])
        after, ran = _computed(scoped)
        assert ran and sorted(map(whole, after)) == expected(TODAY.date(), mine_only)
        assert after != first
        assert _computed(selectors.findings_of_everyone)[1]
        # A person's sector, written through save() as the services do.
        victim.sector = Sector.JOURNALISM if victim.sector != Sector.JOURNALISM else Sector.LABOUR
        with django_capture_on_commit_callbacks(execute=True):
            victim.save()
        changed, ran = _computed(scoped)
        assert ran and sorted(map(whole, changed)) == expected(TODAY.date(), mine_only)
    later = TODAY + datetime.timedelta(days=3)
    with clock.frozen(later):
        moved, ran = _computed(scoped)
        assert ran and sorted(map(whole, moved)) == expected(later.date(), mine_only)
