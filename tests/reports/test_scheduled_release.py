"""A public release is made once per period (a month by default) and does not follow each
change: two downloads in one period are the same, so their difference never shows one new
incident's month, violation, sex, age group and region; the next period's release holds it,
mixed with everything else recorded in the period. A withdrawn consent still leaves at once."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from aegis import clock
from aegis.reports import config
from aegis.reports import release as releases
from aegis.reports.disclosure import TOTAL

pytestmark = pytest.mark.django_db

IN_JUNE = datetime.datetime(2026, 6, 10, 12, tzinfo=datetime.UTC)
JULY_FIRST = datetime.datetime(2026, 7, 1, 0, 5, tzinfo=datetime.UTC)


def _download(path: str) -> bytes:
    response = Client().get(path)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _total() -> int | None:
    return releases.public_release().table("incidents-by-month").cell(TOTAL, TOTAL).value


def test_two_downloads_in_one_period_are_the_same_and_the_next_period_holds_the_change(team):
    for _ in range(6):
        team.incident()
    with clock.frozen(IN_JUNE):
        before = [_download("/public/data.csv"), _download("/public/data.json")]
        # One new incident, in this very period, with its own month, violation and region.
        team.incident(
            violation="killing",
            date=datetime.date(2026, 6, 2),
            country="GT",
            region="GT-16",
            people=[team.person(country="GT")],
        )
        assert [_download("/public/data.csv"), _download("/public/data.json")] == before
        releases._CACHE.clear()  # another process reads the same stored release
        assert releases.refresh() == 0  # the worker makes none within the period
        assert [_download("/public/data.csv"), _download("/public/data.json")] == before
        assert _total() == 6
    with clock.frozen(JULY_FIRST):
        assert releases.refresh() == 1  # the worker makes July's as July begins
        after = _download("/public/data.csv")
        assert after != before[0]
        assert _total() == 7


def test_a_withdrawn_consent_leaves_at_once_and_lets_in_nothing_recorded_since(team):
    people = [team.person() for _ in range(7)]
    for person in people[:6]:
        team.incident(people=[person])
    with clock.frozen(IN_JUNE):
        assert _total() == 6
        team.incident(people=[people[6]])  # recorded in June: waits for July's release

        from aegis.cases import selectors, services

        services.withdraw_consent(
            selectors.consents_of(people[0]).get(), actor_id=team.worker.user.pk
        )
        # Remade at once without that person, and still without June's incident.
        assert _total() == 5
    with clock.frozen(JULY_FIRST):
        assert _total() == 6


def test_the_release_period_is_a_setting(settings):
    assert config.period_start(datetime.date(2026, 5, 20)) == datetime.date(2026, 5, 1)
    settings.AEGIS_REPORTS_RELEASE_PERIOD = "quarter"
    assert config.period_start(datetime.date(2026, 5, 20)) == datetime.date(2026, 4, 1)
    assert config.period_start(datetime.date(2026, 12, 31)) == datetime.date(2026, 10, 1)
    settings.AEGIS_REPORTS_RELEASE_PERIOD = "year"
    assert config.period_start(datetime.date(2026, 5, 20)) == datetime.date(2026, 1, 1)
    settings.AEGIS_REPORTS_RELEASE_PERIOD = "week"
    with pytest.raises(ImproperlyConfigured):
        config.release_period()


def test_the_methods_page_says_when_the_figures_change(settings):
    page = Client().get("/public/methods").content.decode()
    assert "once a month" in page
    settings.AEGIS_REPORTS_RELEASE_PERIOD = "quarter"
    assert "once a quarter" in Client().get("/public/methods").content.decode()


def test_a_grant_approved_within_the_period_waits_for_the_next_release(granting):
    """The grant tables had been counted at each view: the difference between two downloads
    showed one new grant's type, country, month and amount."""
    for month in (1, 2, 3, 4, 5):
        granting("security", "1000.00", datetime.datetime(2026, month, 10, tzinfo=datetime.UTC))
    with clock.frozen(IN_JUNE):
        before = [_download("/public/data.csv"), _download("/public/data.json")]
        assert b"grants" in before[0]
    granting("security", "1000.00", IN_JUNE + datetime.timedelta(days=1))
    with clock.frozen(IN_JUNE + datetime.timedelta(days=2)):
        releases._CACHE.clear()  # another process reads the same stored release
        assert [_download("/public/data.csv"), _download("/public/data.json")] == before
        release = releases.public_release()
        assert _granted(release.grants_before) == 5
        assert _granted(None) == 6  # the staff's live count has it already
    with clock.frozen(JULY_FIRST):
        assert releases.refresh() == 1
        assert _granted(releases.public_release().grants_before) == 6


def _granted(before: datetime.datetime | None) -> int:
    """How many grants the public tables count (before their protection)."""
    from aegis.cases import selectors as cases
    from aegis.support import selectors as support

    consenting = cases.consenting_people(config.CONSENT_SCOPE)
    return sum(cell.count for cell in support.grant_cells(consenting, before))
