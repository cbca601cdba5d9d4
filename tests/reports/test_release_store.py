"""The protected release is made once per period and shared through the database by every
process; a withdrawn consent is seen at the next view, any other change at the next period
(`test_scheduled_release`)."""

from __future__ import annotations

import datetime

import pytest

from aegis import clock
from aegis.reports import release as releases
from aegis.reports.disclosure import TOTAL, Status
from aegis.reports.models import StoredRelease

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)


def _total(release) -> object:
    return release.table("incidents-by-month").cell(TOTAL, "2026")


def _another_process() -> None:
    releases._CACHE.clear()


def test_another_process_reads_the_stored_release_without_protecting_again(team, monkeypatch):
    people = [team.person() for _ in range(6)]
    for person in people:
        team.incident(people=[person])
    with clock.frozen(NOW):
        made = releases.public_release()
    _another_process()

    def refuse(*args, **kwargs):
        raise AssertionError("the release was made again")

    original = releases.protect_linked
    monkeypatch.setattr(releases, "protect_linked", refuse)
    with clock.frozen(NOW + datetime.timedelta(seconds=60)):
        read = releases.public_release()
    assert read.tables == made.tables and _total(read).value == 6

    # A withdrawn consent changes the fingerprint: the next view, in any process, remakes it.
    from aegis.cases import selectors, services

    services.withdraw_consent(selectors.consents_of(people[0]).get(), actor_id=team.worker.user.pk)
    _another_process()
    monkeypatch.setattr(releases, "protect_linked", original)
    with clock.frozen(NOW + datetime.timedelta(seconds=61)):
        assert _total(releases.public_release()).value == 5
        assert StoredRelease.objects.get().content["tables"]  # the new one replaced it


def test_the_worker_makes_it_once_per_period(team):
    for _ in range(5):
        team.incident()
    with clock.frozen(NOW):
        assert releases.refresh() == 1
        assert releases.refresh() == 0  # this period's is made
        team.incident()
        assert releases.refresh() == 0  # a new incident waits for the next period
        _another_process()
        assert _total(releases.public_release()).value == 5
    with clock.frozen(NOW + datetime.timedelta(days=30)):  # 1 July
        assert releases.refresh() == 1
        _another_process()
        assert _total(releases.public_release()).value == 6


def test_a_corrected_sector_is_seen_in_the_next_period(team):
    people = [team.person(sector="land_environment") for _ in range(6)]
    for person in people:
        team.incident(people=[person])
    sectors = "victims-by-sector"
    with clock.frozen(NOW):
        before = releases.public_release()
    assert before.table(sectors).cell("journalism", TOTAL) == before.table(sectors).cell(
        "journalism", "2026"
    )
    assert before.table(sectors).cell("journalism", TOTAL).value == 0

    from aegis.cases import services
    from aegis.vault.keychain import unlocked

    with unlocked(team.worker.keychain()):
        services.update_person(
            people[0], actor_id=team.worker.user.pk, reason="Wrong sector", sector="journalism"
        )
    # Not within the period, in this process or in another: a release follows no one change.
    with clock.frozen(NOW + datetime.timedelta(days=10)):
        assert releases.public_release().table(sectors).cell("journalism", TOTAL).value == 0
        _another_process()
        assert releases.refresh() == 0
    with clock.frozen(NOW + datetime.timedelta(days=30)):
        assert releases.public_release().table(sectors).cell("journalism", TOTAL).status is (
            Status.PRIMARY
        )
