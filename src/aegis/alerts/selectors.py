"""Reads of alerts. A responder sees the alerts addressed to them and those of their
compartments; anyone else's alert answers None, exactly like a missing one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from aegis import clock
from aegis.cases import selectors as cases
from aegis.cases.models import Person
from aegis.paging import Order, SeekPage, cursor_valid, in_slices, seek_or_first, seek_page
from aegis.safety import selectors as safety
from aegis.vault.keychain import NoKeyAccess, VaultLocked
from aegis.vault.selectors import open_records, opened

from .models import Acknowledgement, Alert, Delivery, EscalationLevel
from .vocabulary import AlertKind, AlertStatus, DeliveryState, RecipientKind

PAGE_SIZE = 25
ALERT_ORDER = Order("triggered_at", descending=True)  # then the id: newest first


def visible_alerts(user: Any) -> QuerySet[Alert]:
    """Those of the reader's compartments (the one scoped selector), and those delivered to
    them wherever they belong. Neither adds a join, so no row comes twice."""
    mine = Delivery.objects.filter(recipient_user=user).values("alert_id")
    return cases.visible(Alert, user) | Alert.objects.filter(pk__in=mine)


def alert_for(user: Any, alert_id: int) -> Alert | None:
    """The alert, its key opened where the reader holds it (its notes share it)."""
    alert = visible_alerts(user).filter(pk=alert_id).first()
    open_records([alert])
    return alert


def fired_by_incident(user: Any, incident_id: int) -> QuerySet[Alert]:
    """The alerts rules raised for acts of this incident that this reader may see; their
    trigger keys name the incident (rules.py)."""
    return _fired(user, contains=f":incident:{incident_id}:person:")


def fired_by_assessment(user: Any, assessment_id: int) -> QuerySet[Alert]:
    return _fired(user, endswith=f":assessment:{assessment_id}")


def _fired(user: Any, **lookup: str) -> QuerySet[Alert]:
    alerts = visible_alerts(user).filter(kind=AlertKind.RULE, trigger_key__startswith="rule:")
    filters = {f"trigger_key__{how}": value for how, value in lookup.items()}
    return alerts.filter(**filters).select_related("rule").order_by("pk")


def own_person(user: Any) -> Person | None:
    return safety.own_person(user)


def person_for_staff(user: Any, person_id: int) -> Person | None:
    return cases.person_for(user, person_id)


def outcome_of(alert: Alert) -> str | None:
    """The resolution's outcome, or None where the reader holds no key that opens it."""
    try:
        return str(alert.outcome or "")
    except (NoKeyAccess, VaultLocked):
        return None


# --- Console ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsoleRow:
    alert: Alert
    since: timedelta
    acknowledgements: list[Acknowledgement]
    failures: int  # people every delivery to whom failed (a fallback that went out reached them)
    deliveries: int  # deliveries still meant to go out or gone out (not cancelled)
    reached: int = 0  # people a delivery went out, or is still meant to go out, to
    ladder_ended: bool = False  # open, on its last step, and that step's deadline passed
    empty_steps: tuple[int, ...] = ()  # steps reached that had nobody to send to
    repeats: int = 0  # messages that may have arrived twice (a worker died while sending)

    @property
    def minutes(self) -> int:
        return int(self.since.total_seconds() // 60)

    @property
    def unreached(self) -> bool:
        """Nobody could be reached: every delivery failed, or there was nobody to send to.
        A human must call someone."""
        return self.reached == 0

    @property
    def needs_human(self) -> bool:
        return self.failures > 0 or self.unreached or self.ladder_ended or bool(self.empty_steps)


class _Sent(NamedTuple):
    """What the console needs of a delivery."""

    state: str
    level: int
    retaken: int
    recipient_kind: str = ""
    recipient_user_id: int | None = None
    contact_index: int | None = None
    partner_id: int | None = None


class _Step(NamedTuple):
    """What the console needs of a step of the ladder."""

    number: int
    reached_at: datetime | None
    deadline_minutes: int

    @property
    def deadline_at(self) -> datetime | None:
        if self.reached_at is None:
            return None
        return self.reached_at + timedelta(minutes=self.deadline_minutes)


# Alert ids per query: a flood of alerts must not pass SQLite's limit on one IN list.
IN_SLICE = 5_000


def unresolved(user: Any) -> QuerySet[Alert]:
    """Open and acknowledged alerts the reader may see, newest first."""
    return (
        visible_alerts(user).exclude(status=AlertStatus.RESOLVED).order_by("-triggered_at", "-pk")
    )


def open_page(user: Any, *, after: str, size: int) -> SeekPage:
    """At most `size` open and acknowledged alerts, newest first, after the cursor `after`
    (of a previous page's last row; empty: from the newest). A cursor, not an offset: alerts
    raised meanwhile do not shift the rest of the list by a row."""
    return seek_page(unresolved(user), ALERT_ORDER, {"after": after}, size=size)


def console_page(user: Any, params: Mapping[str, Any], *, size: int) -> SeekPage:
    """One page of the console's table of open and acknowledged alerts, newest first:
    `params` as aegis.paging.seek_page takes them. Its links carry a cursor from the first
    page on: alerts are raised and resolved between two loads, and a page number (OFFSET)
    would show a row twice or skip one for each. A mangled cursor, or one whose page is gone
    (every older alert resolved meanwhile), gives the newest alerts, `restarted` set."""
    alerts = unresolved(user).select_related("person")
    return seek_or_first(alerts, ALERT_ORDER, params, size=size, cursors=True)


def open_cursor_valid(cursor: str) -> bool:
    return cursor_valid(Alert.objects.all(), ALERT_ORDER, cursor)


def console(user: Any) -> list[ConsoleRow]:
    """Open and acknowledged alerts, newest first, with who acknowledged and failures."""
    return _rows(list(unresolved(user).select_related("person")), acknowledgements=True)


def console_rows(alerts: list[Alert]) -> list[ConsoleRow]:
    """The console's rows of these alerts (a page of them, or the newest few hundred)."""
    return _rows(alerts, acknowledgements=True)


def _rows(alerts: list[Alert], *, acknowledgements: bool) -> list[ConsoleRow]:
    """Each alert's row, from one read of the deliveries, steps (and acknowledgements) of
    all: after a burst of a thousand alerts the console and the dashboard read them all, and
    Django's per-alert prefetch had cost more than the reading."""
    sent: dict[int, list[_Sent]] = defaultdict(list)
    steps: dict[int, list[_Step]] = defaultdict(list)
    acks: dict[int, list[Acknowledgement]] = defaultdict(list)
    for some in in_slices([alert.pk for alert in alerts], IN_SLICE):
        deliveries = Delivery.objects.filter(alert_id__in=some)
        for row in deliveries.values_list(
            "alert_id",
            "state",
            "level",
            "retaken",
            "recipient_kind",
            "recipient_user_id",
            "contact_index",
            "partner_id",
        ):
            sent[row[0]].append(_Sent(*row[1:]))
        levels = EscalationLevel.objects.filter(alert_id__in=some).order_by("number")
        for alert_id, number, reached_at, minutes in levels.values_list(
            "alert_id", "number", "reached_at", "deadline_minutes"
        ):
            steps[alert_id].append(_Step(number, reached_at, minutes))
        if acknowledgements:
            for ack in Acknowledgement.objects.filter(alert_id__in=some).select_related(
                "delivery__recipient_user", "delivery__partner", "user"
            ):
                acks[ack.alert_id].append(ack)
    now = clock.now()
    rows = []
    for alert in alerts:
        failures, live, reached = _reach(sent[alert.pk])
        rows.append(
            ConsoleRow(
                alert=alert,
                since=now - alert.triggered_at,
                acknowledgements=acks[alert.pk],
                failures=failures,
                deliveries=live,
                reached=reached,
                ladder_ended=_ladder_ended(alert, steps[alert.pk], now),
                empty_steps=_empty_steps(sent[alert.pk], steps[alert.pk]),
                repeats=repeats(sent[alert.pk]),
            )
        )
    return rows


def _empty_steps(sent: list[_Sent], steps: list[_Step]) -> tuple[int, ...]:
    """Steps the alert reached with nobody to message."""
    addressed = {item.level for item in sent}
    return tuple(
        step.number
        for step in steps
        if step.reached_at is not None and step.number not in addressed
    )


# What needs a human is looked for among the newest ATTENTION_SCAN open alerts (the console
# and the dashboard alike): each alert's row reads its deliveries and steps, and ten thousand
# open alerts (a rule firing in a loop) had made each refresh of either take a second or two.
ATTENTION_SCAN = 500


@dataclass(frozen=True)
class Attention:
    """The work queue's view of alerts: what is open, what needs a human now, how many of
    the open alerts are missed check-ins, and how many messages wait past their time.
    `needs_human` counts among the newest ATTENTION_SCAN open alerts; `scanned` says that
    there were more open alerts than that (so there may be more needing a human)."""

    open: int
    needs_human: int
    missed_checkins: int
    stalled: int = 0
    scanned: bool = False
    # Drills are counted apart, so that a drill never reads as an emergency on a dashboard.
    open_drills: int = 0
    drills_needing_human: int = 0


def attention(user: Any) -> Attention:
    """Counts of open alerts (in SQL), and what needs a human among the newest of them: as
    many queries, and as much work, at ten alerts as at ten thousand."""
    found = unresolved(user)
    newest = list(
        found.only("pk", "kind", "status", "level", "triggered_at", "is_drill")[:ATTENTION_SCAN]
    )
    drill_ids = {alert.pk for alert in newest if alert.is_drill}
    rows = _rows(newest, acknowledgements=False)
    scanned = len(newest) == ATTENTION_SCAN
    if scanned:
        open_n = found.count()
        drills = found.filter(is_drill=True).count()
        missed = found.filter(kind=AlertKind.MISSED_CHECKIN).count()
    else:  # every open alert is in hand
        open_n, drills = len(newest), len(drill_ids)
        missed = sum(alert.kind == AlertKind.MISSED_CHECKIN for alert in newest)
    needing = [row for row in rows if row.needs_human]
    return Attention(
        open=open_n - drills,
        needs_human=sum(row.alert.pk not in drill_ids for row in needing),
        missed_checkins=missed,
        stalled=stalled_messages(user),
        scanned=scanned and open_n > ATTENTION_SCAN,
        open_drills=drills,
        drills_needing_human=sum(row.alert.pk in drill_ids for row in needing),
    )


# The alert loop sends a message within seconds of its time: one still waiting this long
# after means no worker is sending (stopped, or never started).
STALLED_AFTER = timedelta(minutes=2)


def stalled_messages(user: Any) -> int:
    """Messages of the alerts this person sees, due more than STALLED_AFTER ago and not
    sent: a stopped worker had shown nowhere while the ladder waited."""
    return Delivery.objects.filter(
        alert__in=visible_alerts(user),
        state=DeliveryState.QUEUED,
        next_attempt_at__lt=clock.now() - STALLED_AFTER,
    ).count()


def _ladder_ended(alert: Alert, steps: list[_Step], now: Any) -> bool:
    """Nobody acknowledged and there is no step left to climb: people must act by hand."""
    if alert.status != AlertStatus.OPEN:
        return False
    last = steps[-1] if steps else None
    if last is None or last.number != alert.level or last.deadline_at is None:
        return False
    return bool(last.deadline_at <= now)


def _who(delivery: Any) -> tuple[Any, ...]:
    return (
        delivery.recipient_kind,
        delivery.recipient_user_id,
        delivery.contact_index,
        delivery.partner_id,
    )


def _reach(deliveries: Iterable[Any]) -> tuple[int, int, int]:
    """(people not reached, deliveries not cancelled, people reached or still to be) of an
    alert. A failed delivery whose recipient another went out to (the fallback channel, a
    later step) leaves nobody unreached: a failed SMS that Signal made up for had been
    counted as a failure."""
    live = [d for d in deliveries if d.state != DeliveryState.CANCELLED]
    reached = {_who(d) for d in live if d.state != DeliveryState.FAILED}
    missed = {_who(d) for d in live if d.state == DeliveryState.FAILED} - reached
    return len(missed), len(live), len(reached)


def repeats(deliveries: Iterable[Any]) -> int:
    """Messages that may have arrived twice: each time a delivery was taken back from a
    worker that died while sending it (sending.py)."""
    return sum(d.retaken for d in deliveries)


def unreached(deliveries: Iterable[Any]) -> bool:
    """Nobody could be reached (as ConsoleRow.unreached): a human must call someone."""
    return _reach(deliveries)[2] == 0


def deliveries_of(alert: Alert) -> QuerySet[Delivery]:
    return alert.deliveries.select_related("recipient_user", "partner").order_by("level", "pk")


def acknowledgements_of(alert: Alert) -> QuerySet[Acknowledgement]:
    return alert.acknowledgements.select_related(
        "delivery__recipient_user", "delivery__partner", "user"
    ).order_by("acknowledged_at", "pk")


def acknowledged_by(alert: Alert, user: Any) -> bool:
    return alert.acknowledgements.filter(Q(user=user) | Q(delivery__recipient_user=user)).exists()


@dataclass(frozen=True)
class NoteView:
    author: str
    written_at: datetime
    text: str | None  # None: the reader holds no key that opens it


def notes_of(alert: Alert) -> list[NoteView]:
    notes = []
    for note in opened(alert.notes.select_related("author")):
        try:
            text: str | None = str(note.text or "")
        except (NoKeyAccess, VaultLocked):
            text = None
        author = note.author.get_username() if note.author else ""
        notes.append(NoteView(author, note.written_at, text))
    return notes


def delivery_by_id(delivery_id: int) -> Delivery | None:
    return Delivery.objects.select_related("alert").filter(pk=delivery_id).first()


def ack_link_margin() -> timedelta:
    return timedelta(hours=float(getattr(settings, "AEGIS_ACK_LINK_MARGIN_HOURS", 24)))


def ack_link_expires_at(alert: Alert) -> datetime:
    """An acknowledgement link lives as long as its alert's ladder, plus a margin for a late
    answer: from the trigger, every level's deadline, then AEGIS_ACK_LINK_MARGIN_HOURS."""
    ladder = sum(level.deadline_minutes for level in alert.levels.all())
    return alert.triggered_at + timedelta(minutes=ladder) + ack_link_margin()


def ack_link_ended(alert: Alert) -> str | None:
    """Why an acknowledgement link no longer works: "closed" once its alert is resolved,
    "expired" past ack_link_expires_at; None while it works."""
    if alert.status == AlertStatus.RESOLVED:
        return "closed"
    if clock.now() >= ack_link_expires_at(alert):
        return "expired"
    return None


def ack_link_ended_for(item: Delivery) -> str | None:
    """ack_link_ended, and "account" where the message went to a staff member whose account
    was deactivated since: offboarded, they no longer act for the team, so a link still in
    their mailbox must not stop the ladder in their name."""
    if item.recipient_user_id is not None and not _active(item.recipient_user_id):
        return "account"
    return ack_link_ended(item.alert)


def _active(user_id: int) -> bool:
    return bool(
        get_user_model().objects.filter(pk=user_id).values_list("is_active", flat=True).first()
    )


# --- History ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    alert: Alert
    first_acknowledged_at: datetime | None
    outcome: str | None  # None: resolved, but the reader cannot open the outcome

    @property
    def time_to_first_acknowledgement(self) -> timedelta | None:
        if self.first_acknowledged_at is None:
            return None
        return self.first_acknowledged_at - self.alert.triggered_at


def history_alerts(user: Any) -> QuerySet[Alert]:
    """Every alert in reach, newest first, with its first acknowledgement's time: read by a
    subquery in the row's own SELECT, so that counting the list, or reading the order's
    columns to find a deep page, leaves it out (a join and GROUP BY had been paid for every
    row counted or skipped)."""
    first = (
        Acknowledgement.objects.filter(alert=OuterRef("pk"))
        .order_by("acknowledged_at")
        .values("acknowledged_at")[:1]
    )
    return (
        visible_alerts(user)
        .annotate(first_acknowledged_at=Subquery(first))
        .select_related("person")
        .order_by("-triggered_at", "-pk")
    )


def history_row(alert: Alert) -> HistoryRow:
    resolved = alert.status == AlertStatus.RESOLVED
    return HistoryRow(
        alert=alert,
        first_acknowledged_at=getattr(alert, "first_acknowledged_at", None),
        outcome=outcome_of(alert) if resolved else "",
    )


def history(user: Any, params: Mapping[str, Any]) -> SeekPage:
    """One page of the history, as HistoryRow items: `params` as aegis.paging.seek_page
    takes them (page=N, after= or before= a row of the page shown), so that a deep page costs
    what the first does instead of skipping every newer alert with OFFSET. Its links carry a
    cursor from the first page on, as the console's do: an alert raised between two loads
    would otherwise push a row of the page shown onto the next one, shown twice. A page
    number typed into the address still opens that page. As in the console, a mangled
    cursor, or one past the end of the list, gives the newest alerts, `restarted` set."""
    page = seek_or_first(history_alerts(user), ALERT_ORDER, params, size=PAGE_SIZE, cursors=True)
    alerts = opened(page.object_list)  # the outcomes shown, in one query
    page.object_list = [history_row(alert) for alert in alerts]
    return page


# --- Drill report -------------------------------------------------------------------------


def recipient_label(item: Delivery) -> str:
    """Staff by username, partners by organisation, contacts by their rank, never by name."""
    if item.recipient_kind == RecipientKind.USER:
        user = item.recipient_user
        return user.get_username() if user is not None else _("a removed staff account")
    if item.recipient_kind == RecipientKind.PARTNER:
        partner = item.partner
        return partner.name if partner is not None else _("a removed partner organisation")
    return _("Emergency contact %(n)s") % {"n": item.contact_index}


@dataclass(frozen=True)
class ReportRecipient:
    label: str
    deliveries: list[Delivery]  # the channels tried, in order
    acknowledged_at: datetime | None
    after: timedelta | None  # from the level being reached to the acknowledgement


@dataclass(frozen=True)
class ReportLevel:
    number: int
    deadline_minutes: int
    reached_at: datetime | None
    recipients: list[ReportRecipient] = field(default_factory=list)

    @property
    def acknowledged(self) -> list[ReportRecipient]:
        return [r for r in self.recipients if r.after is not None]

    @property
    def first_after(self) -> timedelta | None:
        return min((r.after for r in self.acknowledged if r.after is not None), default=None)


@dataclass(frozen=True)
class DrillReport:
    alert: Alert
    levels: list[ReportLevel]
    # Where the ladder stands: None when it has run to its end (or the drill was closed),
    # else when the current level's deadline passes.
    next_deadline: datetime | None
    # Acknowledgements made on the alert's page (a responder or coordinator with no message
    # of their own): who, and how long after the drill was raised. The levels count the
    # messages' links only; the report had read "0 acknowledged" beside them.
    on_page: list[tuple[str, timedelta]] = field(default_factory=list)

    @property
    def recipients(self) -> int:
        return sum(len(level.recipients) for level in self.levels)

    @property
    def acknowledged(self) -> int:
        return sum(len(level.acknowledged) for level in self.levels)


def _recipients(
    deliveries: list[Delivery], acks: dict[int, datetime], reached_at: datetime | None
) -> list[ReportRecipient]:
    grouped: dict[str, list[Delivery]] = {}
    for item in deliveries:
        grouped.setdefault(item.recipient, []).append(item)
    found = []
    for items in grouped.values():
        acked = min((acks[d.pk] for d in items if d.pk in acks), default=None)
        after = acked - reached_at if acked is not None and reached_at is not None else None
        found.append(ReportRecipient(recipient_label(items[0]), items, acked, after))
    return found


def _next_deadline(alert: Alert, levels: list[EscalationLevel]) -> datetime | None:
    if alert.status == AlertStatus.RESOLVED:
        return None
    current = next((level for level in levels if level.number == alert.level), None)
    deadline = current.deadline_at if current is not None else None
    last = levels[-1].number if levels else alert.level
    if deadline is None or (alert.level == last and deadline <= clock.now()):
        return None
    return deadline


def drill_report(alert: Alert) -> DrillReport:
    """Per level: when it was reached, and per recipient the channels tried, their states
    and the time from the level being reached to the acknowledgement."""
    levels = list(alert.levels.order_by("number"))
    deliveries = list(deliveries_of(alert))
    # Per message: acknowledgements made on the alert's page have none and are not counted.
    acks = {
        a.delivery_id: a.acknowledged_at
        for a in alert.acknowledgements.all()
        if a.delivery_id is not None
    }
    report_levels = [
        ReportLevel(
            number=level.number,
            deadline_minutes=level.deadline_minutes,
            reached_at=level.reached_at,
            recipients=_recipients(
                [d for d in deliveries if d.level == level.number], acks, level.reached_at
            ),
        )
        for level in levels
    ]
    on_page = [
        (a.user.get_username() if a.user else "—", a.acknowledged_at - alert.triggered_at)
        for a in alert.acknowledgements.filter(delivery__isnull=True).select_related("user")
    ]
    return DrillReport(alert, report_levels, _next_deadline(alert, levels), on_page)


def resolved_alerts(resolved_before: datetime) -> QuerySet[Alert]:
    """Alerts resolved before the given time, oldest first: what retention expires. Coded
    columns only, nothing opened."""
    return Alert.objects.filter(
        status=AlertStatus.RESOLVED, resolved_at__lt=resolved_before
    ).order_by("resolved_at", "pk")


def first_acknowledgement_delays(start: datetime, end: datetime) -> tuple[int, timedelta | None]:
    """Real alerts (not drills) raised in [start, end) that someone acknowledged: how many,
    and the median time from raising to the first acknowledgement. Counted and ordered in
    the database; only the one or two middle delays are read (public reports)."""
    from django.db.models import DurationField, ExpressionWrapper, F, OuterRef, Subquery

    first = (
        Acknowledgement.objects.filter(alert=OuterRef("pk"))
        .order_by("acknowledged_at")
        .values("acknowledged_at")[:1]
    )
    delays = (
        Alert.objects.filter(is_drill=False, triggered_at__gte=start, triggered_at__lt=end)
        .annotate(first_ack=Subquery(first))
        .filter(first_ack__isnull=False)
        .annotate(
            delay=ExpressionWrapper(
                F("first_ack") - F("triggered_at"), output_field=DurationField()
            )
        )
        .order_by("delay")
    )
    count = delays.count()
    if not count:
        return 0, None
    middle = list(delays.values_list("delay", flat=True)[(count - 1) // 2 : count // 2 + 1])
    return count, sum(middle, timedelta()) / len(middle)
