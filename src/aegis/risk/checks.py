"""Input checks of the risk services: text and choices are the shared ones of aegis.rules;
ratings and whole numbers are risk's own. Every refusal is a RuleError whose message is for
the person who typed the value."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from aegis.rules import RuleError, choice, text

from . import compute

TITLE_MAX = 200
TEXT_MAX = 20_000
PERPETRATOR_IDENTITY_MAX = TITLE_MAX * 5

__all__ = ["PERPETRATOR_IDENTITY_MAX", "TEXT_MAX", "TITLE_MAX", "choice", "rating", "text", "whole"]


def rating(value: Any, field: str, label: str, row: int | None = None) -> int:
    try:
        return compute.check_rating(value, field)
    except RuleError as error:
        raise RuleError(f"{label}: {error.message}", field, row) from error


def whole(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RuleError(
            _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}, field
        )
    return value
