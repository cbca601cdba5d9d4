"""The counts kept per part of the incidents: after every kind of change they equal the
tables counted afresh from every incident, and only the parts a change touched are counted
again."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aegis.cases import selectors as case_selectors
from aegis.cases import services as cases
from aegis.cases.models import Person
from aegis.incidents import selectors as incidents_selectors
from aegis.incidents import services as incidents
from aegis.incidents.models import Incident
from aegis.reports import kept, statistics
from aegis.reports.models import CountingState
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db


@pytest.fixture
def recounted(monkeypatch) -> list[set[int]]:
    """Small parts (two incidents each), and the parts each count looked at again. No
    margin for late commits, so that what a change recounts is exactly its own (the test
    of the margin sets it)."""
    monkeypatch.setattr(statistics, "PART_SIZE", 2)
    monkeypatch.setattr(kept, "MARGIN", datetime.timedelta(0))
    seen: list[set[int]] = []
    original = statistics.part_counts

    def spy(parts: Any = None, end: Any = None) -> Any:
        # (None: every part, as the afresh count of the checks; `end`: a public release's
        # cut through its last part, not a part counted again)
        if parts is not None and end is None:
            seen.append(set(parts))
        return original(parts, end)

    monkeypatch.setattr(statistics, "part_counts", spy)
    return seen


def _people_saved_long_ago() -> None:
    Person.objects.update(updated_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))


def _same_as_afresh() -> dict[str, Any]:
    found = kept.counts()
    assert found == statistics.all_counts()
    return found


def _part(incident: Any) -> int:
    return incident.pk // statistics.PART_SIZE


def _total(found: dict[str, Any]) -> int:
    return sum(found["incidents-by-month"].values())


def test_every_change_is_counted_where_it_happened(team, settings, recounted, monkeypatch):
    consenting = [team.person(sector="journalism") for _ in range(4)]
    refusing = team.person(consent=False)
    made = [
        team.incident(
            people=[consenting[i % 4]] + ([refusing] if i == 6 else []),
            violation=["threat", "killing", "surveillance"][i % 3],
            date=datetime.date(2024 + i % 3, 1 + i, 5),
            country=["CO", "PE"][i % 2],
            region=["CO-ANT", "PE-LIM"][i % 2],
            verification="unverified" if i in (3, 7) else "verified",
        )
        for i in range(10)
    ]
    _people_saved_long_ago()
    first = _same_as_afresh()
    assert 0 < _total(first) < 10
    recounted.clear()

    # Nothing changed: nothing is counted again.
    assert kept.counts() == first and recounted == [set()]

    # A new incident: only its part.
    recounted.clear()
    new = team.incident(people=[consenting[0]])
    _people_saved_long_ago()  # (its person is not the change here)
    assert _total(_same_as_afresh()) == _total(first) + 1
    assert recounted == [{_part(new)}]

    # A withdrawn consent: the parts of that person's incidents, and none other.
    recounted.clear()
    with unlocked(team.worker.keychain()):
        withdrawn = case_selectors.consents_of(consenting[1]).get()
        cases.withdraw_consent(withdrawn, actor_id=team.worker.user.pk)
    after = _same_as_afresh()
    assert _total(after) < _total(first) + 1
    theirs = {_part(i) for i in made if i.acts.filter(victims__person=consenting[1]).exists()}
    assert recounted == [theirs]

    # A consent given: the refusing person's incident counts from now on.
    recounted.clear()
    with unlocked(team.worker.keychain()):
        cases.record_consent(refusing, "public_statistics", actor_id=team.worker.user.pk)
    assert _total(_same_as_afresh()) == _total(after) + 1
    assert recounted == [{_part(made[6])}]

    # A corrected sector moves victims between columns.
    recounted.clear()
    with unlocked(team.worker.keychain()):
        cases.update_person(
            consenting[2], actor_id=team.worker.user.pk, reason="Misfiled", sector="lgbti"
        )
    by_sector = _same_as_afresh()["victims-by-sector"]
    assert any(row == "lgbti" for row, _col in by_sector)
    theirs = {_part(i) for i in made if i.acts.filter(victims__person=consenting[2]).exists()}
    assert recounted == [theirs]

    # A person saved within the margin before the last one seen, committed late.
    monkeypatch.setattr(kept, "MARGIN", datetime.timedelta(minutes=2))
    seen = CountingState.objects.get().people_seen
    assert seen is not None
    Person.objects.filter(pk=consenting[0].pk).update(
        sector="indigenous", updated_at=seen - datetime.timedelta(seconds=30)
    )
    assert any(row == "indigenous" for row, _col in _same_as_afresh()["victims-by-sector"])
    monkeypatch.setattr(kept, "MARGIN", datetime.timedelta(0))

    # A verification, a removed victim, a removed incident.
    with unlocked(team.worker.keychain()):
        incidents.set_verification(made[3], "verified", actor_id=team.worker.user.pk)
        _same_as_afresh()
        act = made[0].acts.get()
        incidents.update_victims(act, actor_id=team.worker.user.pk, reason="Wrong", people=[])
    _same_as_afresh()
    recounted.clear()
    Incident.objects.filter(pk=made[4].pk).delete()
    _same_as_afresh()
    assert recounted == [{_part(made[4])}]

    # Counting unverified incidents too changes what every part counts.
    recounted.clear()
    settings.AEGIS_REPORTS_INCLUDE_UNVERIFIED = "on"
    _same_as_afresh()
    assert recounted[0] == {_part(i) for i in Incident.objects.all()}


def test_a_recount_counts_every_part_and_keeps_them(team, recounted):
    for _ in range(5):
        team.incident()
    kept.counts()
    recounted.clear()
    found = kept.counts(recount=True)
    assert found == statistics.all_counts()
    assert recounted[0] == {i.pk // 2 for i in Incident.objects.all()}
    recounted.clear()
    assert kept.counts() == found and recounted == [set()]


def test_the_worker_counts_everything_afresh_only_every_few_hours(team, recounted):
    from aegis import clock
    from aegis.reports import release

    made = [team.incident() for _ in range(4)]
    start = datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)
    everything = {_part(i) for i in made}
    with clock.frozen(start):
        assert release.refresh() == 1
    assert recounted == [everything]  # never counted afresh before

    # A change: only its part is counted again (for the staff dashboard; the public release
    # of the period stays as it is, so the round makes none).
    recounted.clear()
    Incident.objects.filter(pk=made[0].pk).update(updated_at=timezone.now())
    with clock.frozen(start + datetime.timedelta(minutes=3)):
        assert release.refresh() == 0
    assert recounted == [{_part(made[0])}]

    # A hand edit no version sees is counted when the afresh count is due.
    recounted.clear()
    Incident.objects.filter(pk=made[1].pk).update(country="PE", updated_at=made[1].updated_at)
    with clock.frozen(start + kept.RECOUNT_EVERY + datetime.timedelta(seconds=1)):
        assert release.refresh() == 0
    assert recounted == [everything]
    assert kept.counts() == statistics.all_counts()


def test_many_people_changed_at_once_counts_everything_again(team, recounted, monkeypatch):
    people = [team.person() for _ in range(3)]
    for person in people:
        team.incident(people=[person])
    kept.counts()
    monkeypatch.setattr(kept, "MANY", 2)
    recounted.clear()
    Person.objects.update(sector="journalism")  # every person saved, as an import does
    seen = CountingState.objects.get().people_seen
    assert seen is not None
    later = seen + datetime.timedelta(seconds=1)
    Person.objects.update(updated_at=later)
    assert kept.counts() == statistics.all_counts()
    assert recounted == [{i.pk // 2 for i in Incident.objects.all()}]


def test_people_saved_long_before_the_last_count_are_not_read_again(team, recounted, monkeypatch):
    """An import saves thousands of people within minutes. Once a count has read them, a
    later change counts only its own part again, not everything for want of knowing whether
    those saves near the last one seen had committed."""
    people = [team.person() for _ in range(3)]
    made = [team.incident(people=[person]) for person in people]
    monkeypatch.setattr(kept, "MARGIN", datetime.timedelta(minutes=2))
    monkeypatch.setattr(kept, "MANY", 2)
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Person.objects.update(updated_at=an_hour_ago)  # all saved within a second, an hour ago
    kept.counts()
    recounted.clear()
    Incident.objects.filter(pk=made[0].pk).update(updated_at=timezone.now())
    assert kept.counts() == statistics.all_counts()
    assert recounted == [{_part(made[0])}]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
def test_the_parts_versions_are_read_from_an_index_alone(team):
    """Every page view after a change reads each part's version: from the index holding the
    id and latest change, not from every row of the incidents table (a million wide rows)."""
    for _ in range(3):
        team.incident()
    with CaptureQueriesContext(connection) as captured:
        incidents_selectors.part_versions(statistics.PART_SIZE)
    (query,) = captured.captured_queries
    with connection.cursor() as cursor:
        # Table scans priced out, as they are at a network's size (at a test's size reading
        # three rows is cheaper than anything).
        cursor.execute('ANALYZE "incidents_incident"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + query["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using incidents_part_version" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
def test_the_incidents_of_a_few_parts_are_decided_one_by_one(team):
    """Deciding the counted incidents of one part: each refusing victim or case is looked up
    for its incident, never one anti-join over every victim (a second at a million). Counting
    everything keeps the anti-join, which is quickest there (and shows what is looked for)."""
    for _ in range(3):
        team.incident(people=[team.person()])

    def plan(parts: Any) -> str:
        sql, params = (
            statistics.counted_incidents(parts).order_by().values("pk").query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())

    assert "Anti Join" in plan(None)
    assert "Anti Join" not in plan({0}), plan({0})
