"""Demo data: a legal hold on one of the demo compartment's cases."""

from __future__ import annotations

from typing import Any

from aegis.cases import selectors as case_selectors
from aegis.roles import Role

from . import services


def create_demo_data(compartment: Any, actor: Any) -> None:
    case = case_selectors.cases_in(compartment).first()
    coordinator = case_selectors.members_with_role(compartment.pk, Role.COORDINATOR).first()
    if case is None:
        return
    services.place_hold(
        case,
        "Fictional: the court asked us to keep this file until the complaint is decided.",
        actor_id=(coordinator or actor).pk,
    )
