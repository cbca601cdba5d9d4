"""Differencing: two releases or two filtered views that differ by one incident never give
away a count from 1 to k-1, whether read directly or as the difference of two published
counts of the same cell."""

from __future__ import annotations

import datetime
import itertools

import pytest

from aegis.reports import release as releases
from aegis.reports.release import FILTERS

pytestmark = pytest.mark.django_db

FILTER_VALUES = {
    "year": ["", "2025", "2026"],
    "country": ["", "CO", "PE"],
    "violation": ["", "threat", "killing"],
    "sector": ["", "land_environment", "journalism"],
}


def _published(release) -> dict:
    """Every number any filtered view shows, by (table, row, column)."""
    found: dict = {}
    for values in itertools.product(*(FILTER_VALUES[name] for name in FILTERS)):
        filters = {name: v for name, v in zip(FILTERS, values, strict=True) if v}
        for table in releases.views(release, filters):
            for code, _label, cells, total in table.rows:
                for (col, _l), shown in zip(table.cols, cells, strict=True):
                    key = (table.spec.slug, code, col)
                    assert found.setdefault(key, shown.cell) == shown.cell, key
                if total is not None:
                    found.setdefault((table.spec.slug, code, "*"), total.cell)
    return found


def test_views_one_incident_apart_reveal_nothing_below_k(team):
    journalist = [team.person(sector="journalism") for _ in range(3)]
    for person in journalist:
        team.incident(people=[person], violation="threat")
    for _ in range(6):
        team.incident(violation="threat")
    for _ in range(5):
        team.incident(violation="killing", date=datetime.date(2025, 8, 1), country="PE", region="")
    before = _published(releases.public_release())
    team.incident(people=[team.person(sector="journalism")], violation="threat")
    after = _published(releases.public_release())
    k = 5
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        for cell in (old, new):
            if cell is not None and cell.value is not None:
                assert not 0 < cell.value < k, key
        if old is not None and new is not None and None not in (old.value, new.value):
            # One incident moves a count by a few (its acts, victims), never exposing a small
            # group: both are 0 or at least k.
            assert not 0 < abs(new.value - old.value) < k or min(old.value, new.value) >= k, key


def test_a_country_with_one_incident_is_fewer_than_k_on_every_path(team):
    for _ in range(6):
        team.incident()
    team.incident(country="PE", region="")
    release = releases.public_release()
    texts = set()
    for filters in ({}, {"country": "PE"}, {"year": "2026"}, {"country": "PE", "year": "2026"}):
        (table,) = [
            t for t in releases.views(release, filters) if t.spec.slug == "incidents-by-country"
        ]
        for code, _label, cells, _total in table.rows:
            if code == "PE":
                texts.update(c.text for c in cells)
    assert texts == {"<5"}
