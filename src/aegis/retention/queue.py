"""The retention area's lines on the work queue (aegis.work_queue): for the admin, a
scheduled backup that failed or was missed; for coordinators, records about to expire."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aegis.notices import WorkItem

from . import schedule, selectors


def items(user: Any) -> list[WorkItem]:
    found: list[WorkItem] = []
    if user.has_perm("accounts.manage_settings") and (problem := schedule.problem()):
        found.append(
            WorkItem(
                _("Backups: %(problem)s") % {"problem": problem.text},
                reverse("retention:settings"),
                urgent=True,
            )
        )
    if not user.has_perm("accounts.coordinate"):
        return found
    count, more = selectors.expiring_count(user)
    if count:
        found.append(
            WorkItem(
                # Not "place a legal hold": a hold is for cases, and most of what expires may
                # be reports never taken up (kept by taking them up); the list says which.
                ngettext(
                    "%(count)d record expires within %(days)d days: see what it is and "
                    "whether it must be kept.",
                    "%(count)d records expire within %(days)d days: see which, and keep those "
                    "that must be kept.",
                    count,
                )
                % {"count": count, "days": selectors.REMINDER_DAYS},
                reverse("retention:expiring"),
                more=more,
            )
        )
    return found
