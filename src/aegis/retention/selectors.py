"""Reads for retention: the periods in force, what has expired or will soon, the holds,
and the scheduled backups' log. Nothing here opens a record's content but the holds' own
reasons (for a page, via open_records)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case as Choose
from django.db.models import IntegerField, QuerySet, Value, When

from aegis import clock
from aegis.accounts import selectors as account_selectors
from aegis.alerts import selectors as alert_selectors
from aegis.audit import selectors as audit_selectors
from aegis.cases import selectors as case_selectors
from aegis.cases.models import Case
from aegis.evidence import selectors as evidence_selectors
from aegis.intake import selectors as intake_selectors
from aegis.paging import COUNT_CAP, capped_count
from aegis.vault.selectors import open_records

from .models import BackupRun, ExpiryRun, LegalHold, RecordClass, RetentionPeriod

# What an organisation keeps unless its admin decides otherwise: a report nobody took up
# for a year, a closed case for five years (a common limitation period for claims), the
# evidence of a closed case for ten (proceedings and appeals outlast the case work; see
# docs/decisions.md), a resolved alert with its deliveries for two, the audit log for ever
# (it may be shortened, never below AUDIT_MIN_DAYS), an ended session's record for a day.
DEFAULT_DAYS: dict[str, int | None] = {
    RecordClass.REPORTS: 365,
    RecordClass.CLOSED_CASES: 5 * 365,
    RecordClass.EVIDENCE: 10 * 365,
    RecordClass.ALERTS: 2 * 365,
    RecordClass.AUDIT: None,
    RecordClass.SESSIONS: 1,
}
# The classes with reminders on the work queue: a person may want to keep such a record
# (a legal hold). The audit log and sessions expire without one.
REMINDED = (RecordClass.REPORTS, RecordClass.CLOSED_CASES, RecordClass.EVIDENCE)
# Coordinators are reminded this long before a record expires.
REMINDER_DAYS = 30
PAGE_SIZE = 25


def periods() -> dict[str, int | None]:
    found = dict(RetentionPeriod.objects.values_list("record_class", "days"))
    return {c: found.get(c, DEFAULT_DAYS[c]) for c in RecordClass.values}


def standing_hold(case: Case) -> LegalHold | None:
    return LegalHold.objects.filter(case=case, lifted_at=None).first()


def is_held(case: Case) -> bool:
    return LegalHold.objects.filter(case=case, lifted_at=None).exists()


def held_case_ids() -> set[int]:
    return set(LegalHold.objects.filter(lifted_at=None).values_list("case_id", flat=True))


# The classes whose record is a case (evidence expires with the case it belongs to).
CASE_CLASSES = (RecordClass.CLOSED_CASES, RecordClass.EVIDENCE)


@dataclass(frozen=True)
class Due:
    """One record at or near the end of its period; its id and label are kept apart from
    the record, which expiry deletes."""

    record_class: str
    record: Any
    expires_at: datetime.datetime
    held: bool = False
    record_id: Any = field(init=False)
    label: str = field(init=False)

    def __post_init__(self) -> None:
        # What a person or the command line may be shown: a case's reference, or the first
        # characters of a report's id (no content).
        object.__setattr__(self, "record_id", self.record.pk)
        is_case = self.record_class in CASE_CLASSES
        label = str(self.record.reference) if is_case else str(self.record.pk)[:8]
        object.__setattr__(self, "label", label)

    @property
    def is_case(self) -> bool:
        return self.record_class in CASE_CLASSES

    @property
    def class_label(self) -> str:
        return str(RecordClass(self.record_class).label)


def _within(
    until: datetime.datetime,
    cases: QuerySet[Case] | None = None,
    *,
    alerts: bool = True,
    reports: bool = True,
) -> Iterator[Due]:
    """Records whose period ends before `until`: reports, closed cases without evidence,
    closed cases with evidence (on the evidence's period), then alerts, each oldest first
    (reports and alerts only where asked). An alert about a person with a case under a legal
    hold is held too."""
    days = periods()
    report_days, alert_days = days[RecordClass.REPORTS], days[RecordClass.ALERTS]
    held = held_case_ids()
    if reports and report_days is not None:
        period = datetime.timedelta(days=report_days)
        for report in intake_selectors.reports_not_taken_up(until - period):
            yield Due(RecordClass.REPORTS, report, report.received_at + period)
    for record_class, period, found in _closed_cases(until, cases, days=days):
        for case in found:
            closed_at = case.closed_at or until  # closed cases always have one
            yield Due(record_class, case, closed_at + period, case.pk in held)
    if alerts and alert_days is not None:
        period = datetime.timedelta(days=alert_days)
        held_people = case_selectors.people_of_cases(held)
        for alert in alert_selectors.resolved_alerts(until - period):
            resolved_at = alert.resolved_at or until  # resolved alerts always have one
            yield Due(
                RecordClass.ALERTS, alert, resolved_at + period, alert.person_id in held_people
            )


def _closed_cases(
    until: datetime.datetime,
    cases: QuerySet[Case] | None = None,
    *,
    days: dict[str, int | None] | None = None,
) -> list[tuple[str, datetime.timedelta, QuerySet[Case]]]:
    """Per case class: its period and the closed cases (among `cases`, if given) whose
    period ends before `until`. A case holding evidence goes on the evidence's period.
    `days`: the periods, when the caller has read them already."""
    days = periods() if days is None else days
    with_evidence = evidence_selectors.cases_with_evidence()
    found: list[tuple[str, datetime.timedelta, QuerySet[Case]]] = []
    for record_class in CASE_CLASSES:
        if (kept_days := days[record_class]) is None:
            continue
        period = datetime.timedelta(days=kept_days)
        closed = case_selectors.closed_cases(until - period)
        if record_class == RecordClass.EVIDENCE:
            closed = closed.filter(pk__in=with_evidence)
        else:
            closed = closed.exclude(pk__in=with_evidence)
        if cases is not None:
            closed = closed.filter(pk__in=cases.values("pk"))
        found.append((record_class, period, closed))
    return found


def expired(now: datetime.datetime) -> list[Due]:
    return list(_within(now))


def reminder_window() -> datetime.timedelta:
    return datetime.timedelta(days=REMINDER_DAYS)


def expiring_for(user: Any) -> list[Due]:
    """What expires within the reminder window (or has expired and waits for the next run)
    among the records this coordinator may see: reports only for the intake team."""
    until = clock.now() + reminder_window()
    mine = case_selectors.visible_cases(user)
    # Asked once, and reports not read at all for someone who may not see them (it was
    # asked again for each report).
    reads_reports = intake_selectors.on_intake_team(user)
    return list(_within(until, mine, alerts=False, reports=reads_reports))


def expiring_count(user: Any) -> tuple[int, bool]:
    """(count, more) of what expiring_for lists, counted in SQL and stopping at
    paging.COUNT_CAP, so the work queue does not read every closed case."""
    until = clock.now() + reminder_window()
    days = periods()
    querysets: list[QuerySet[Any]] = [
        q for _c, _p, q in _closed_cases(until, case_selectors.visible_cases(user), days=days)
    ]
    report_days = days[RecordClass.REPORTS]
    if report_days is not None and intake_selectors.on_intake_team(user):
        period = datetime.timedelta(days=report_days)
        querysets.append(intake_selectors.reports_not_taken_up(until - period))
    total, more = 0, False
    for queryset in querysets:
        n, over = capped_count(queryset)
        total, more = total + n, more or over
    return min(total, COUNT_CAP), more or total > COUNT_CAP


def expiring_page(user: Any, number: Any = None) -> Page:
    return Paginator(expiring_for(user), PAGE_SIZE).get_page(number)


def holds_page(user: Any, number: Any = None) -> Page:
    """The holds on cases this person may see, standing ones first; their reasons opened."""
    rows = (
        LegalHold.objects.filter(case__in=case_selectors.visible_cases(user))
        .select_related("case", "placed_by", "lifted_by")
        .order_by(_standing_first(), "-placed_at", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(number)
    open_records(list(page.object_list))
    return page


def _standing_first() -> Any:
    return Choose(
        When(lifted_at=None, then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def hold_for(user: Any, hold_id: int) -> LegalHold | None:
    hold = (
        LegalHold.objects.filter(pk=hold_id, case__in=case_selectors.visible_cases(user))
        .select_related("case")
        .first()
    )
    if hold is not None:
        open_records([hold])
    return hold


def backup_runs(limit: int = 10) -> list[BackupRun]:
    return list(BackupRun.objects.all()[:limit])


def last_expiry_run() -> ExpiryRun | None:
    return ExpiryRun.objects.first()


def audit_entries_before(
    before: datetime.datetime, keep: Any = (), keep_from: int | None = None
) -> int:
    """How many audit entries a run would remove now (a dry run)."""
    return audit_selectors.prunable(before, keep, keep_from)


def first_audit_entry_custody_needs() -> int | None:
    return evidence_selectors.first_audit_entry_custody_needs()


def sessions_ended_before(ended_before: datetime.datetime) -> int:
    return account_selectors.sessions_ended_before(ended_before)
