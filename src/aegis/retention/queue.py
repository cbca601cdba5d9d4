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
                ngettext(
                    "%(count)d record expires within %(days)d days: place a legal hold to keep it.",
                    "%(count)d records expire within %(days)d days: place a legal hold to keep "
                    "those that must be kept.",
                    count,
                )
                % {"count": count, "days": selectors.REMINDER_DAYS},
                reverse("retention:expiring"),
                more=more,
            )
        )
    return found
