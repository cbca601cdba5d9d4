"""The organisation's choices for public statistics, read from settings or the environment
when asked (never at import time), so a test or an operator can change them:

* AEGIS_REPORTS_MIN_COUNT (k, default 5, at least 3): counts from 1 to k-1 are withheld;
* AEGIS_REPORTS_INCLUDE_UNVERIFIED (default off): count unverified incidents too, not only
  verified and corroborated ones. Both are shown on the public pages.
* AEGIS_REPORTS_RELEASE_PERIOD (month, quarter or year; default month): how often a new
  public release is made (on the first day of each period, holding what was recorded
  before it), so that no release follows a single change."""

from __future__ import annotations

import datetime
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_MIN_COUNT = 5
CONSENT_SCOPE = "public_statistics"  # cases.vocabulary.ConsentScope.PUBLIC_STATISTICS


def _setting(name: str) -> str:
    value = getattr(settings, f"AEGIS_{name}", None)
    if value is None:
        value = os.environ.get(f"AEGIS_{name}", "")
    return str(value)


def min_count() -> int:
    raw = _setting("REPORTS_MIN_COUNT").strip() or str(DEFAULT_MIN_COUNT)
    try:
        k = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"AEGIS_REPORTS_MIN_COUNT={raw!r} is not a number") from None
    if k < 3:
        # "fewer than 2" would say the count is exactly 1.
        raise ImproperlyConfigured("AEGIS_REPORTS_MIN_COUNT must be at least 3")
    return k


def include_unverified() -> bool:
    return _setting("REPORTS_INCLUDE_UNVERIFIED").strip().lower() in {"1", "true", "yes", "on"}


def counted_statuses() -> tuple[str, ...]:
    statuses = ("verified", "corroborated")
    return (*statuses, "unverified") if include_unverified() else statuses


PERIODS = {"month": 1, "quarter": 3, "year": 12}


def release_period() -> str:
    raw = _setting("REPORTS_RELEASE_PERIOD").strip().lower() or "month"
    if raw not in PERIODS:
        raise ImproperlyConfigured(
            f"AEGIS_REPORTS_RELEASE_PERIOD={raw!r} is not one of {', '.join(PERIODS)}"
        )
    return raw


def period_start(today: datetime.date) -> datetime.date:
    """The first day of the release period `today` is in."""
    months = PERIODS[release_period()]
    month = (today.month - 1) // months * months + 1
    return datetime.date(today.year, month, 1)
