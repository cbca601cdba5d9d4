"""The organisation's risk configuration, kept by the administrator: level thresholds,
review intervals, the pattern window (RiskSettings) and the checklist of vulnerabilities and
capacities. Changes apply to new assessments only; each is audited."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aegis.audit import services as audit
from aegis.rules import RuleError

from . import compute
from .checks import TITLE_MAX, choice, text, whole
from .models import ChecklistItem, RiskSettings
from .vocabulary import DEFAULT_CHECKLIST, Amplifier, Category, ChecklistKind, Level

MAX_REVIEW_DAYS = 3650
MAX_WINDOW_DAYS = 365
MAX_MIN_COUNT = 1000


def risk_settings() -> RiskSettings:
    """The organisation's risk settings, created with the defaults on first use."""
    settings, _created = RiskSettings.objects.get_or_create(pk=1)
    return settings


SETTINGS_FIELDS = (
    "moderate_from",
    "high_from",
    "critical_from",
    "review_days_low",
    "review_days_moderate",
    "review_days_high",
    "review_days_critical",
    "pattern_window_days",
    "pattern_min_count",
)


def _threshold(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise RuleError(_("A threshold is a number, such as 20 or 12.5."), field) from error
    if not number.is_finite() or number <= 0 or number > compute.MAX_SCORE:
        raise RuleError(
            _("A threshold lies above 0 and at most %(max)s, the highest possible risk.")
            % {"max": int(compute.MAX_SCORE)},
            field,
        )
    if number != number.quantize(compute.TWO_PLACES):
        raise RuleError(_("Give a threshold with at most two decimals."), field)
    return number


@transaction.atomic
def update_settings(*, actor_id: int | None, **values: Any) -> RiskSettings:
    """Change thresholds, review intervals or the pattern window. Assessments already made
    keep the level they were given."""
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown risk settings: {', '.join(sorted(unknown))}")
    settings = RiskSettings.objects.select_for_update().get(pk=risk_settings().pk)
    merged = {name: values.get(name, getattr(settings, name)) for name in SETTINGS_FIELDS}
    moderate = _threshold(merged["moderate_from"], "moderate_from")
    high = _threshold(merged["high_from"], "high_from")
    critical = _threshold(merged["critical_from"], "critical_from")
    if not moderate < high:
        raise RuleError(_("The high threshold must be above the moderate one."), "high_from")
    if not high < critical:
        raise RuleError(_("The critical threshold must be above the high one."), "critical_from")
    days = [
        whole(merged[f"review_days_{level}"], f"review_days_{level}", 1, MAX_REVIEW_DAYS)
        for level in Level.values
    ]
    if days != sorted(days, reverse=True):
        raise RuleError(
            _("A higher level must be reviewed sooner: give it no more days than a lower one."),
            "review_days_critical",
        )
    settings.moderate_from, settings.high_from, settings.critical_from = moderate, high, critical
    (
        settings.review_days_low,
        settings.review_days_moderate,
        settings.review_days_high,
        settings.review_days_critical,
    ) = days
    settings.pattern_window_days = whole(
        merged["pattern_window_days"], "pattern_window_days", 1, MAX_WINDOW_DAYS
    )
    settings.pattern_min_count = whole(
        merged["pattern_min_count"], "pattern_min_count", 2, MAX_MIN_COUNT
    )
    settings.save()
    audit.record("record.update", actor_id=actor_id, object_type="risk_settings", object_id=1)
    return settings


# --- Checklist ----------------------------------------------------------------------------


@transaction.atomic
def seed_checklist() -> int:
    """The default vulnerabilities and capacities, if the checklist has never had any."""
    if ChecklistItem.objects.exists():
        return 0
    # Two first uses at once: the settings row is the lock, so only one of them seeds.
    RiskSettings.objects.select_for_update().filter(pk=risk_settings().pk).first()
    if ChecklistItem.objects.exists():
        return 0
    ChecklistItem.objects.bulk_create(
        ChecklistItem(kind=kind, category=category, amplifier=amplifier, label=label, position=n)
        for n, (kind, category, amplifier, label) in enumerate(DEFAULT_CHECKLIST)
    )
    return len(DEFAULT_CHECKLIST)


def checklist() -> list[ChecklistItem]:
    """The active items, seeding the default list on first use."""
    seed_checklist()
    return list(ChecklistItem.objects.filter(active=True))


def _item_fields(fields: dict[str, Any]) -> dict[str, Any]:
    label = text(fields["label"], "label", _("The label"), limit=TITLE_MAX, line=True)
    if not label:
        raise RuleError(_("Write what the item is about."), "label")
    return {
        "kind": choice(fields["kind"], ChecklistKind, "kind", _("Kind")),
        "category": choice(fields["category"], Category, "category", _("Category")),
        "amplifier": choice(fields["amplifier"], Amplifier, "amplifier", _("Amplifies risk for")),
        "label": label,
        "active": bool(fields.get("active", True)),
        "position": whole(fields.get("position", 0), "position", 0, 10_000),
    }


@transaction.atomic
def add_checklist_item(*, actor_id: int | None, **fields: Any) -> ChecklistItem:
    seed_checklist()  # the defaults first, so they are not skipped for good
    item = ChecklistItem.objects.create(**_item_fields(fields))
    audit.record(
        "record.create", actor_id=actor_id, object_type="risk_checklist_item", object_id=item.pk
    )
    return item


@transaction.atomic
def update_checklist_item(item: ChecklistItem, *, actor_id: int | None, **fields: Any) -> None:
    current = {name: getattr(item, name) for name in ("kind", "category", "amplifier", "label")}
    current.update(active=item.active, position=item.position)
    for name, value in _item_fields({**current, **fields}).items():
        setattr(item, name, value)
    item.save()
    audit.record(
        "record.update", actor_id=actor_id, object_type="risk_checklist_item", object_id=item.pk
    )
