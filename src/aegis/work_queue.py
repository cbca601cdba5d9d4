"""What needs attention now, for the dashboard: counts from each area the person's role may
use, each linking to the page where the work is done. Only cheap, indexed counts: this runs
on every visit to the dashboard."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aegis import clock
from aegis.advocacy import queue as advocacy_queue
from aegis.alerts import checkins
from aegis.alerts import selectors as alerts
from aegis.cases import selectors as cases
from aegis.exchange import queue as exchange_queue
from aegis.intake import selectors as intake
from aegis.monitoring import queue as monitoring_queue
from aegis.notices import WorkItem
from aegis.paging import capped_count
from aegis.reports import queue as reports_queue
from aegis.retention import queue as retention_queue
from aegis.risk import selectors as risk
from aegis.support import queue as support_queue

Item = WorkItem
# Past this many, a line says "(or more)": the exact number of a long backlog helps no one,
# and counting it on every visit costs what the backlog costs.
QUEUE_CAP = 100
CASE_ALERTS_SHOWN = 10  # the case team's alerts listed one by one


def _alerts(user: Any) -> list[Item]:
    found = alerts.attention(user)
    url = reverse("alerts:console")
    items = []
    if found.needs_human:
        items.append(
            Item(
                ngettext(
                    "%(n)d alert needs a human now",
                    "%(n)d alerts need a human now",
                    found.needs_human,
                )
                % {"n": found.needs_human},
                url,
                urgent=True,
                more=found.scanned,  # counted among the newest open alerts, as on the console
            )
        )
    if found.open:
        items.append(
            Item(
                ngettext("%(n)d open alert", "%(n)d open alerts", found.open) % {"n": found.open},
                url,
                urgent=True,
            )
        )
    if found.open_drills:
        text = ngettext(
            "%(n)d drill open (an exercise, not an emergency)",
            "%(n)d drills open (exercises, not emergencies)",
            found.open_drills,
        ) % {"n": found.open_drills}
        if h := found.drills_needing_human:  # each count with its own plural
            text += "; " + ngettext("%(h)d needs a human", "%(h)d need a human", h) % {"h": h}
        items.append(Item(text, url))
    if found.stalled:
        items.append(
            Item(
                ngettext(
                    "%(n)d alert message waits to be sent: is the worker running?",
                    "%(n)d alert messages wait to be sent: is the worker running?",
                    found.stalled,
                )
                % {"n": found.stalled},
                url,
                urgent=True,
            )
        )
    if found.missed_checkins:
        items.append(
            Item(
                ngettext("%(n)d missed check-in", "%(n)d missed check-ins", found.missed_checkins)
                % {"n": found.missed_checkins},
                url,
                urgent=True,
            )
        )
    return items


def _case_alerts(user: Any) -> list[Item]:
    """The case team has no console: each open alert of its compartments, linked, the
    newest CASE_ALERTS_SHOWN of them after a burst, and a line that counts them all."""
    newest = alerts.unresolved(user)[:CASE_ALERTS_SHOWN]
    items = [
        Item(
            (
                _("Drill #%(id)s (%(kind)s): %(status)s")
                if alert.is_drill
                else _("Alert #%(id)s (%(kind)s): %(status)s")
            )
            % {
                "id": alert.pk,
                "kind": alert.get_kind_display(),
                "status": alert.get_status_display(),
            },
            reverse("alerts:detail", kwargs={"alert_id": alert.pk}),
            urgent=not alert.is_drill,
        )
        for alert in newest
    ]
    if len(items) == CASE_ALERTS_SHOWN:
        n, more = capped_count(alerts.unresolved(user), QUEUE_CAP)
        if n > CASE_ALERTS_SHOWN:
            text = ngettext(
                "%(n)d open alert in all; the newest are listed above",
                "%(n)d open alerts in all; the newest are listed above",
                n,
            )
            items.append(Item(text % {"n": n}, "", urgent=True, more=more))
    return items


def _case_work(user: Any) -> list[Item]:
    # Counts of rows that grow with the network stop at QUEUE_CAP ("100 (or more)").
    n_reports, more_reports = capped_count(intake.untriaged(user), QUEUE_CAP)
    n_overdue, more_overdue = capped_count(cases.overdue_tasks(user), QUEUE_CAP)
    n_today, more_today = capped_count(cases.tasks_due_today(user), QUEUE_CAP)
    n_reviews, more_reviews = capped_count(risk.reviews_due(user, clock.today()), QUEUE_CAP)
    # The kept findings (risk.findings_snapshots): the query runs only after a change.
    n_findings = len(risk.findings_for(user))
    more = [more_reports, more_overdue, more_today, more_reviews, False]
    counts = [
        (
            n_reports,
            ngettext("%(n)d report to triage", "%(n)d reports to triage", n_reports),
            reverse("intake:triage"),
        ),
        (
            n_overdue,
            ngettext("%(n)d overdue task", "%(n)d overdue tasks", n_overdue),
            reverse("cases:tasks") + "?due=overdue",
        ),
        (
            n_today,
            ngettext("%(n)d task due today", "%(n)d tasks due today", n_today),
            reverse("cases:tasks") + "?due=today",
        ),
        (
            n_reviews,
            ngettext("%(n)d risk review due", "%(n)d risk reviews due", n_reviews),
            reverse("risk:dashboard"),
        ),
        (
            n_findings,
            ngettext(
                "%(n)d pattern of attacks found", "%(n)d patterns of attacks found", n_findings
            ),
            reverse("risk:dashboard"),
        ),
    ]
    items = [
        Item(text % {"n": n}, url, more=capped)
        for (n, text, url), capped in zip(counts, more, strict=True)
        if n
    ]
    # A reporter who writes again after their report was taken up may be in danger now.
    n_waiting, more_waiting = capped_count(intake.awaiting_answer(user), QUEUE_CAP)
    if n_waiting:
        text = ngettext(
            "%(n)d reporter wrote again and waits for an answer",
            "%(n)d reporters wrote again and wait for an answer",
            n_waiting,
        )
        url = reverse("intake:triage") + "?awaiting=1"
        items.insert(0, Item(text % {"n": n_waiting}, url, urgent=True, more=more_waiting))
    return items


def _own_checkin(user: Any) -> list[Item]:
    person = alerts.own_person(user)
    if person is None:
        return []
    status = checkins.status(person)
    if status.due is None:
        return []
    url = reverse("alerts:checkin")
    if status.overdue:
        return [Item(_("Your check-in is overdue: check in now"), url, urgent=True)]
    when = formats.date_format(timezone.localtime(status.due), "SHORT_DATETIME_FORMAT")
    when = f"{when} {timezone.get_current_timezone_name()}"  # the zone, for one who travels
    return [Item(_("Your next check-in: %(when)s") % {"when": when}, url)]


def items_for(user: Any) -> list[Item]:
    items: list[Item] = []
    if user.has_perm("accounts.respond_to_alerts"):
        items += _alerts(user)
    if user.has_perm("accounts.view_cases"):
        if not user.has_perm("accounts.respond_to_alerts"):
            items += _case_alerts(user)
        items += _case_work(user)
    if user.has_perm("accounts.view_own_case"):
        items += _own_checkin(user)
    # The newer areas answer for themselves, each checking the user's permissions.
    for area in (
        support_queue,
        advocacy_queue,
        reports_queue,
        exchange_queue,
        monitoring_queue,
        retention_queue,
    ):
        items += area.items(user)
    return items
