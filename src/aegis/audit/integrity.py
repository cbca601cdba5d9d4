"""A check of the audit log's integrity asked for on the auditor's page, run with its
progress recorded: in the request for a short log, in the worker for a long one (a log of
millions of entries takes longer to walk than a page may take). `aegis audit verify` walks
the same chain on the command line."""

from __future__ import annotations

import logging
import time

from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from . import selectors
from .models import AuditCheck

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 1.0  # seconds between the progress a running check records
PROGRESS_STEP = 1000  # entries between looks at the clock


class _Progress:
    """The walk's progress callback: counts entries and records the count about once a
    second (one UPDATE), so the page can show how far the check has come."""

    def __init__(self, check_id: int) -> None:
        self.check_id = check_id
        self.checked = 0
        self._next = time.monotonic() + PROGRESS_EVERY

    def __call__(self, entries: int) -> None:
        self.checked += entries
        if self.checked % PROGRESS_STEP == 0 and time.monotonic() >= self._next:
            self._next = time.monotonic() + PROGRESS_EVERY
            AuditCheck.objects.filter(pk=self.check_id).update(
                checked=self.checked, updated_at=timezone.now()
            )


def run_check(check_id: int) -> str:
    """Walk the log for a check that is waiting; the state it ends in ("" when there was no
    such check waiting: run already, or asked for again after it stalled)."""
    started = AuditCheck.objects.filter(pk=check_id, state=AuditCheck.State.WAITING).update(
        state=AuditCheck.State.CHECKING,
        total=selectors.entries_to_check(),
        updated_at=timezone.now(),
    )
    if not started:
        return ""
    progress = _Progress(check_id)
    try:
        checked, problem = selectors.verify_chain(progress=progress)
    except Exception as error:  # the page says it did not finish; the log says what broke
        logger.error("audit check %s failed: %s", check_id, type(error).__name__)
        _finish(check_id, AuditCheck.State.FAILED, progress.checked, "")
        return AuditCheck.State.FAILED
    state = AuditCheck.State.INTACT if problem is None else AuditCheck.State.TAMPERED
    _finish(check_id, state, checked, "" if problem is None else str(problem))
    return state


def _finish(check_id: int, state: str, checked: int, problem: str) -> None:
    now = timezone.now()
    AuditCheck.objects.filter(pk=check_id).update(
        state=state,
        checked=checked,
        # The end is read again when the walk starts: a few entries more may have come.
        total=Greatest(F("total"), Value(checked)),
        problem=problem[:200],
        finished_at=now,
        updated_at=now,
    )
