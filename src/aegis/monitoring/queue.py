"""The monitoring area's lines on the work queue (aegis.work_queue)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import ngettext

from aegis.notices import WorkItem

from . import selectors


def items(user: Any) -> list[WorkItem]:
    found: list[WorkItem] = []
    if user.has_perm("accounts.view_analytics") and (n := selectors.pending_count()):
        found.append(
            WorkItem(
                ngettext(
                    "%(n)s news proposal waits for a decision",
                    "%(n)s news proposals wait for a decision",
                    n,
                )
                % {"n": n},
                reverse("monitoring:queue"),
            )
        )
    if user.has_perm("accounts.view_cases") and (n := selectors.merged_count(user)):
        found.append(
            WorkItem(
                ngettext(
                    "%(n)s news article waits to be added to your incidents",
                    "%(n)s news articles wait to be added to your incidents",
                    n,
                )
                % {"n": n},
                reverse("monitoring:merged"),
            )
        )
    return found
