"""The advocacy area's lines on the work queue (aegis.work_queue): replies whose deadline
passed or comes within a week, and communications waiting for this person's review. Counts
that stop at paging.COUNT_CAP."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import ngettext

from aegis.notices import WorkItem
from aegis.paging import capped_count

from . import selectors
from .vocabulary import Status


def items(user: Any) -> list[WorkItem]:
    if not user.has_perm("accounts.view_cases"):
        return []
    found = []
    overdue, more = capped_count(selectors.overdue(user))
    if overdue:
        found.append(
            WorkItem(
                ngettext(
                    "%(n)d communication: the State's reply is overdue",
                    "%(n)d communications: the State's reply is overdue",
                    overdue,
                )
                % {"n": overdue},
                f"{reverse('advocacy:list')}?overdue=1",
                urgent=True,
                more=more,
            )
        )
    soon, more = capped_count(selectors.due_soon(user))
    if soon:
        found.append(
            WorkItem(
                ngettext(
                    "%(n)d communication: the State's reply is due within a week",
                    "%(n)d communications: the State's reply is due within a week",
                    soon,
                )
                % {"n": soon},
                f"{reverse('advocacy:list')}?due_soon=1",
                more=more,
            )
        )
    review, more = capped_count(selectors.awaiting_review(user))
    if review:
        found.append(
            WorkItem(
                ngettext(
                    "%(n)d communication to review before it is sent",
                    "%(n)d communications to review before they are sent",
                    review,
                )
                % {"n": review},
                f"{reverse('advocacy:list')}?status={Status.REVIEW}",
                more=more,
            )
        )
    return found
