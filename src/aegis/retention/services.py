"""Retention periods, legal holds, and expiry by crypto-shredding. Expiry reaches the
records through their own apps' services (intake.services.shred_report,
cases.services.shred_case, evidence.services.shred_evidence, alerts.services.shred_alert):
each destroys its record's keys, then removes the rows. The audit log's oldest entries go
through audit.services.prune, ended sessions through accounts.services, and the worker's
finished task rows (their arguments name people, alerts and articles) after a few days."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from aegis import clock
from aegis.accounts import services as accounts
from aegis.alerts import services as alerts
from aegis.audit import selectors as audit_selectors
from aegis.audit import services as audit
from aegis.cases import services as cases
from aegis.cases.models import Case
from aegis.evidence import services as evidence
from aegis.intake import services as intake
from aegis.rules import Conflict, RuleError

from . import selectors
from .models import ExpiryRun, LegalHold, RecordClass, RetentionPeriod

logger = logging.getLogger(__name__)

# No period may be longer than a century (keep forever instead) nor shorter than a day, or
# than the audit log's floor for its entries.
MAX_DAYS = 36_500
MIN_DAYS: dict[str, int] = {RecordClass.AUDIT: audit.MIN_KEEP_DAYS}
# Classes that may not be kept forever: an ended session is of use to nobody.
NOT_FOREVER: tuple[str, ...] = (RecordClass.SESSIONS,)
REASON_MAX = 2000
RUN_EVERY = datetime.timedelta(days=1)
# A finished task's row is of use only to whoever looks into a failure: a failed one is kept
# a week, a successful one a day (its arguments name a person, an alert or an article).
FINISHED_TASKS_KEPT = datetime.timedelta(days=1)
FAILED_TASKS_KEPT = datetime.timedelta(days=7)


def set_periods(values: Mapping[str, int | None], *, actor_id: int | None) -> None:
    """Save the periods (days, or None: keep forever), all or none; one audit entry per
    class that changed."""
    checked: dict[str, int | None] = {}
    for record_class, days in values.items():
        if record_class not in RecordClass.values:
            raise RuleError(_("No such class of records."), record_class)
        least = MIN_DAYS.get(record_class, 1)
        if days is None and record_class in NOT_FOREVER:
            raise RuleError(_("Give a number of days: these are not kept forever."), record_class)
        if days is not None and (not isinstance(days, int) or not least <= days <= MAX_DAYS):
            raise RuleError(
                _("Give a number of days from %(least)s to %(most)s, or keep forever.")
                % {"least": least, "most": MAX_DAYS},
                record_class,
            )
        checked[record_class] = days
    current = selectors.periods()
    _evidence_outlasts_cases({**current, **checked})
    now = clock.now()
    with transaction.atomic():
        for record_class, days in checked.items():
            if current[record_class] == days:
                continue
            RetentionPeriod.objects.update_or_create(
                record_class=record_class,
                defaults={"days": days, "updated_by_id": actor_id, "updated_at": now},
            )
            audit.record(
                "retention.period",
                actor_id=actor_id,
                object_type="retention",
                object_id=record_class,
            )


def _evidence_outlasts_cases(days: Mapping[str, int | None]) -> None:
    """A case and its evidence share one key, so they expire together (docs/decisions.md):
    evidence is kept at least as long as the closed case it belongs to."""
    evidence_days, case_days = days[RecordClass.EVIDENCE], days[RecordClass.CLOSED_CASES]
    if evidence_days is not None and (case_days is None or evidence_days < case_days):
        raise RuleError(
            _(
                "Keep evidence at least as long as closed cases: a case and its evidence "
                "expire together, when the evidence's period ends."
            ),
            RecordClass.EVIDENCE,
        )


def _reason(text: Any, field_name: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise RuleError(_("Say why."), field_name)
    if len(text) > REASON_MAX:
        raise RuleError(
            _("At most %(most)s characters.") % {"most": REASON_MAX},
            field_name,
        )
    cases.check_characters(text, field_name)
    return text.strip()


def place_hold(case: Case, reason: str, *, actor_id: int | None) -> LegalHold:
    """Suspend the case's expiry until the hold is lifted. The caller's key context must
    open the case (the reason is encrypted under its key)."""
    reason = _reason(reason, "reason")
    if selectors.standing_hold(case) is not None:
        raise Conflict(_("This case is already under a legal hold."), "reason")
    try:
        with transaction.atomic():
            hold = LegalHold.objects.create(
                case=case,
                data_key_id=case.data_key_id,
                reason=reason,
                placed_by_id=actor_id,
                placed_at=clock.now(),
            )
            audit.record(
                "legal_hold.place", actor_id=actor_id, object_type="case", object_id=case.pk
            )
    except IntegrityError as error:  # placed by someone else a moment ago
        raise Conflict(_("This case is already under a legal hold."), "reason") from error
    return hold


def lift_hold(hold: LegalHold, reason: str, *, actor_id: int | None) -> LegalHold:
    reason = _reason(reason, "lift_reason")
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.lifted_at is not None:
            raise Conflict(_("This hold was lifted already."), "lift_reason")
        hold.lift_reason = reason
        hold.lifted_at = clock.now()
        hold.lifted_by_id = actor_id
        hold.save(update_fields=["lift_reason", "lifted_at", "lifted_by"])
        audit.record(
            "legal_hold.lift", actor_id=actor_id, object_type="case", object_id=hold.case_id
        )
    return hold


# --- Expiry -------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a run expired or would expire, and what it kept and why (no content: record
    class, id or reference, and the date it expired)."""

    expired: list[selectors.Due] = field(default_factory=list)
    held: list[selectors.Due] = field(default_factory=list)
    needed: list[tuple[selectors.Due, str]] = field(default_factory=list)
    audit_entries: int = 0  # removed (or, in a dry run, removable) from the audit log
    sessions: int = 0  # ended sessions removed (or removable)
    finished_tasks: int = 0  # the worker's finished task rows removed (or removable)


# Per class: the services module of the record's own app, its function that shreds one, and
# the audit log's object type.
SHREDDERS: dict[str, tuple[Any, str, str]] = {
    RecordClass.REPORTS: (intake, "shred_report", "submission"),
    RecordClass.CLOSED_CASES: (cases, "shred_case", "case"),
    RecordClass.ALERTS: (alerts, "shred_alert", "alert"),
    # A case with evidence: the evidence first (its own app), then the case and the key they
    # share, in one transaction.
    RecordClass.EVIDENCE: (cases, "shred_case", "case"),
}
BEFORE: dict[str, tuple[Any, str]] = {RecordClass.EVIDENCE: (evidence, "shred_evidence")}


def _expire_one(due: selectors.Due, *, actor_id: int | None) -> None:
    if due.record_class in BEFORE:
        first, first_name = BEFORE[due.record_class]
        getattr(first, first_name)(due.record, actor_id=actor_id)
    module, name, object_type = SHREDDERS[due.record_class]
    getattr(module, name)(due.record, actor_id=actor_id)
    audit.record(
        "retention.expire", actor_id=actor_id, object_type=object_type, object_id=due.record_id
    )


class _DryRun(Exception):
    """Rolls a dry run's expiry back."""


def expire(*, dry_run: bool = False, actor_id: int | None = None) -> Outcome:
    """Expire every record past its period, oldest first, each in its own transaction (one
    that cannot go yet stays and the others go on). A case under a legal hold is kept, and
    so is a case that other records still need (evidence, an assessment)."""
    outcome = Outcome()
    for due in selectors.expired(clock.now()):
        if due.held:
            outcome.held.append(due)
            continue
        try:
            with transaction.atomic():
                if due.is_case and selectors.is_held(due.record):
                    outcome.held.append(due)  # placed since the list was read
                    continue
                _expire_one(due, actor_id=actor_id)
                if dry_run:
                    # Undone: a dry run says what would go and what other records keep,
                    # from the same checks (files are removed only once a shred commits).
                    raise _DryRun
        except cases.StillNeeded as needed:
            outcome.needed.append((due, ", ".join(needed.models)))
            continue
        except _DryRun:
            pass
        outcome.expired.append(due)
    outcome.audit_entries = _prune_audit(dry_run=dry_run, actor_id=actor_id)
    outcome.sessions = _remove_sessions(dry_run=dry_run, actor_id=actor_id)
    outcome.finished_tasks = _remove_finished_tasks(dry_run=dry_run)
    if not dry_run:
        ExpiryRun.objects.create(
            ran_at=clock.now(),
            expired=len(outcome.expired),
            kept=len(outcome.held) + len(outcome.needed),
        )
    return outcome


def _prune_audit(*, dry_run: bool, actor_id: int | None) -> int:
    """The audit log's entries past their period, up to the latest signed checkpoint, short
    of the first one naming a case under a legal hold and of the first that records an
    item's last custody event."""
    days = selectors.periods()[RecordClass.AUDIT]
    if days is None:
        return 0
    before = clock.now() - datetime.timedelta(days=days)
    keep = [("case", str(case_id)) for case_id in selectors.held_case_ids()]
    # The audit entry of each kept item's last custody event holds the end of its chain of
    # custody (evidence/custody.py): it stays as long as the item.
    keep_from = selectors.first_audit_entry_custody_needs()
    try:
        if dry_run:
            return selectors.audit_entries_before(before, keep, keep_from)
        return audit.prune(before, keep=keep, keep_from=keep_from, actor_id=actor_id)
    except (audit.PruneRefused, audit_selectors.AnchorInvalid):
        # Kept as they are, for the auditor: 'aegis audit verify' names the problem.
        logger.error("retention: the audit log does not verify; no entry was removed")
        return 0


def _remove_sessions(*, dry_run: bool, actor_id: int | None) -> int:
    days = selectors.periods()[RecordClass.SESSIONS] or 1
    ended_before = clock.now() - datetime.timedelta(days=days)
    if dry_run:
        return selectors.sessions_ended_before(ended_before)
    with transaction.atomic():
        removed = accounts.remove_ended_sessions(ended_before)
        if removed:
            audit.record(
                "retention.expire", actor_id=actor_id, object_type="sessions", object_id=removed
            )
    return removed


def _remove_finished_tasks(*, dry_run: bool) -> int:
    now = clock.now()
    finished = DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - FINISHED_TASKS_KEPT)
        | Q(status=TaskResultStatus.FAILED, finished_at__lt=now - FAILED_TASKS_KEPT)
        # A worker killed mid-task leaves its row "running" for good (nothing retries it);
        # no task of Aegis runs for a week.
        | Q(status=TaskResultStatus.RUNNING, started_at__lt=now - FAILED_TASKS_KEPT)
    )
    if dry_run:
        return finished.count()
    removed, _by_model = finished.delete()
    return removed


def expire_if_due() -> int:
    """The worker's daily round: how many records it expired."""
    last = ExpiryRun.objects.first()
    if last is not None and clock.now() - last.ran_at < RUN_EVERY:
        return 0
    return len(expire().expired)
