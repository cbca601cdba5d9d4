"""Raising, delivering, escalating, acknowledging and resolving alerts.

The alert, its ladder and every first-level delivery are written in one transaction (the
outbox); the worker then sends what is due. Contacts are read and addresses written under
the alert service keychain, so the same code runs for a defender's panic and a worker."""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock, rules
from aegis.accounts import channels as staff_channels
from aegis.audit import services as audit
from aegis.cases import selectors as case_selectors
from aegis.cases.models import Person
from aegis.roles import Role
from aegis.rules import Conflict, RuleError
from aegis.safety import selectors as safety
from aegis.vault import service_keys
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked

from . import channels as alert_channels
from . import ladder
from .models import (
    Acknowledgement,
    Alert,
    AlertNote,
    AlertRule,
    Delivery,
    EscalationLevel,
    PartnerOrganisation,
    recipient_code,
)
from .vocabulary import (
    AlertKind,
    AlertStatus,
    Audience,
    DeliveryState,
    RecipientKind,
)

if TYPE_CHECKING:
    from aegis.vault.models import Keypair

KEY_PURPOSE = "alert"
logger = logging.getLogger(__name__)


def max_attempts() -> int:
    return int(getattr(settings, "AEGIS_ALERT_MAX_ATTEMPTS", 3))


def backoff(attempts: int) -> timedelta:
    """30 s, 60 s, 120 s… after the 1st, 2nd, 3rd failed attempt."""
    base = int(getattr(settings, "AEGIS_ALERT_RETRY_SECONDS", 30))
    return timedelta(seconds=base * 2 ** max(attempts - 1, 0))


# --- Recipients ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    kind: str
    user_id: int | None
    contact_index: int | None
    channels: tuple[tuple[str, str], ...]  # (channel, address), in the order to try
    partner_id: int | None = None
    language: str = ""  # what the messages are written in; empty: the instance's language

    @property
    def code(self) -> str:
        return recipient_code(self.kind, self.user_id, self.contact_index, self.partner_id)


def _staff(compartment_id: int, role: Role, order: tuple[str, ...]) -> list[Recipient]:
    """Staff of the role in the compartment who have contact channels (sealed to the alert
    service key, read under it), each on their channels in the step's order."""
    members = staff_channels.reachable(case_selectors.members_with_role(compartment_id, role.value))
    found = []
    for user in members:
        addresses = staff_channels.addresses_of(user)
        if addresses is not None:
            found.append(Recipient(RecipientKind.USER, user.pk, None, addresses.in_order(order)))
    return found


def _contacts(person: Person, order: tuple[str, ...]) -> list[Recipient]:
    """Emergency contacts of the current safety plan, each with the addresses it has on the
    step's channels, in the step's order."""
    recipients = []
    for contact in safety.emergency_contacts(person):
        by_channel: dict[str, str] = {
            c.name: str(getattr(contact, c.contact_field, "") or "")
            for c in alert_channels.for_contacts()
        }
        ways = [(channel, by_channel.get(channel, "").strip()) for channel in order]
        found = tuple((channel, address) for channel, address in ways if address)
        if found:
            recipients.append(
                Recipient(
                    RecipientKind.CONTACT, None, contact.priority, found, language=contact.language
                )
            )
    return recipients


def _partners(partner_ids: list[int]) -> list[Recipient]:
    partners = PartnerOrganisation.objects.filter(pk__in=partner_ids, is_active=True)
    return [
        Recipient(RecipientKind.PARTNER, None, None, ((p.channel, str(p.address)),), p.pk)
        for p in partners.order_by("pk")
    ]


def reach(person: Person, rung: ladder.Rung) -> list[Recipient]:
    """Who one rung reaches for this person. Reads contacts and partners' addresses, so it
    needs the service keychain."""
    found: list[Recipient] = []
    if Audience.RESPONDERS in rung.audiences:
        found += _staff(person.compartment_id, Role.RESPONDER, rung.channels)
    if Audience.COORDINATORS in rung.audiences:
        found += _staff(person.compartment_id, Role.COORDINATOR, rung.channels)
    if Audience.CONTACTS in rung.audiences:
        found += _contacts(person, rung.channels)
    if Audience.PARTNERS in rung.audiences:
        found += _partners(list(rung.partner_ids))
    return found


def _rung(copied: EscalationLevel) -> ladder.Rung:
    """A rung as the alert copied it from its policy when it was raised."""
    return ladder.Rung(
        copied.number,
        copied.deadline_minutes,
        ladder.split(copied.audiences),
        ladder.split(copied.channels),
        tuple(copied.partner_ids),
    )


def recipients(alert: Alert, level: int) -> list[Recipient]:
    """Who the alert's rung `level` reaches."""
    copied = alert.levels.filter(number=level).first()
    return reach(alert.person, _rung(copied)) if copied is not None else []


def queue(alert: Alert, level: int, recipient: Recipient, channel_index: int) -> Delivery:
    channel, address = recipient.channels[channel_index]
    key = f"{alert.pk}:{level}:{recipient.code}:{channel}"
    existing = Delivery.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    return Delivery.objects.create(
        alert=alert,
        data_key_id=alert.data_key_id,
        level=level,
        recipient_kind=recipient.kind,
        recipient_user_id=recipient.user_id,
        contact_index=recipient.contact_index,
        partner_id=recipient.partner_id,
        channel=channel,
        address=address,
        idempotency_key=key,
        language=recipient.language,
        next_attempt_at=clock.now(),
    )


# --- Raising ------------------------------------------------------------------------------


def _raised(trigger_key: str) -> Alert | None:
    return Alert.objects.filter(trigger_key=trigger_key).first()


def _write_alert(
    person: Person,
    kind: str,
    rungs: list[ladder.Rung],
    service: Keypair,
    **fields: Any,
) -> Alert:
    """The alert under a key of its own (sealed to the compartment and the alert service),
    with its ladder copied onto it."""
    data_key = vault.new_record_key(person.compartment, KEY_PURPOSE, extra_holders=[service])
    now = clock.now()
    alert = Alert.objects.create(
        person=person,
        compartment_id=person.compartment_id,
        data_key=data_key,
        kind=kind,
        triggered_at=now,
        level=rungs[0].number,
        **fields,
    )
    EscalationLevel.objects.bulk_create(
        EscalationLevel(
            alert=alert,
            number=rung.number,
            deadline_minutes=rung.deadline_minutes,
            reached_at=now if index == 0 else None,
            audiences=",".join(rung.audiences),
            channels=",".join(rung.channels),
            partner_ids=list(rung.partner_ids),
        )
        for index, rung in enumerate(rungs)
    )
    return alert


def raise_alert(
    person: Person,
    kind: str,
    *,
    actor_id: int | None = None,
    is_drill: bool = False,
    rule: AlertRule | None = None,
    trigger_key: str | None = None,
) -> Alert:
    """Write the alert, its ladder and its first-level deliveries in one transaction. An
    automatic trigger passes a trigger_key: raising it again returns the first alert."""
    if kind not in AlertKind.values:
        raise RuleError(_("Unknown kind of alert."))
    keypair = service_keys.service_keypair()
    if keypair is None:
        raise RuleError(_("Alerts cannot be sent: this instance has no alert service key."))
    with unlocked(service_keys.service_keychain()):
        if trigger_key and (same := _raised(trigger_key)):
            return same
        # Read the ladder and whom its first rung reaches (decrypting contacts) before the
        # write transaction: on SQLite that transaction holds the one write lock, which the
        # sending worker and every other alert wait for.
        policy, rungs = ladder.ladder_for(person)
        first = reach(person, rungs[0])
        try:
            with transaction.atomic():
                if trigger_key and (same := _raised(trigger_key)):
                    return same
                alert = _write_alert(
                    person,
                    kind,
                    rungs,
                    keypair,
                    is_drill=is_drill,
                    triggered_by_id=actor_id,
                    policy=policy,
                    rule=rule,
                    trigger_key=trigger_key or None,
                )
                for recipient in first:
                    queue(alert, alert.level, recipient, 0)
                kind_of_record = "drill alert" if is_drill else "alert"
                audit.record(
                    "record.create",
                    actor_id=actor_id,
                    object_type=kind_of_record,
                    object_id=alert.pk,
                )
                wake_worker()
        except IntegrityError:
            # The same trigger raised at the same moment elsewhere (two copies of a news story
            # checked at once): its insert won, and that alert is this one.
            if trigger_key and (same := _raised(trigger_key)):
                return same
            raise
    return alert


def raise_or_defer(
    person: Person,
    kind: str,
    *,
    actor_id: int | None = None,
    rule: AlertRule | None = None,
    trigger_key: str | None = None,
) -> Alert | None:
    """Raise an alert whose trigger must not fail in front of anyone (a duress word, a rule
    firing inside an incident's transaction). If raising fails here (no service key in this
    process, a locked database…), a task raises it in the worker instead: the alert is
    delayed, never dropped, and the page that triggered it looks the same. The trigger key
    makes the task's retries raise it once."""
    key = trigger_key or f"{kind}:{person.pk}:{uuid.uuid4().hex}"
    # Inside a caller's transaction, a savepoint keeps a failure from breaking it; outside
    # one, raise_alert's own transaction is enough (and keeps its reads out of the write lock).
    inside = transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic() if inside else contextlib.nullcontext():
            return raise_alert(person, kind, actor_id=actor_id, rule=rule, trigger_key=key)
    except Exception as error:
        logger.error("alert raising deferred to the worker (%s)", type(error).__name__)
    from .tasks import raise_deferred

    raise_deferred.enqueue(person.pk, kind, actor_id, rule.pk if rule else None, key)
    return None


# A panic pressed again while the person's last one is still open (nobody has acknowledged
# it) and this recent is that alert: its ladder is already reaching people. A button pressed
# over and over (or a script with the defender's token) had sent each contact a new round of
# messages per press.
PANIC_REPEAT = timedelta(minutes=15)


def raise_panic(
    person: Person, *, actor_id: int | None, trigger_key: str | None = None
) -> Alert | None:
    """The defender's panic button (page, API and the SMS keyword): a new alert, or the open
    one raised less than PANIC_REPEAT ago; None where the worker raises it (raise_or_defer,
    which merges the same way). Once someone
    has acknowledged (which stops the ladder) or resolved it, a press alerts again: the
    defender may be pressing because things got worse, or the one who acknowledged may not
    be who they seem."""
    try:
        with transaction.atomic():  # a savepoint inside a caller's transaction
            recent = _open_panic(person)
    except DatabaseError:  # a locked database: raised or deferred below, never refused
        recent = None
    if recent is not None:
        return recent
    return raise_or_defer(person, AlertKind.PANIC, actor_id=actor_id, trigger_key=trigger_key)


def _open_panic(person: Person) -> Alert | None:
    """The person's panic alert that a press now would repeat (raise_panic)."""
    return (
        Alert.objects.filter(
            person=person,
            kind=AlertKind.PANIC,
            is_drill=False,
            status=AlertStatus.OPEN,
            triggered_at__gte=clock.now() - PANIC_REPEAT,
        )
        .order_by("-triggered_at")
        .first()
    )


def news_mention(person: Person, article_token: str) -> list[Alert]:
    """Monitoring found this person named in a new article: the news rules fire (each at
    most once per story and person, `article_token` naming the story); none when every news
    rule is switched off."""
    from . import rules  # the rules build on this module

    return rules.on_news_mention(person, article_token)


def news_token_of(alert: Alert) -> str | None:
    """The token a news rule's alert names its story by (rules.on_news_mention); None for
    another alert."""
    from . import rules

    return rules.news_token_of(alert)


def raise_deferred(
    person_id: int, kind: str, actor_id: int | None, rule_id: int | None, trigger_key: str
) -> bool:
    """The worker's side of raise_or_defer; False when the person no longer exists."""
    person = Person.objects.filter(pk=person_id).select_related("compartment").first()
    if person is None:
        return False
    rule = AlertRule.objects.filter(pk=rule_id).first() if rule_id else None
    # Presses queued while no process could raise them (the worker stopped, the web process
    # without the service key) are one alert, as on the page: the first raises it, the
    # rest find it open.
    if kind == AlertKind.PANIC and rule is None and _open_panic(person) is not None:
        return True
    raise_alert(person, kind, actor_id=actor_id, rule=rule, trigger_key=trigger_key)
    return True


def wake_worker() -> None:
    # Enqueued in the same transaction as the outbox rows (the task backend is the database).
    # One waiting wake-up is enough: a burst of ten thousand alerts had queued as many, and
    # the worker spent minutes on them while news sources waited to be polled. A wake-up
    # taken by the worker just before these rows commit costs at most one pass of the alert
    # loop, which reads the outbox every fraction of a second anyway.
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from .tasks import deliver_due

    waiting = DBTaskResult.objects.filter(
        task_path=deliver_due.module_path, status=TaskResultStatus.READY
    )
    if not waiting.exists():
        deliver_due.enqueue()


def fall_back(failed: Delivery, alert: Alert | None = None) -> Delivery | None:
    """Queue the recipient's next channel on the same level, if the alert still climbs (the
    alert is locked first, so an acknowledgement cannot slip in between). Needs the service
    keychain: the recipients' addresses are read again. A caller that already holds the
    alert locked passes it."""
    if alert is None:
        alert = Alert.objects.select_for_update().get(pk=failed.alert_id)
    if not climbing(alert):
        return None
    for recipient in recipients(alert, failed.level):
        if recipient.code != failed.recipient:
            continue
        names = [channel for channel, _address in recipient.channels]
        position = names.index(failed.channel) if failed.channel in names else len(names)
        if position + 1 < len(names):
            return queue(alert, failed.level, recipient, position + 1)
    return None


# --- Escalating ---------------------------------------------------------------------------


# Still on the ladder: open, or a drill not yet resolved (a drill runs every level even after
# acknowledgements, so the report covers the whole ladder). The same rule for a query and
# for an alert in hand.
CLIMBING = Q(status=AlertStatus.OPEN) | Q(status=AlertStatus.ACKNOWLEDGED, is_drill=True)


def climbing(alert: Alert) -> bool:
    if alert.status == AlertStatus.OPEN:
        return True
    return alert.is_drill and alert.status == AlertStatus.ACKNOWLEDGED


def escalate(alert: Alert) -> EscalationLevel | None:
    """Move an unacknowledged alert whose deadline has passed to its next level."""
    with unlocked(service_keys.service_keychain()), transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        current = alert.levels.filter(number=alert.level).first()
        deadline = current.deadline_at if current is not None else None
        if not climbing(alert) or deadline is None or deadline > clock.now():
            return None
        following = alert.levels.filter(number__gt=alert.level).order_by("number").first()
        if following is None:
            return None
        following.reached_at = clock.now()
        following.save(update_fields=["reached_at"])
        alert.level = following.number
        alert.save(update_fields=["level"])
        for recipient in reach(alert.person, _rung(following)):
            queue(alert, following.number, recipient, 0)
        wake_worker()
        return following


def escalate_due() -> int:
    moved = 0
    # One read finds the alerts past their step's deadline; only those take a write lock
    # (a round over a thousand waiting alerts must not hold up the sending).
    now = clock.now()
    current = EscalationLevel.objects.filter(
        alert__in=Alert.objects.filter(CLIMBING),
        number=F("alert__level"),
        reached_at__isnull=False,
    ).only("alert_id", "reached_at", "deadline_minutes")
    due = sorted(
        level.alert_id
        for level in current
        if level.deadline_at is not None and level.deadline_at <= now
    )
    for alert in Alert.objects.filter(pk__in=due).order_by("pk"):
        moved += escalate(alert) is not None
    return moved


# --- Acknowledging and resolving ----------------------------------------------------------


def _stop_ladder(alert: Alert) -> None:
    Delivery.objects.filter(alert=alert, state=DeliveryState.QUEUED).update(
        state=DeliveryState.CANCELLED
    )


@transaction.atomic
def acknowledge(delivery_id: int) -> Acknowledgement | None:
    """Record that the recipient of this delivery acted; the first one stops the ladder.
    None when no such delivery exists."""
    item = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
    if item is None:
        return None
    existing = Acknowledgement.objects.filter(delivery=item).first()
    if existing is not None:
        return existing
    now = clock.now()
    ack = Acknowledgement.objects.create(alert_id=item.alert_id, delivery=item, acknowledged_at=now)
    item.state, item.acked_at = DeliveryState.ACKNOWLEDGED, now
    item.save(update_fields=["state", "acked_at"])
    _mark_acknowledged(item.alert_id, now)
    return ack


@transaction.atomic
def acknowledge_as(alert: Alert, user: Any) -> Acknowledgement:
    """A responder or coordinator acknowledges on the alert's page: through their own
    message where the alert sent them one, else in their own name; refused once the alert is
    resolved (an acknowledgement after the outcome would misstate who acted when)."""
    # Locked first, as resolve() locks it: an acknowledgement never lands after the outcome.
    if Alert.objects.select_for_update().get(pk=alert.pk).status == AlertStatus.RESOLVED:
        raise Conflict(_("This alert is already resolved: there is nothing to acknowledge."))
    mine = alert.deliveries.filter(recipient_user=user).order_by("level", "pk").first()
    if mine is not None:
        ack = acknowledge(mine.pk)
        assert ack is not None
    else:
        ack = Acknowledgement.objects.filter(alert=alert, user=user, delivery=None).first()
        if ack is None:
            now = clock.now()
            ack = Acknowledgement.objects.create(alert=alert, user=user, acknowledged_at=now)
            _mark_acknowledged(alert.pk, now)
    audit.record("alert.acknowledge", actor_id=user.pk, object_type="alert", object_id=alert.pk)
    return ack


def _mark_acknowledged(alert_id: int, now: Any) -> None:
    alert = Alert.objects.select_for_update().get(pk=alert_id)
    if alert.status == AlertStatus.OPEN:
        alert.status, alert.acknowledged_at = AlertStatus.ACKNOWLEDGED, now
        alert.save(update_fields=["status", "acknowledged_at"])
        if not alert.is_drill:
            _stop_ladder(alert)


NOTE_MAX = 4000  # a note or an outcome (the forms take it too)


@transaction.atomic
def add_note(alert: Alert, text: str, *, actor: Any) -> AlertNote:
    """A note on the alert under its key: only those who hold the alert's key read it."""
    # The shared text rule: control characters, and text of invisible characters alone
    # (empty), are refused as in every other note.
    text = rules.text(text, "text", gettext_lazy("The note"), limit=NOTE_MAX)
    if not text:
        raise RuleError(_("Write the note before saving it."), "text")
    note = AlertNote.objects.create(
        alert=alert,
        data_key_id=alert.data_key_id,
        author=actor,
        text=text,
        written_at=clock.now(),
    )
    audit.record("record.update", actor_id=actor.pk, object_type="alert", object_id=alert.pk)
    return note


@transaction.atomic
def resolve(alert: Alert, outcome: str, *, actor: Any) -> Alert:
    """Close the alert with what happened; needs the alert's key (compartment members)."""
    outcome = rules.text(outcome, "outcome", gettext_lazy("What happened"), limit=NOTE_MAX)
    if not outcome:
        raise RuleError(_("Write what happened before resolving the alert."), "outcome")
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.RESOLVED:
        raise Conflict(_("This alert is already resolved."))
    alert.status = AlertStatus.RESOLVED
    alert.outcome = outcome
    alert.resolved_at = clock.now()
    alert.resolved_by = actor
    alert.save(update_fields=["status", "outcome", "resolved_at", "resolved_by"])
    _stop_ladder(alert)
    audit.record("record.update", actor_id=actor.pk, object_type="alert", object_id=alert.pk)
    return alert


# --- Expiry (retention) ---------------------------------------------------------------------


def shred_alert(alert: Alert, *, actor_id: int | None) -> int:
    """Expire a resolved alert: its ladder, deliveries, acknowledgements and notes go with
    it, and their keys are destroyed (cases.services.shred_records). Returns the keys
    shredded."""
    from aegis.cases import services as cases

    if alert.status != AlertStatus.RESOLVED:  # retention asks only for resolved ones
        raise ValueError("Only a resolved alert can expire.")
    return cases.shred_records([alert], actor_id=actor_id)
