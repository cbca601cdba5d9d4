"""Fixtures for evidence: a caseworker with a case in their compartment, and a media folder
of the test's own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aegis.roles import Role


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Each test its own media folder, so 'no blob left behind' can be checked exactly."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@dataclass
class Desk:
    """A caseworker, their compartment and a case in it."""

    person: Any
    compartment: Any
    case: Any

    @property
    def user(self) -> Any:
        return self.person.user


@pytest.fixture
def desk(make_person, make_compartment, make_case) -> Desk:
    lucia = make_person(Role.CASEWORKER)
    compartment = make_compartment(lucia)
    return Desk(lucia, compartment, make_case(compartment, lucia))
