"""The one clock that rules, review dates and deadlines read. Tests set it with `frozen`, so
nothing waits on the wall clock."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator

from django.utils import timezone

_frozen: datetime.datetime | None = None


def now() -> datetime.datetime:
    return _frozen if _frozen is not None else timezone.now()


def today() -> datetime.date:
    return timezone.localdate(now())


@contextlib.contextmanager
def frozen(at: datetime.datetime) -> Iterator[None]:
    """Within the block, now() is `at` (timezone-aware)."""
    global _frozen
    previous, _frozen = _frozen, at
    try:
        yield
    finally:
        _frozen = previous


def advance(delta: datetime.timedelta) -> None:
    """Move a frozen clock forward (only inside `frozen`)."""
    global _frozen
    if _frozen is None:
        raise RuntimeError("advance() only works inside clock.frozen()")
    _frozen += delta
