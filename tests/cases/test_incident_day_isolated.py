"""An incident's day beside its reference is set apart (<bdi>) wherever incidents/_day.html
shows it: on an Arabic page "05/12/2026" beside "INC-2026-00011" had read
"05 · 2026/12/INC-2026-00011"."""

from __future__ import annotations

import datetime
import re

import pytest

from aegis.incidents import services as incidents
from aegis.vault.keychain import unlocked

from .conftest import client

pytestmark = pytest.mark.django_db


def test_the_incidents_day_is_isolated_beside_its_reference(team):
    with unlocked(team.lucia.keychain()):
        incident = incidents.create_incident(
            team.compartment,
            actor_id=team.lucia.user.pk,
            title="Office raided",
            date_start=datetime.date(2026, 12, 5),
            cases=[team.case],
        )
    reader = client(team.lucia)
    reader.cookies["django_language"] = "ar"
    page = reader.get(f"/cases/{team.case.reference}/").content.decode()
    assert re.search(rf">{incident.reference}</a> · <bdi>05\u200f/12\u200f/2026</bdi> · ", page), (
        "the day set apart from the reference"
    )
