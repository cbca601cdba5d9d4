"""Writes on the reading list: add and change sources, ask for a poll now."""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any, Literal, get_args

from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock, rules
from aegis.audit import services as audit
from aegis.incidents.vocabulary import Reliability
from aegis.rules import Conflict, RuleError

from . import fetching, texts
from .models import Source
from .vocabulary import SourceKind, SourceStatus

MIN_INTERVAL = 5
OVERDUE_MINUTES = 30
MAX_INTERVAL = 7 * 24 * 60
# The languages a source may be read in ("": not said); the API's schema states the same list.
SourceLanguage = Literal["", "en", "es", "fr", "pt", "ar"]
LANGUAGES: tuple[str, ...] = get_args(SourceLanguage)


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    name = rules.text(
        fields.get("name", ""), "name", gettext_lazy("The name"), limit=120, line=True
    )
    if not name:
        raise RuleError(_("Give the source a name."), "name")
    kind = fields.get("kind", "")
    rules.choice(kind, SourceKind, "kind", gettext_lazy("Kind of source"))
    url = texts.lowered_scheme(str(fields.get("url", "")).strip())
    if not texts.web_address(url):
        raise RuleError(
            _(
                "Give the address of the feed or page: a web address starting with https:// "
                "or http://, of 1,000 characters at most, with no spaces."
            ),
            "url",
        )
    if fetching.written_as_local(url):
        raise RuleError(
            _(
                "This address is of this server or of its own network, which the worker "
                "never reads. Give the public address of the feed or page."
            ),
            "url",
        )
    language = str(fields.get("language", "") or "")
    if language not in LANGUAGES:
        raise RuleError(_("Choose one of the languages offered, or none."), "language")
    country, region = rules.place(fields.get("country", ""), fields.get("region", ""))
    reliability = fields.get("reliability", "C")
    rules.choice(reliability, Reliability, "reliability", gettext_lazy("Reliability"))
    try:
        interval = int(fields.get("interval_minutes", 60))
    except (TypeError, ValueError):
        interval = -1
    if not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        # In the words of the form's "Read every (minutes)".
        raise RuleError(
            _("Read every %(min)s to %(max)s minutes (at least once a week).")
            % {
                "min": MIN_INTERVAL,
                "max": number_format(MAX_INTERVAL, force_grouping=True),
            },
            "interval_minutes",
        )
    return {
        "name": name,
        "kind": kind,
        "url": url,
        "language": language,
        "country": country,
        "region": region,
        "reliability": reliability,
        "interval_minutes": interval,
    }


def _name_key(name: str) -> str:
    """A source's name as people tell names apart: not by case, width or spacing."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _unique(values: dict[str, Any], source: Source | None = None) -> None:
    """A Conflict where another source has the address, or the name: the queue and the
    articles name a source by its name alone, so two of one name could not be told apart."""
    others = Source.objects.exclude(pk=source.pk) if source else Source.objects.all()
    if others.filter(url=values["url"]).exists():
        raise Conflict(_("This address is already on the reading list."), "url")
    # Compared here, not in SQL: SQLite folds the case of ASCII letters only. A source
    # saved under the name it had keeps it (two added before this rule can still be paused).
    key = _name_key(values["name"])
    if source is not None and _name_key(source.name) == key:
        return
    if any(_name_key(name) == key for name in others.values_list("name", flat=True)):
        raise Conflict(
            _(
                "Another source is already called “%(name)s”: give this one another name, so "
                "that the two can be told apart in the proposals."
            )
            % {"name": values["name"]},
            "name",
        )


@transaction.atomic
def create_source(*, actor_id: int | None, is_active: bool = True, **fields: Any) -> Source:
    """A source on the reading list; one added paused is not read until it is resumed."""
    values = _checked(fields)
    _unique(values)
    source = Source.objects.create(
        **values,
        is_active=bool(is_active),
        created_by_id=actor_id,
        status=SourceStatus.NEW,
        next_poll_at=clock.now(),
    )
    audit.record("monitoring.source", actor_id=actor_id, object_type="source", object_id=source.pk)
    if source.is_active:
        _schedule(source)
    return source


@transaction.atomic
def update_source(
    source: Source, *, actor_id: int | None, is_active: bool, **fields: Any
) -> Source:
    values = _checked(fields)
    _unique(values, source)
    for name, value in values.items():
        setattr(source, name, value)
    source.is_active = bool(is_active)
    if source.last_polled_at is not None and source.next_poll_at is not None:
        # A shorter interval counts from the last read, not from the poll the longer one set.
        sooner = source.last_polled_at + datetime.timedelta(minutes=source.interval_minutes)
        source.next_poll_at = min(source.next_poll_at, sooner)
    source.save()
    audit.record("monitoring.source", actor_id=actor_id, object_type="source", object_id=source.pk)
    if source.is_active:
        _schedule(source)
    return source


@transaction.atomic
def poll_soon(source: Source, *, actor_id: int | None) -> None:
    """Ask the worker to read this source at its next pass (nothing is fetched here)."""
    if not source.is_active:
        raise RuleError(_("This source is paused; resume it first."))
    source.next_poll_at = clock.now()  # _schedule reads it: now, not the time it had
    Source.objects.filter(pk=source.pk).update(next_poll_at=source.next_poll_at)
    _schedule(source)


def revive_overdue() -> int:
    """Queue a read of every active source long past its polling time: its task chain was
    lost (a worker killed mid-task, a restored backup). Only schedules; the worker fetches.
    A chain that is alive after all finds the source claimed and ends (polling.py)."""
    late = clock.now() - datetime.timedelta(minutes=OVERDUE_MINUTES)
    overdue = list(
        Source.objects.filter(is_active=True, next_poll_at__lt=late).values_list("pk", flat=True)
    )
    if overdue:
        from .tasks import poll_source

        for source_id in overdue:
            poll_source.enqueue(source_id)
    return len(overdue)


def _schedule(source: Source) -> None:
    """Queue the source's next read: now, or at its next polling time where that is later
    (an edit): a task that finds it not yet due ends with no successor."""
    from .tasks import poll_source

    due = source.next_poll_at
    if due is not None and due > clock.now():
        transaction.on_commit(lambda: poll_source.using(run_after=due).enqueue(source.pk))
    else:
        transaction.on_commit(lambda: poll_source.enqueue(source.pk))
