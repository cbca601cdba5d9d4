"""Input rules of the support network, shared by the services (web and API alike)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from aegis import clock, places, rules
from aegis.cases import services as cases
from aegis.rules import RuleError

LINE = 200
TEXT = 20_000


def line(value: Any, field: str, label: Any, *, required: bool = False, limit: int = LINE) -> str:
    found = rules.text("" if value is None else value, field, label, limit=limit, line=True)
    if required and not found:
        raise RuleError(_("%(label)s is required.") % {"label": label}, field)
    return found


def text(value: Any, field: str, label: Any, *, required: bool = False) -> str:
    found = rules.text("" if value is None else value, field, label, limit=TEXT)
    if required and not found:
        raise RuleError(_("%(label)s is required.") % {"label": label}, field)
    return found


def codes(values: Iterable[Any] | str, choices: Any, field: str, label: Any) -> list[str]:
    """Coded values (a list, or comma-separated text), each once, each one of `choices`."""
    items = values.split(",") if isinstance(values, str) else list(values or [])
    found = [str(v).strip() for v in items if str(v).strip()]
    for value in found:
        rules.choice(value, choices, field, label)
    return list(dict.fromkeys(found))


def one_code(value: Any, choices: Any, field: str, label: Any) -> str:
    """One coded value of `choices`, trimmed. Blank or unknown (a status, a kind) is the same
    RuleError `codes` gives for an unknown value."""
    return rules.choice("" if value is None else str(value).strip(), choices, field, label)


def countries(values: Iterable[Any] | str, field: str = "countries") -> list[str]:
    items = values.split(",") if isinstance(values, str) else list(values or [])
    found = [str(v).strip().upper() for v in items if str(v).strip()]
    for code in found:
        if not places.is_country(code):
            raise RuleError(
                _("Unknown country %(code)s: choose countries from the list.") % {"code": code[:8]},
                field,
            )
    return list(dict.fromkeys(found))


def regions(values: Iterable[Any] | str, in_countries: list[str]) -> list[str]:
    items = values.split(",") if isinstance(values, str) else list(values or [])
    found = [str(v).strip().upper() for v in items if str(v).strip()]
    for code in found:
        if not any(places.is_region_of(code, c) for c in in_countries):
            raise RuleError(
                _("%(code)s is not a region of the countries chosen.") % {"code": code[:12]},
                "regions",
            )
    return list(dict.fromkeys(found))


def languages(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    return cases.check_languages(str(value or ""))


def future_date(value: Any, field: str, label: Any, *, required: bool = False) -> date | None:
    """A date today or later (a re-vetting date, a follow-up date), else a RuleError."""
    if value in (None, ""):
        if required:
            raise RuleError(_("%(label)s is required.") % {"label": label}, field)
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise RuleError(
                _("%(label)s: enter a date as YYYY-MM-DD.") % {"label": label}, field
            ) from None
    if not isinstance(value, date):
        raise RuleError(_("%(label)s: enter a date as YYYY-MM-DD.") % {"label": label}, field)
    if value < clock.today():
        raise RuleError(
            _("%(label)s cannot be in the past.") % {"label": label},
            field,
        )
    rules.within_years(value, field, label, back=0, ahead=10)  # 9999-12-31 had been taken
    return value


def count(value: Any, field: str, label: Any, *, low: int, high: int) -> int:
    try:
        found = int(str(value).strip())
    except (TypeError, ValueError):
        found = None
    if found is None or not low <= found <= high:
        raise RuleError(
            _("%(label)s: enter a whole number from %(low)s to %(high)s.")
            % {"label": label, "low": low, "high": high},
            field,
        )
    return found
