"""What a new version of a safety plan is made from, and the rules it must follow.

The pages and the API both build a `PlanDraft`; `problems()` lists everything wrong with it
in plain words, keyed by field ("contacts.2.email"), so nothing half-valid is ever saved."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from aegis.text import has_control_characters, has_disguising_characters

from . import duress
from .vocabulary import (
    CHECKIN_GRACE_MAX_MINUTES,
    CHECKIN_INTERVAL_MAX_HOURS,
    DEFAULT_GRACE_MINUTES,
    DURESS_MAX,
    DURESS_MIN,
    LINE_MAX,
    MAX_CONTACTS,
    NAME_MAX,
    SAFE_PLACES_MAX,
    SCENARIO_TEXT_MAX,
    PlanLanguage,
    ScenarioKind,
)

_PHONE = re.compile(r"^\+?[\d\s().\-/]{6,32}$")
KEEP = None  # a draft's duress_word of None keeps the previous version's word


@dataclass
class ContactDraft:
    name: str = ""
    relation: str = ""
    phone: str = ""
    email: str = ""
    signal: str = ""
    other_channel: str = ""
    language: str = ""  # empty: the plan's language

    TEXTS = ("name", "relation", "phone", "email", "signal", "other_channel")

    def is_empty(self) -> bool:
        return not any(getattr(self, name).strip() for name in self.TEXTS)


@dataclass
class ScenarioDraft:
    kind: str
    steps: str = ""
    whom_to_call: str = ""
    what_to_carry: str = ""

    TEXTS = ("steps", "whom_to_call", "what_to_carry")

    def is_empty(self) -> bool:
        return not any(getattr(self, name).strip() for name in self.TEXTS)


@dataclass
class PlanDraft:
    language: str = PlanLanguage.EN
    contacts: list[ContactDraft] = field(default_factory=list)
    checkin_interval_hours: int | None = None
    checkin_grace_minutes: int = DEFAULT_GRACE_MINUTES
    quiet_from: time | None = None
    quiet_until: time | None = None
    duress_word: str | None = KEEP  # "" removes it
    safe_places: str = ""
    scenarios: list[ScenarioDraft] = field(default_factory=list)

    def filled_contacts(self) -> list[ContactDraft]:
        return [c for c in self.contacts if not c.is_empty()]

    def filled_scenarios(self) -> list[ScenarioDraft]:
        return [s for s in self.scenarios if not s.is_empty()]


class Problems(dict[str, list[str]]):
    def add(self, where: str, message: str) -> None:
        self.setdefault(where, []).append(message)


def _text(problems: Problems, where: str, value: Any, limit: int) -> None:
    if not isinstance(value, str):
        problems.add(where, _("This must be text."))
        return
    if "\x00" in value:
        problems.add(where, _("This text contains a null character. Type it again."))
    elif has_disguising_characters(value) or has_control_characters(value):
        problems.add(
            where,
            _("This text contains hidden or control characters. Type it again without them."),
        )
    if len(value) > limit:
        problems.add(
            where,
            _("This text is too long: at most %(limit)s characters (it has %(length)s).")
            % {"limit": limit, "length": len(value)},
        )


def _contact(problems: Problems, where: str, contact: ContactDraft) -> None:
    shape = Problems()
    for name in ContactDraft.TEXTS:
        _text(shape, f"{where}.{name}", getattr(contact, name), LINE_MAX)
    if shape:  # the rules below read the texts, so only once they are sound
        problems.update(shape)
        return
    if not contact.name.strip():
        problems.add(f"{where}.name", _("Give the contact's name."))
    if len(contact.name) > NAME_MAX:
        problems.add(f"{where}.name", _("The name is too long."))
    channels = (contact.phone, contact.email, contact.signal, contact.other_channel)
    if not any(c.strip() for c in channels):
        problems.add(
            f"{where}.phone",
            _("Give at least one way to reach this contact: phone, email, Signal or other."),
        )
    if contact.phone.strip() and not _PHONE.match(contact.phone.strip()):
        problems.add(
            f"{where}.phone", _("Write the phone number with digits, e.g. +57 310 555 0142.")
        )
    if contact.email.strip():
        try:
            validate_email(contact.email.strip())
        except ValidationError:
            problems.add(f"{where}.email", _("This is not an email address."))
    if contact.language and contact.language not in PlanLanguage.values:
        problems.add(f"{where}.language", _("Choose one of the languages offered."))


def _schedule(problems: Problems, draft: PlanDraft) -> None:
    interval, grace = draft.checkin_interval_hours, draft.checkin_grace_minutes
    if interval is not None and not (1 <= interval <= CHECKIN_INTERVAL_MAX_HOURS):
        problems.add(
            "checkin_interval_hours",
            _("Check in every 1 to %(max)s hours, or leave it empty for no regular check-in.")
            % {"max": CHECKIN_INTERVAL_MAX_HOURS},
        )
    if not (0 <= grace <= CHECKIN_GRACE_MAX_MINUTES):
        problems.add(
            "checkin_grace_minutes",
            _("The grace period is 0 to %(max)s minutes.") % {"max": CHECKIN_GRACE_MAX_MINUTES},
        )
    if any(
        t is not None and t.utcoffset() is not None for t in (draft.quiet_from, draft.quiet_until)
    ):
        # Quiet hours are wall-clock times read in the instance's zone: an offset would be
        # dropped, and the hours shifted without a word.
        problems.add(
            "quiet_from",
            _("Give the quiet hours without a time zone: they are read in the time zone %(zone)s.")
            % {"zone": quiet_hours_zone()},
        )
    elif (draft.quiet_from is None) != (draft.quiet_until is None):
        problems.add("quiet_from", _("Give both the start and the end of the quiet hours."))
    elif draft.quiet_from is not None and draft.quiet_from == draft.quiet_until:
        problems.add("quiet_from", _("The quiet hours start and end at the same time."))


def quiet_hours_zone() -> str:
    """The time zone quiet hours are read in: the instance's (AEGIS_TIME_ZONE), where the
    alert worker compares them with the time (alerts.checkins), whatever zone a page shows
    other times in. Every page and answer that shows quiet hours names it."""
    return timezone.get_default_timezone_name()


def problems(draft: PlanDraft) -> Problems:
    """Everything wrong with a draft (empty when it may be saved)."""
    found = Problems()
    if draft.language not in PlanLanguage.values:
        found.add("language", _("Choose one of the languages offered."))
    filled = draft.filled_contacts()
    if len(filled) > MAX_CONTACTS:
        found.add(
            "contacts",
            _("A plan has at most %(max)s emergency contacts; you gave %(count)s.")
            % {"max": MAX_CONTACTS, "count": len(filled)},
        )
    else:
        for position, contact in enumerate(draft.contacts):
            if not contact.is_empty():
                _contact(found, f"contacts.{position}", contact)
    _schedule(found, draft)
    if draft.duress_word:
        _text(found, "duress_word", draft.duress_word, DURESS_MAX)
        if "duress_word" not in found and len(duress.normalised(draft.duress_word)) < DURESS_MIN:
            found.add(
                "duress_word",
                _("The duress word needs at least %(min)s letters or digits.")
                % {"min": DURESS_MIN},
            )
    _text(found, "safe_places", draft.safe_places, SAFE_PLACES_MAX)
    kinds = [s.kind for s in draft.scenarios]
    if len(set(kinds)) != len(kinds) or not set(kinds) <= set(ScenarioKind.values):
        found.add("scenarios", _("Each scenario is one of the six kinds, given at most once."))
    else:
        for scenario in draft.scenarios:
            for name in ScenarioDraft.TEXTS:
                _text(
                    found,
                    f"scenarios.{scenario.kind}.{name}",
                    getattr(scenario, name),
                    SCENARIO_TEXT_MAX,
                )
    return found
