"""A check of the audit log's integrity asked for on the auditor's page, run with its
progress recorded: in the request for a short log, in the worker for a long one (a log of
millions of entries takes longer to walk than a page may take). The worker walks SLICE
entries per task and queues the next slice, from the position recorded, so that the tasks
queued behind it (an alert that could not be raised where it was triggered) wait seconds,
not minutes. `aegis audit verify` walks the same chain on the command line, in one go. Once
the log verifies, the chains kept beside it (companions.py) are checked too, in the last
slice."""

from __future__ import annotations

import itertools
import logging
import time

from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from . import companions, selectors
from .chain import head_problem
from .models import CHAIN, UNFINISHED, AuditCheck

logger = logging.getLogger(__name__)

SLICE = 200_000  # entries one task of the worker walks (about 2 s here)
PROGRESS_EVERY = 1.0  # seconds between the progress a running check records
PROGRESS_STEP = 1000  # entries between looks at the clock


class _Progress:
    """The walk's progress callback: counts entries and records the count about once a
    second (one UPDATE), so the page can show how far the check has come."""

    def __init__(self, check_id: int, already: int) -> None:
        self.check_id = check_id
        self.checked = already
        self._next = time.monotonic() + PROGRESS_EVERY

    def __call__(self, entries: int) -> None:
        self.checked += entries
        if self.checked % PROGRESS_STEP == 0 and time.monotonic() >= self._next:
            self._next = time.monotonic() + PROGRESS_EVERY
            AuditCheck.objects.filter(pk=self.check_id, state=AuditCheck.State.CHECKING).update(
                checked=self.checked, updated_at=timezone.now()
            )


def run_check(check_id: int) -> str:
    """The whole check, in one go (the page's path for a short log): the state it ends in."""
    while (state := run_slice(check_id, None)) == AuditCheck.State.CHECKING:
        pass
    return state


def run_slice(check_id: int, limit: int | None) -> str:
    """Walk up to `limit` entries of a check (all when None) from where it stands: CHECKING
    while more remain, else the state it ended in; "" for a check that is not under way
    (finished, or given up after it stalled)."""
    check = AuditCheck.objects.filter(pk=check_id, state__in=UNFINISHED).first()
    if check is None:
        return ""
    try:
        if check.state == AuditCheck.State.WAITING:
            return _begin(check)
        return _walk(check, limit)
    except Exception as error:  # the page says it did not finish; the log says what broke
        logger.error("audit check %s failed: %s", check_id, type(error).__name__)
        _finish(check.pk, AuditCheck.State.FAILED, "")
        return AuditCheck.State.FAILED


def _begin(check: AuditCheck) -> str:
    """Record where the walk starts and ends: the chain's start now and its recorded end."""
    try:
        begin = selectors.start()
    except selectors.AnchorInvalid as invalid:
        _finish(check.pk, AuditCheck.State.TAMPERED, str(invalid.problem))
        return AuditCheck.State.TAMPERED
    end = selectors.head()
    started = AuditCheck.objects.filter(pk=check.pk, state__in=UNFINISHED).update(
        state=AuditCheck.State.CHECKING,
        begin_seq=begin[0],
        position=begin[0],
        position_mac=begin[1],
        end_seq=None if end is None else end[0],
        end_mac="" if end is None else end[1],
        total=0 if end is None else max(end[0] - begin[0], 0),
        checked=0,
        updated_at=timezone.now(),
    )
    return AuditCheck.State.CHECKING if started else ""


def _walk(check: AuditCheck, limit: int | None) -> str:
    progress = _Progress(check.pk, check.checked)
    links = selectors.links(after=check.position, upto=check.end_seq)
    walk = CHAIN.walk(
        links if limit is None else itertools.islice(links, limit),
        start=(check.position, check.position_mac),
        progress=progress,
    )
    checked = check.checked + walk.checked
    more = check.end_seq is None or walk.last_seq < check.end_seq
    if walk.problem is None and limit is not None and walk.checked == limit and more:
        AuditCheck.objects.filter(pk=check.pk, state=AuditCheck.State.CHECKING).update(
            position=walk.last_seq,
            position_mac=walk.last_mac,
            checked=checked,
            updated_at=timezone.now(),
        )
        return AuditCheck.State.CHECKING
    end = None if check.end_seq is None else (check.end_seq, check.end_mac)
    problem = head_problem(walk, end)
    if problem is not None and selectors.pruned_since(check.begin_seq):
        # Retention removed entries under a signed anchor while the check ran: what looked
        # missing was pruned. Walked again from the new anchor.
        AuditCheck.objects.filter(pk=check.pk, state=AuditCheck.State.CHECKING).update(
            state=AuditCheck.State.WAITING, updated_at=timezone.now()
        )
        return AuditCheck.State.CHECKING
    found = str(problem or selectors.unwalked_problem() or "")
    # The chains kept beside the log (the chain of custody), once it verifies.
    found = found or companions.first_problem() or ""
    state = AuditCheck.State.TAMPERED if found else AuditCheck.State.INTACT
    _finish(check.pk, state, found, checked)
    return state


def _finish(check_id: int, state: str, problem: str, checked: int | None = None) -> None:
    now = timezone.now()
    fields: dict[str, object] = {"state": state, "problem": problem[:200]}
    if checked is not None:
        # A log with no recorded end has no total set at the start: it is what was walked.
        fields.update(checked=checked, total=Greatest(F("total"), Value(checked)))
    AuditCheck.objects.filter(pk=check_id, state__in=UNFINISHED).update(
        finished_at=now, updated_at=now, **fields
    )
