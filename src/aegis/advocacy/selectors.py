"""Reads for communications, scoped to the reader's compartments (anyone else's answer as
missing), and the counts analysts and the reports see: numbers only, never a name."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from aegis import clock
from aegis.cases import selectors as cases
from aegis.cases.models import Case
from aegis.incidents import selectors as incidents
from aegis.incidents.models import Incident
from aegis.paging import Order, SeekPage, seek_page
from aegis.vault.selectors import open_records, opened

from .models import Communication, CommunicationOutcome, Mandate, Mechanism
from .vocabulary import AWAITING_REPLY, Outcome, Status

PAGE_SIZE = 25
# A reply due within a week is on the work queue before it is overdue.
DUE_SOON_DAYS = 7
ORDER = Order("updated_at", descending=True)


def visible_communications(user: Any) -> QuerySet[Communication]:
    return cases.visible(Communication, user)


def communications_page(
    user: Any,
    number: Any = None,
    *,
    status: str = "",
    late: bool = False,
    soon: bool = False,
    after: str = "",
    before: str = "",
) -> SeekPage:
    """A page of the reader's communications; `late`: only those whose reply is overdue;
    `soon`: only those whose reply is due within DUE_SOON_DAYS."""
    found = overdue(user) if late else due_soon(user) if soon else visible_communications(user)
    found = found.select_related("case", "mechanism", "case__person")
    if status:
        found = found.filter(status=status)
    params = {"page": number, "after": after, "before": before}
    page = seek_page(found, ORDER, params, size=PAGE_SIZE)
    open_records(page.object_list)  # the mechanism's references shown: one query, one audit
    return page


def communication_for(user: Any, pk: int) -> Communication | None:
    """The communication, its case and person, keys opened: its page shows them."""
    found = (
        visible_communications(user)
        .select_related("case", "case__person", "mechanism", "created_by", "reviewed_by")
        .filter(pk=pk)
        .first()
    )
    if found is not None:
        open_records([found, found.case, found.case.person])
    return found


@dataclass(frozen=True)
class Tracking:
    events: list[Any]
    resolutions: list[Any]
    outcomes: list[Any]


def tracking_of(communication: Communication) -> Tracking:
    return Tracking(
        events=list(communication.events.select_related("actor")),
        resolutions=opened(communication.resolutions.all()),
        outcomes=opened(communication.outcomes.all()),
    )


def communications_of_case(user: Any, case: Case) -> list[Communication]:
    """For the case page's panel: coded fields only, nothing to open."""
    return list(visible_communications(user).filter(case=case).select_related("mechanism")[:50])


def case_for(user: Any, reference: str) -> Case | None:
    return cases.case_for(user, reference)


def incidents_of(user: Any, case: Case) -> list[Incident]:
    return opened(incidents.incidents_of_case(user, case))


def mechanisms(*, active_only: bool = True) -> QuerySet[Mechanism]:
    found = Mechanism.objects.prefetch_related("mandates")
    return found.filter(active=True) if active_only else found


def mechanism_by_id(pk: int) -> Mechanism | None:
    return Mechanism.objects.filter(pk=pk).first()


def mandates_of(mechanism: Mechanism, ids: Any) -> list[Mandate]:
    return list(mechanism.mandates.filter(pk__in=list(ids or [])))


def is_overdue(communication: Communication, today: datetime.date | None = None) -> bool:
    due = communication.reply_due_on
    return (
        communication.status in AWAITING_REPLY
        and due is not None
        and (today or clock.today()) > due
    )


def overdue(user: Any) -> QuerySet[Communication]:
    """Sent, the State's reply not recorded, and its deadline passed (the day after it)."""
    return visible_communications(user).filter(
        status__in=AWAITING_REPLY, reply_due_on__lt=clock.today()
    )


def due_soon(user: Any) -> QuerySet[Communication]:
    """Sent, the State's reply not recorded, and its deadline today or within DUE_SOON_DAYS:
    time to chase the State or prepare the follow-up before it is overdue."""
    today = clock.today()
    return visible_communications(user).filter(
        status__in=AWAITING_REPLY,
        reply_due_on__gte=today,
        reply_due_on__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
    )


def awaiting_review(user: Any) -> QuerySet[Communication]:
    """In review, not yet approved, written by someone else: this reader may review it."""
    return (
        visible_communications(user)
        .filter(status=Status.REVIEW, reviewed_by__isnull=True)
        .exclude(created_by=user)
    )


# --- Counts (analysts, and the public reports later) ---------------------------------------


@dataclass
class MechanismCounts:
    code: str
    name: str
    communications: int = 0
    sent: int = 0
    answered: int = 0
    overdue: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def outcome_labels(self) -> list[tuple[str, int]]:
        return [(str(Outcome(k).label), n) for k, n in sorted(self.outcomes.items())]


def outcome_counts(
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    case: Case | None = None,
) -> list[MechanismCounts]:
    """Per mechanism: communications written, sent, answered, overdue, and the outcomes
    recorded after them, counted. No names, no case references, no text: safe for analysts.
    `since`/`until` bound the sent date (written: the creation date); `case` narrows to one
    case, for its page."""
    found = Communication.objects.all()
    if case is not None:
        found = found.filter(case=case)
    if since is not None:
        found = found.filter(created_at__date__gte=since)
    if until is not None:
        found = found.filter(created_at__date__lte=until)
    rows = {m.pk: MechanismCounts(m.code, m.name) for m in Mechanism.objects.order_by("pk")}
    today = clock.today()
    tallies = found.values("mechanism_id", "status").annotate(n=Count("pk"))
    for tally in tallies:
        row = rows[tally["mechanism_id"]]
        row.communications += tally["n"]
        if tally["status"] not in (Status.DRAFT, Status.REVIEW):
            row.sent += tally["n"]
        if tally["status"] == Status.REPLIED:
            row.answered += tally["n"]
    late = found.filter(status__in=AWAITING_REPLY, reply_due_on__lt=today)
    for late_tally in late.values("mechanism_id").annotate(n=Count("pk")):
        rows[late_tally["mechanism_id"]].overdue += late_tally["n"]
    # A reply counts once it is received, whatever happened after (published, follow-up).
    answered = found.filter(replied_on__isnull=False).exclude(status=Status.REPLIED)
    for answered_tally in answered.values("mechanism_id").annotate(n=Count("pk")):
        rows[answered_tally["mechanism_id"]].answered += answered_tally["n"]
    outcomes = CommunicationOutcome.objects.filter(communication__in=found)
    counted: Counter[tuple[int, str]] = Counter()
    by_outcome = outcomes.values("communication__mechanism_id", "outcome").annotate(n=Count("pk"))
    for outcome_tally in by_outcome:
        key = (outcome_tally["communication__mechanism_id"], outcome_tally["outcome"])
        counted[key] += outcome_tally["n"]
    for (mechanism_id, outcome), n in counted.items():
        rows[mechanism_id].outcomes[outcome] = n
    return list(rows.values())
