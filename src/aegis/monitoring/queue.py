"""The monitoring area's lines on the work queue (aegis.work_queue); counts stop at
paging.COUNT_CAP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils.translation import ngettext

from aegis.notices import WorkItem

from . import selectors


def _line(counted: tuple[int, bool], words: Callable[[int], str], url: str) -> list[WorkItem]:
    n, more = counted
    return [WorkItem(words(n) % {"n": n}, url, more=more)] if n else []


def items(user: Any) -> list[WorkItem]:
    found: list[WorkItem] = []
    if user.has_perm("accounts.view_analytics"):
        found += _line(
            selectors.pending_count(),
            lambda n: ngettext(
                "%(n)s news proposal waits for a decision",
                "%(n)s news proposals wait for a decision",
                n,
            ),
            reverse("monitoring:queue"),
        )
    if user.has_perm("accounts.view_cases"):
        merged = reverse("monitoring:merged")
        found += _line(
            selectors.merged_count(user),
            lambda n: ngettext(
                "%(n)s news article waits to be added to your incidents",
                "%(n)s news articles wait to be added to your incidents",
                n,
            ),
            merged,
        )
        found += _line(
            selectors.drafts_unverified_count(user),
            lambda n: ngettext(
                "%(n)s incident drafted from the news waits to be verified",
                "%(n)s incidents drafted from the news wait to be verified",
                n,
            ),
            merged,
        )
    return found
