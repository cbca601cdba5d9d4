"""Fixtures of the retention tests: an intake team and a case team, reports and closed
cases made at a known time, and a clock frozen a given number of days later."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from aegis.cases import services as cases
from aegis.cases.models import Case
from aegis.intake import services as intake
from aegis.roles import Role
from aegis.vault.keychain import unlocked


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AEGIS_BACKUP_DIR = tmp_path / "backups"


@pytest.fixture
def team(make_person, make_compartment):
    """A caseworker and a coordinator in the intake team's compartment and in a case one."""
    lucia = make_person(Role.CASEWORKER, "lucia")
    karim = make_person(Role.COORDINATOR, "karim")
    make_compartment(lucia, karim, name="Intake team")
    compartment = make_compartment(lucia, karim, name="Andes")
    return lucia, karim, compartment


@pytest.fixture
def report() -> Callable[..., intake.Receipt]:
    def make(narrative: str = "They burned the seed store of the cooperative.") -> intake.Receipt:
        return intake.submit_report(
            intake.Report(narrative=narrative, target_kind="organisation"), ()
        )

    return make


@pytest.fixture
def closed_case(team, make_case):
    lucia, _karim, compartment = team

    def make(**fields):
        case = make_case(compartment, lucia, **fields)
        with unlocked(lucia.keychain()):
            cases.change_status(
                case, "closed", "Protection no longer needed.", actor_id=lucia.user.pk
            )
        return Case.objects.get(pk=case.pk)

    return make


def later(days: float) -> datetime.datetime:
    from django.utils import timezone

    return timezone.now() + datetime.timedelta(days=days)
