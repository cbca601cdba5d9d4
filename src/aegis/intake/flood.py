"""Protection of the public form and the receipts without JavaScript and without addresses.

- A signed form token carries the time the form was served and a random nonce: a form sent
  too fast (a script), too late, or a second time is refused with a message and shown again.
- A global window counts reports: past the threshold they are still accepted, but marked
  `held`, and a FloodNotice tells the team. Nothing is dropped.
- A wrong receipt code costs one indexed lookup and nothing else: no Argon2id, no write, no
  counter, so a flood of guesses can neither slow nor refuse anyone with a real code (and
  100 random bits leave guessing hopeless). Only a code that exists reaches Argon2id, and
  each receipt may be opened so many times a minute (a counter per submission): only whoever
  holds the code can spend that allowance.

Settings (read with defaults): AEGIS_INTAKE_MIN_SECONDS (3), AEGIS_INTAKE_FORM_HOURS (12),
AEGIS_INTAKE_FLOOD_WINDOW_MINUTES (10), AEGIS_INTAKE_FLOOD_THRESHOLD (200),
AEGIS_RECEIPT_OPENINGS_PER_MINUTE (10 per receipt)."""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aegis import clock
from aegis.audit import services as audit

from .models import FloodNotice, ReceiptOpenings, Submission, UsedFormToken

TOKEN_SALT = "aegis.intake.form-token"


def min_seconds() -> float:
    return float(getattr(settings, "AEGIS_INTAKE_MIN_SECONDS", 3))


def form_max_age() -> int:
    return int(float(getattr(settings, "AEGIS_INTAKE_FORM_HOURS", 12)) * 3600)


def flood_window() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "AEGIS_INTAKE_FLOOD_WINDOW_MINUTES", 10)))


def flood_threshold() -> int:
    return int(getattr(settings, "AEGIS_INTAKE_FLOOD_THRESHOLD", 200))


def max_receipt_openings() -> int:
    return int(getattr(settings, "AEGIS_RECEIPT_OPENINGS_PER_MINUTE", 10))


# --- Form tokens ----------------------------------------------------------------------------


class FormTokenProblem(Exception):
    """The form cannot be accepted as sent; str(error) tells the reporter what to do."""


TOO_FAST = _(
    "That was very quick. To tell people from automated programs, this form must be open for "
    "a few seconds. Check your report below and send it again."
)
TOO_OLD = _(
    "This form was open for a long time and has expired. Your text is kept below: check it "
    "and send it again."
)
UNREADABLE = _("This form could not be checked. Your text is kept below: send it again.")
REUSED = _(
    "This form has already been sent. If you saw your receipt code, your report is safe. If "
    "not, send it again."
)
HONEYPOT = _(
    "This form looks as if it was filled in by an automated program. If you are a person, "
    "leave the field “Leave this field empty” empty and send the form again."
)


def new_form_token() -> str:
    return signing.dumps({"t": time.time(), "n": secrets.token_hex(16)}, salt=TOKEN_SALT)


def check_form_token(token: str) -> str:
    """The token's nonce, if the form may be accepted now; FormTokenProblem otherwise."""
    try:
        payload = signing.loads(token or "", salt=TOKEN_SALT, max_age=form_max_age())
        issued, nonce = float(payload["t"]), str(payload["n"])
    except signing.SignatureExpired as exc:
        raise FormTokenProblem(TOO_OLD) from exc
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise FormTokenProblem(UNREADABLE) from exc
    if time.time() - issued < min_seconds():
        raise FormTokenProblem(TOO_FAST)
    return nonce


def consume_form_token(nonce: str) -> None:
    """Mark the nonce used (inside the caller's transaction); refuses one used before."""
    now = timezone.now()
    try:
        with transaction.atomic():
            UsedFormToken.objects.create(nonce=nonce, used_at=now)
    except IntegrityError as exc:
        raise FormTokenProblem(REUSED) from exc
    # Nonces older than a form can live are useless (their tokens have expired); clearing
    # them on about one report in 64 keeps the table small without a query on every report.
    if int(nonce[:2], 16) < 4:
        UsedFormToken.objects.filter(used_at__lt=now - timedelta(seconds=form_max_age())).delete()


# --- Flood window ---------------------------------------------------------------------------


def _window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def register_report(now: datetime) -> bool:
    """Count one report (inside the caller's transaction); True when it is past the threshold
    and must be held. A flood creates or updates the window's notice for the team."""
    window = flood_window()
    threshold = flood_threshold()
    recent = Submission.objects.filter(received_at__gt=now - window).count()
    if recent < threshold:
        return False
    start = _window_start(now, window)
    notice, created = FloodNotice.objects.get_or_create(
        window_start=start,
        defaults={
            "window_minutes": int(window.total_seconds() // 60),
            "threshold": threshold,
            "held": 1,
            "first_at": now,
            "last_at": now,
        },
    )
    if created:
        audit.record("flood.notice", actor_id=None, object_type="flood", object_id=notice.pk)
    else:
        FloodNotice.objects.filter(pk=notice.pk).update(held=F("held") + 1, last_at=now)
    return True


# --- Receipt openings -----------------------------------------------------------------------


class TooManyAttempts(Exception):
    MESSAGE = _("Too many attempts, wait a minute and try again.")

    def __init__(self) -> None:
        super().__init__(str(self.MESSAGE))


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def count_opening(submission_id: uuid.UUID) -> None:
    """Count one opening of an existing receipt; TooManyAttempts past this minute's allowance
    (the refused attempt is counted too, so hammering does not help)."""
    now = clock.now()
    start = _minute(now)
    with transaction.atomic():
        window, created = ReceiptOpenings.objects.get_or_create(
            submission_id=submission_id, window_start=start
        )
        # Increment, then read under the row lock the update took: concurrent openings are
        # counted one after another.
        counted = ReceiptOpenings.objects.filter(pk=window.pk)
        counted.update(openings=F("openings") + 1)
        openings = counted.values_list("openings", flat=True).get()
        if created:
            ReceiptOpenings.objects.filter(window_start__lt=start - timedelta(hours=1)).delete()
    if openings > max_receipt_openings():
        raise TooManyAttempts()
