"""The level counts kept as assessments are made and cases change give what counting every
case and assessment gives (the dashboard's counts by level and of open cases not yet
assessed, the analyst's table by place and sector), and refresh_level_counts works out the
same counts afresh."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import Count

from aegis.cases import services as cases
from aegis.cases.models import Case
from aegis.cases.vocabulary import CaseStatus
from aegis.risk import level_counts, overview, selectors
from aegis.risk.models import Assessment, LevelCount
from aegis.vault.keychain import unlocked
from tests.risk.conftest import ratings, threat

pytestmark = pytest.mark.django_db


def counted_by_rows(compartment_ids: list[int]) -> tuple[dict[str, int], int]:
    """The dashboard's counts worked out from every row in scope, as they used to be."""
    levels = Counter(
        dict(
            Assessment.objects.filter(compartment_id__in=compartment_ids, is_current=True)
            .values_list("level")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    unassessed = (
        Case.objects.filter(compartment_id__in=compartment_ids)
        .exclude(status=CaseStatus.CLOSED)
        .filter(risk_assessments__isnull=True)
        .count()
    )
    return dict(levels), unassessed


def table_by_rows() -> Counter:
    return Counter(
        {
            row[:4]: row[4]
            for row in Assessment.objects.filter(is_current=True)
            .values_list("case__country", "case__region", "case__sector", "level")
            .annotate(n=Count("pk"))
            .order_by()
        }
    )


def kept() -> set[tuple]:
    return set(
        LevelCount.objects.filter(cases__gt=0).values_list(
            "compartment_id", "country", "region", "sector", "level", "cases"
        )
    )


def check(team, compartments) -> None:
    ids = [c.pk for c in compartments]
    levels, unassessed = counted_by_rows(ids)
    data = overview.dashboard(team.worker.user)
    assert {k: v for k, v in data.counts.items() if v} == levels
    assert data.unassessed == unassessed
    assert data.page.paginator.count == sum(levels.values())  # the listed assessments
    for level, n in levels.items():
        assert overview.dashboard(team.worker.user, level=level).page.paginator.count == n
    table = Counter()
    for row in overview.analysis().levels:
        for level, n in row.counts.items():
            if n:
                table[(row.country, row.region, row.sector, level)] = n
    assert table == table_by_rows()
    assert not LevelCount.objects.filter(cases__lt=0).exists()
    before = kept()
    level_counts.refresh_level_counts()
    assert kept() == before


def test_counts_follow_assessments_and_case_changes(team, make_case, make_compartment):
    other = make_compartment(team.worker)
    compartments = [team.compartment, other]
    opened = [
        make_case(team.compartment, team.worker, country="CO", region="CO-ANT", sector="labour"),
        make_case(team.compartment, team.worker, country="MX", region="MX-GRO"),
        make_case(other, team.worker, country="CO", region="CO-ANT", sector="labour"),
        make_case(other, team.worker),
    ]
    every = [team.case, *opened]
    check(team, compartments)
    team.assess()  # the team's case
    team.assess(case=opened[0], threats=[threat(5, 5)], ratings=ratings([5], [1]))
    team.assess(case=opened[2], imminent=True)
    check(team, compartments)
    team.assess(case=opened[0], threats=[threat(1, 1)], ratings=ratings([1], [5]))  # again
    check(team, compartments)
    with unlocked(team.worker.keychain()):
        cases.change_status(opened[1], CaseStatus.CLOSED, "Resolved", actor_id=None)
        cases.change_status(opened[2], CaseStatus.CLOSED, "Resolved", actor_id=None)
        check(team, compartments)
        cases.change_status(opened[1], CaseStatus.ACTIVE, "Threats again", actor_id=None)
        cases.update_case(
            opened[0], actor_id=None, reason="Moved house", region="CO-CAU", sector="journalism"
        )
        check(team, compartments)
        cases.move_case(opened[0], other, actor=team.worker.user, reason="Other team")
        cases.move_case(opened[3], team.compartment, actor=team.worker.user, reason="Back")
    check(team, compartments)
    # Every case counts once (the closed one by its level: it was assessed).
    assert sum(selectors.level_counts(team.worker.user).values()) == len(every)


def test_a_reader_counts_only_their_compartments(team, outsider):
    team.assess()
    assert selectors.level_counts(team.worker.user) == {Assessment.objects.get().level: 1}
    assert selectors.level_counts(outsider.user) == {"": 1}  # their own case, not assessed


def test_refresh_counts_rows_written_in_bulk(team, make_case):
    team.assess()
    make_case(team.compartment, team.worker)
    expected = kept()
    LevelCount.objects.all().delete()
    level_counts.refresh_level_counts()
    assert kept() == expected
