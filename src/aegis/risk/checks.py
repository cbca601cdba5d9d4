"""Input checks shared by the risk services: every refusal is a RiskRuleError whose message
is for the person who typed the value."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from aegis.text import has_control_characters, has_disguising_characters

from . import compute

TITLE_MAX = 200
TEXT_MAX = 20_000


class RiskRuleError(ValueError):
    """Input that breaks a rule. `field` names the input; `row` the threat or response
    (counted from 0) when the input is one of several."""

    def __init__(self, message: str, field: str | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.row = row


def text(
    value: Any, field: str, label: str, *, limit: int, line: bool = False, row: int | None = None
) -> str:
    if not isinstance(value, str):
        raise RiskRuleError(_("%(label)s: expected text.") % {"label": label}, field, row)
    if has_control_characters(value):
        raise RiskRuleError(
            _("%(label)s contains invisible control characters.") % {"label": label}, field, row
        )
    if line and ("\n" in value or "\r" in value):
        raise RiskRuleError(_("%(label)s must fit on one line.") % {"label": label}, field, row)
    if line and has_disguising_characters(value):
        raise RiskRuleError(
            _("%(label)s contains hidden characters that change the reading direction.")
            % {"label": label},
            field,
            row,
        )
    value = value.strip()
    if len(value) > limit:
        raise RiskRuleError(
            _("%(label)s is too long (%(length)s characters; at most %(limit)s).")
            % {"label": label, "length": f"{len(value):,}", "limit": f"{limit:,}"},
            field,
            row,
        )
    return value


def choice(value: Any, choices: Any, field: str, label: str, row: int | None = None) -> str:
    if value not in choices.values:
        raise RiskRuleError(
            _("%(label)s: choose one of the listed values.") % {"label": label}, field, row
        )
    return str(value)


def rating(value: Any, field: str, label: str, row: int | None = None) -> int:
    try:
        return compute.check_rating(value, field)
    except compute.RatingError as error:
        raise RiskRuleError(f"{label}: {error.message}", field, row) from error


def whole(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RiskRuleError(
            _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}, field
        )
    return value
