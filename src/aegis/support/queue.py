"""The support area's lines on the work queue (aegis.work_queue): referrals whose follow-up
date passed, open referrals whose consent was withdrawn, grants awaiting this coordinator's
approval, and grant reports due within a week or overdue. Counts only, each stopping at
paging.COUNT_CAP."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import ngettext

from aegis.notices import WorkItem
from aegis.paging import capped_count

from . import selectors


def items(user: Any) -> list[WorkItem]:
    if not user.has_perm("accounts.view_cases"):
        return []
    found: list[WorkItem] = []
    referrals = reverse("support:referrals")
    n, more = capped_count(selectors.referrals_to_follow_up(user))
    if n:
        text = ngettext(
            "%(n)s referral's follow-up date has passed",
            "%(n)s referrals' follow-up dates have passed",
            n,
        )
        found.append(WorkItem(text % {"n": n}, referrals, urgent=True, more=more))
    n, more = capped_count(selectors.referrals_on_withdrawn_consents(user))
    if n:
        text = ngettext(
            "%(n)s open referral relies on a withdrawn consent",
            "%(n)s open referrals rely on a withdrawn consent",
            n,
        )
        found.append(WorkItem(text % {"n": n}, referrals, urgent=True, more=more))
    grants = reverse("support:grants")
    n, more = (0, False)
    if user.has_perm("accounts.coordinate"):
        n, more = capped_count(selectors.awaiting_approval(user))
    if n:
        text = ngettext("%(n)s grant awaits your approval", "%(n)s grants await your approval", n)
        found.append(WorkItem(text % {"n": n}, grants, more=more))
    n, more = capped_count(selectors.reports_due(user))
    if n:
        text = ngettext("%(n)s grant report is due", "%(n)s grant reports are due", n)
        found.append(WorkItem(text % {"n": n}, grants, more=more))
    return found
