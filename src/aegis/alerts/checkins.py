"""Signals from the defender: check-ins, the duress word, the missed check-in, and the SMS
keyword.

The duress word raises a silent alert wherever the defender can type it:

- at a check-in, in the one optional text field: the check-in is written exactly like any
  other, and the alert is the only trace;
- at sign-in, after the password: "<password> <duress word>" (the password, one space, the
  duress word). When the whole text is not the account's password but the part before a
  space is, and what follows it is the duress word of the person linked to the account, the
  sign-in goes on exactly as a normal one and a duress alert is raised. Anything else is an
  ordinary failed sign-in;
- by SMS, as the whole text of a message from the defender's phone.

The word is compared under the alert service keychain: the defender's own keys may not hold
the plan's key, and nobody is signed in before a sign-in or for an SMS. Nothing the defender
(or someone watching them) sees depends on whether the word matched.

Missed check-ins (the worker calls `raise_missed_checkins`): the last check-in, or the plan
version's creation when there is none, plus the plan's interval is the due time; after the
grace period the defender's ladder is alerted. Quiet hours are read in the instance's time
zone (settings.TIME_ZONE, as every time the pages show) and postpone the alert to their end.
"""

from __future__ import annotations

import hashlib
import logging
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import checks
from django.db import IntegrityError
from django.db.models import OuterRef, Subquery

from aegis import clock
from aegis.cases import selectors as case_selectors
from aegis.cases.models import Person
from aegis.safety import selectors as safety
from aegis.vault import normalise, service_keys
from aegis.vault.fields import blind_index
from aegis.vault.keychain import Keychain, NoKeyAccess, VaultLocked, unlocked

from . import services
from .models import Alert, CheckIn
from .vocabulary import AlertKind

logger = logging.getLogger(__name__)


def _service_keychain() -> Keychain | None:
    try:
        return service_keys.service_keychain()
    except service_keys.ServiceKeyMissing:
        logger.error("The alert service key is missing: duress words cannot be checked.")
        return None


def _raise_silently(person: Person, kind: str, *, actor_id: int | None, key: str = "") -> None:
    """Raise an alert the defender must not see fail: a failure defers it to the worker. A
    panic texted again while the last is open is that alert, as a press of the button."""
    if kind == AlertKind.PANIC:
        services.raise_panic(person, actor_id=actor_id, trigger_key=key or None)
    else:
        services.raise_or_defer(person, kind, actor_id=actor_id, trigger_key=key or None)


# --- The duress word ----------------------------------------------------------------------


def is_duress_word(person: Person, word: str) -> bool:
    """Is `word` the duress word of the person's current plan?"""
    if not normalise.name(word):
        return False
    chain = _service_keychain()
    if chain is None:
        return False
    with unlocked(chain):
        return safety.duress_word_matches(person, word)


def password_under_duress(user: Any, typed: str) -> str | None:
    """For sign-in: the password part of "<password> <duress word>" when what follows a space
    is the duress word of the person linked to `user`; else None. The caller checks the
    password as usual (so a wrong one is an ordinary, counted failure)."""
    person = safety.own_person(user)
    if person is None or " " not in typed:
        return None
    chain = _service_keychain()
    if chain is None:
        return None
    with unlocked(chain):
        for at, character in enumerate(typed):
            # The first split that works: a duress word may itself hold spaces.
            word = typed[at + 1 :]
            if character != " " or at == 0 or not normalise.name(word):
                continue
            if safety.duress_word_matches(person, word):
                return typed[:at]
    return None


def signed_in_under_duress(user: Any) -> None:
    """The sign-in succeeded with the duress word: raise the silent alert."""
    person = safety.own_person(user)
    if person is not None:
        _raise_silently(person, AlertKind.DURESS, actor_id=user.pk)


# --- Check-ins ----------------------------------------------------------------------------


def check_in(person: Person, word: str = "", *, actor_id: int | None) -> CheckIn:
    """Record that the defender is fine. With the duress word the check-in is written all
    the same, and a duress alert is raised that changes nothing the defender sees."""
    checkin = CheckIn.objects.create(person=person, checked_in_at=clock.now())
    if is_duress_word(person, word):
        _raise_silently(person, AlertKind.DURESS, actor_id=actor_id)
    return checkin


def last_checkin_at(person: Person) -> datetime | None:
    return (
        CheckIn.objects.filter(person=person)
        .order_by("-checked_in_at")
        .values_list("checked_in_at", flat=True)
        .first()
    )


def due_at(started: datetime, last: datetime | None, interval_hours: int) -> datetime:
    """When the next check-in is due: an interval after the last one, or after the plan
    version that asks for them when there is none since (a schedule added today is not
    overdue because of a check-in made long before it)."""
    since = max(last, started) if last is not None else started
    return since + timedelta(hours=interval_hours)


@dataclass(frozen=True)
class CheckinStatus:
    """What the check-in page shows; reads clear columns only (no key needed)."""

    has_plan: bool
    last: datetime | None
    due: datetime | None  # None: the plan asks for no regular check-in
    grace: timedelta

    @property
    def deadline(self) -> datetime | None:
        return self.due + self.grace if self.due is not None else None

    @property
    def overdue(self) -> bool:
        return self.due is not None and clock.now() > self.due

    @property
    def grace_minutes(self) -> int:
        return int(self.grace.total_seconds() // 60)


def status(person: Person) -> CheckinStatus:
    version = safety.current_version(person)
    last = last_checkin_at(person)
    if version is None:
        return CheckinStatus(has_plan=False, last=last, due=None, grace=timedelta())
    interval = version.checkin_interval_hours
    return CheckinStatus(
        has_plan=True,
        last=last,
        due=due_at(safety.schedule_started(version), last, interval) if interval else None,
        grace=timedelta(minutes=version.checkin_grace_minutes),
    )


# --- Missed check-ins (the worker) --------------------------------------------------------


def _local_time(at: datetime) -> Any:
    return at.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).time()


def missed_key(person_id: int, due: datetime) -> str:
    return f"missed:{person_id}:{due.astimezone(UTC):%Y%m%dT%H%M}"


def raise_missed_checkins() -> int:
    """One pass of the dead man's switch: raise a missed check-in alert for every current
    plan whose check-in is overdue past its grace period, unless it is now within the plan's
    quiet hours (the next pass after they end raises it). Each missed due time raises one
    alert however many passes run; returns how many were raised in this pass."""
    now = clock.now()
    last = CheckIn.objects.filter(person=OuterRef("plan__person")).order_by("-checked_in_at")
    versions = safety.versions_with_checkins().annotate(
        last_checkin=Subquery(last.values("checked_in_at")[:1])
    )
    overdue = []
    for version in versions:
        if not version.checkin_interval_hours:
            continue
        started = safety.schedule_started(version)
        due = due_at(started, version.last_checkin, version.checkin_interval_hours)
        if now > due + timedelta(minutes=version.checkin_grace_minutes):
            overdue.append((version.plan.person, missed_key(version.plan.person_id, due)))
    # Known ones are skipped before any key is opened: most passes end here.
    raised_before = set(
        Alert.objects.filter(trigger_key__in=[key for _p, key in overdue]).values_list(
            "trigger_key", flat=True
        )
    )
    pending = [(person, key) for person, key in overdue if key not in raised_before]
    if not pending:
        return 0
    raised = 0
    with unlocked(service_keys.service_keychain()):  # quiet hours are encrypted
        for person, key in pending:
            schedule = safety.checkin_schedule(person)
            if schedule is not None and schedule.is_quiet(_local_time(now)):
                continue
            try:
                services.raise_alert(person, AlertKind.MISSED_CHECKIN, trigger_key=key)
            except IntegrityError:  # another worker raised it a moment ago
                continue
            raised += 1
    return raised


# --- The SMS keyword ----------------------------------------------------------------------


def panic_keyword() -> str:
    return str(getattr(settings, "AEGIS_SMS_PANIC_KEYWORD", "") or "HELP")


# The gateway's webhook has no throttle: its one caller cannot be told from a guesser without
# the caller's address, which is never kept. So the secret must be too long to guess.
WEBHOOK_SECRET_MIN_LENGTH = 32


def configured_webhook_secret() -> str:
    return str(getattr(settings, "AEGIS_SMS_WEBHOOK_SECRET", "") or "")


def webhook_secret() -> str:
    """The gateway's secret, or "" (the webhook refuses everything) when it is unset or
    shorter than WEBHOOK_SECRET_MIN_LENGTH."""
    secret = configured_webhook_secret()
    return secret if len(secret) >= WEBHOOK_SECRET_MIN_LENGTH else ""


def webhook_secret_too_short() -> bool:
    return bool(configured_webhook_secret()) and not webhook_secret()


def webhook_secret_warnings(**kwargs: Any) -> list[checks.CheckMessage]:
    """A Django check, and what `aegis serve` says at start: with a short secret the SMS
    gateway's panic texts are refused."""
    if not webhook_secret_too_short():
        return []
    return [
        checks.Warning(
            f"AEGIS_SMS_WEBHOOK_SECRET is shorter than {WEBHOOK_SECRET_MIN_LENGTH} "
            "characters, so the SMS gateway's addresses refuse everything (panic texts too).",
            hint="Set a longer one: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'",
            id="aegis.alerts.W001",
        )
    ]


def sms_alerts_enabled() -> bool:
    """Whether a defender's text message raises an alert: the webhook has a secret long
    enough, and the alert service holds the search key that recognises the sender's number
    (without it the keyword had been advertised, then ignored)."""
    return bool(webhook_secret()) and service_keys.holds_search_key()


def people_with_phone(number: str) -> list[Person]:
    """Files whose phone is `number`, through the blind index (the number is neither stored
    nor logged). [] when the alert service does not hold the search key."""
    try:
        index = blind_index("phone", number)
    except (NoKeyAccess, VaultLocked):
        logger.error("The alert service does not hold the search key: SMS keywords are ignored.")
        return []
    if not index:
        return []
    return case_selectors.people_with_phone_index(index)


def sms_received(number: str, text: str, message_id: str = "") -> int:
    """An SMS reached the gateway. When its text is the panic keyword, or the duress word of
    the file whose phone sent it, raise a panic (or duress) alert for each such file; returns
    how many were raised. A gateway sending the same message again (same id) raises nothing
    more."""
    if not normalise.name(text):
        return 0
    chain = _service_keychain()
    if chain is None:
        return 0
    is_panic = normalise.name(text) == normalise.name(panic_keyword())
    raised = 0
    with unlocked(chain):
        for person in people_with_phone(number):
            if safety.duress_word_matches(person, text):
                kind = AlertKind.DURESS
            elif is_panic:
                kind = AlertKind.PANIC
            else:
                continue
            key = ""
            if message_id:
                digest = hashlib.sha256(message_id.encode()).hexdigest()[:32]
                key = f"sms:{person.pk}:{digest}"
                if Alert.objects.filter(trigger_key=key).exists():
                    continue
            _raise_silently(person, kind, actor_id=None, key=key)
            raised += 1
    logger.info("Inbound SMS: %d alert(s) raised.", raised)
    return raised
