"""The one error a broken rule raises, and the checks every area applies to what people type.

Services raise `RuleError`; pages show its message on the input it names (`show_on`), the
API answers it with the message and the input (`aegis.api`), the command line prints the
message and exits non-zero (`aegis.cli`). A message is for the person who typed the value,
already in their language."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock, places
from aegis.text import (
    breaks_lines,
    changes_direction,
    has_control_characters,
    hides_in_a_line,
    shows_nothing,
)


class RuleError(ValueError):
    """Input or a request that breaks a rule: `message` for people, `field` the input it is
    about (None: the whole request), `row` the line counted from 0 when the input is one of
    several (steps, threats, rows of an import)."""

    def __init__(self, message: Any, field: str | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.row = row

    def __str__(self) -> str:
        return str(self.message)


class Conflict(RuleError):
    """A request the record's present state refuses, well formed as it is: a step that is not
    possible now, or something done or recorded already. Pages show it as any broken rule;
    the API answers it with 409, HTTP's word for it, so that a client can tell "change the
    request" (400) from "the record has moved on" (409)."""


class NotFound(RuleError):
    """A record the request names, beside the one it acts on, that does not exist or is not
    one the caller may see (a case, an incident, a victim of the act): the API answers 404, as
    for the record of its address, and says which."""


class NotAllowed(RuleError):
    """A step this person may not take, whatever they send: the writer approving their own
    communication, anyone but a coordinator vetting a provider. The API answers 403."""


def show_on(form: Any, error: RuleError) -> None:
    """The error on the form's input it names, or above the form when it names none the form
    has."""
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


@contextmanager
def refusal_on(form: Any) -> Iterator[None]:
    """For a page that writes what its form was sent with: a broken rule raised in the block
    ends it and is shown on the form (`show_on`), so the page is shown again; what follows the
    write in the block (its success message, the redirect) runs only when nothing was refused."""
    try:
        yield
    except RuleError as refused:
        show_on(form, refused)


@contextmanager
def flash_refusal(request: Any) -> Iterator[None]:
    """For a page that acts and redirects: a broken rule raised in the block ends it and is
    shown as an error message on the next page; what follows the write in the block (its
    success message) is shown only when nothing was refused."""
    try:
        yield
    except RuleError as refused:
        messages.error(request, str(refused))


@contextmanager
def named_as(names: dict[str, str]) -> Iterator[None]:
    """For an API operation whose service names the page form's inputs: a broken rule raised
    in the block names the body's field instead (`provider` → `provider_id`)."""
    try:
        yield
    except RuleError as refused:
        refused.field = names.get(refused.field or "", refused.field)
        raise


def refuse_a_stale_page(form: Any, current: str, message: Any) -> None:
    """For a form whose hidden `seen` holds the record's state as its page showed it (a
    status, the time of its last save): where the record has moved on since, a
    ValidationError saying `message`, and the form drawn again on `current`, so that sent
    again from the page that said so, it is taken. A page without `seen` is not checked."""
    seen = form.cleaned_data.get("seen")
    if seen and current and seen != current:
        data = form.data.copy()
        data["seen"] = current
        form.data = data
        raise ValidationError(message)


class StalePageForm(forms.Form):
    """A form whose page showed a record in a state (`current`: a status, a version, the
    time of its last save), carried back in the hidden `seen`: where the record moved on
    since, the save is refused with `stale_message()` and the form drawn again on the
    present state (refuse_a_stale_page). A `current` of "" checks nothing."""

    seen = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, current: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        self.fields["seen"].initial = current

    def stale_message(self) -> Any:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        refuse_a_stale_page(self, self.current, self.stale_message())
        return cleaned


# --- Checks -------------------------------------------------------------------------------


def text(
    value: Any, field: str, label: Any, *, limit: int, line: bool = False, row: int | None = None
) -> str:
    """The value stripped, or a RuleError: not text, control characters, longer than `limit`;
    for a `line`, also a line break or characters that change the reading direction."""
    if not isinstance(value, str):
        raise RuleError(_("%(label)s: expected text.") % {"label": label}, field, row)
    if has_control_characters(value):
        raise RuleError(
            _("%(label)s contains invisible control characters.") % {"label": label}, field, row
        )
    if line and breaks_lines(value):
        raise RuleError(_("%(label)s must fit on one line.") % {"label": label}, field, row)
    if line and changes_direction(value):
        raise RuleError(
            _("%(label)s contains hidden characters that change the reading direction.")
            % {"label": label},
            field,
            row,
        )
    if line and hides_in_a_line(value):
        raise RuleError(
            _("%(label)s contains characters that are not shown (such as a zero-width space).")
            % {"label": label},
            field,
            row,
        )
    value = "" if shows_nothing(value) else value.strip()
    if len(value) > limit:
        raise RuleError(
            _("%(label)s is too long (%(length)s characters; at most %(limit)s).")
            % {
                "label": label,
                "length": number_format(len(value), force_grouping=True),
                "limit": number_format(limit, force_grouping=True),
            },
            field,
            row,
        )
    return value


def choice(value: Any, choices: Any, field: str, label: Any, row: int | None = None) -> str:
    """The value when it is one of `choices` (a Django TextChoices), else a RuleError."""
    if value not in choices.values:
        raise RuleError(
            _("%(label)s: choose one of the listed values.") % {"label": label}, field, row
        )
    return str(value)


@dataclass(frozen=True)
class PlaceWords:
    """How a refused place is explained: staff pages and the public intake form word it
    differently. `elsewhere` may name %(region)s and %(country)s."""

    unknown_country: Any
    no_country: Any
    elsewhere: Any
    no_country_field: str = "country"


STAFF_PLACE = PlaceWords(
    unknown_country=gettext_lazy("Choose a country from the list."),
    no_country=gettext_lazy("Choose the country of this region."),
    elsewhere=gettext_lazy("This region is not a first-level region of the country chosen."),
)


def place(country: Any, region: Any, words: PlaceWords = STAFF_PLACE) -> tuple[str, str]:
    """(country, region) as upper-case ISO codes, both possibly empty; a RuleError when the
    country is unknown, or the region is not a first-level region of the country."""
    country = (country or "").strip().upper()
    region = (region or "").strip().upper()
    if country and not places.is_country(country):
        raise RuleError(str(words.unknown_country), "country")
    if region and not country:
        raise RuleError(str(words.no_country), words.no_country_field)
    if region and not places.is_region_of(region, country):
        message = str(words.elsewhere)
        if "%(" in message:
            message = message % {"region": region, "country": places.country_name(country)}
        raise RuleError(message, "region")
    return country, region


def within_years(
    day: Any, field: str, label: Any, *, back: int, ahead: int, row: int | None = None
) -> None:
    """A RuleError when `day` lies more than `back` years before today or `ahead` years after
    it: a mistyped year (0001, 9999) that would make a task overdue for ever or a vetting
    that never runs out."""
    if not isinstance(day, datetime.date):
        return
    today = clock.today()
    if not (
        today - datetime.timedelta(days=365 * back)
        <= day
        <= today + datetime.timedelta(days=365 * ahead)
    ):
        raise RuleError(
            _("%(label)s: %(day)s is far from today; check the year.")
            % {"label": label, "day": day.isoformat()},
            field,
            row,
        )
