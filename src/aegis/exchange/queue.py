"""The exchange area's lines on the work queue (aegis.work_queue)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import ngettext

from aegis.notices import WorkItem

from . import selectors


def items(user: Any) -> list[WorkItem]:
    if not user.has_perm("accounts.view_cases"):
        return []
    waiting, more = selectors.pending_count(user)
    if not waiting:
        return []
    return [
        WorkItem(
            ngettext(
                "%(count)d record from a partner waits for review",
                "%(count)d records from partners wait for review",
                waiting,
            )
            % {"count": waiting},
            reverse("exchange:home"),
            more=more,
        )
    ]
