"""The monitoring area's lines on the work queue (aegis.work_queue); counts stop at
paging.COUNT_CAP."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import ngettext

from aegis.notices import WorkItem

from . import selectors


def items(user: Any) -> list[WorkItem]:
    found: list[WorkItem] = []
    if user.has_perm("accounts.view_analytics"):
        n, more = selectors.pending_count()
        if n:
            text = ngettext(
                "%(n)s news proposal waits for a decision",
                "%(n)s news proposals wait for a decision",
                n,
            )
            found.append(WorkItem(text % {"n": n}, reverse("monitoring:queue"), more=more))
    if user.has_perm("accounts.view_cases"):
        n, more = selectors.merged_count(user)
        if n:
            text = ngettext(
                "%(n)s news article waits to be added to your incidents",
                "%(n)s news articles wait to be added to your incidents",
                n,
            )
            found.append(WorkItem(text % {"n": n}, reverse("monitoring:merged"), more=more))
        n, more = selectors.drafts_unverified_count(user)
        if n:
            text = ngettext(
                "%(n)s incident drafted from the news waits to be verified",
                "%(n)s incidents drafted from the news wait to be verified",
                n,
            )
            found.append(WorkItem(text % {"n": n}, reverse("monitoring:merged"), more=more))
    return found
