"""The risk app's answer to a case moving to another compartment: its assessments (already
encrypted under the case's key, which moved with it) are listed in the new compartment."""

from __future__ import annotations

from typing import Any

from .models import Assessment


def on_case_moved(sender: Any, *, case: Any, to_compartment: Any, **_: Any) -> None:
    Assessment.objects.filter(case=case).update(compartment=to_compartment)


def connect() -> None:
    from aegis.cases.signals import case_moved

    case_moved.connect(on_case_moved, dispatch_uid="aegis.risk.case_moved")
