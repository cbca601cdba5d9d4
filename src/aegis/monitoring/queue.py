"""The monitoring area's lines on the work queue (aegis.work_queue)."""

from __future__ import annotations

from typing import Any

from aegis.notices import WorkItem


def items(user: Any) -> list[WorkItem]:
    return []
