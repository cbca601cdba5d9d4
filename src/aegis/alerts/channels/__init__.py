"""The alert channels, one module each in this package, and their registry.

A module here that defines a channel registers it (`@register`); every module of the
package is imported once, on first use of the registry, so adding a channel is one new
file (and its tests). The channel columns (PartnerOrganisation.channel, Delivery.channel)
hold any registered name; forms and services check names against the registry."""

from __future__ import annotations

import importlib
import pkgutil
import re
import threading
from typing import Any, TypeVar

from .base import AddressRefused, AlertChannel, AppriseChannel, SendResult

__all__ = [
    "AddressRefused",
    "AlertChannel",
    "AppriseChannel",
    "SendResult",
    "choices",
    "for_contacts",
    "get",
    "names",
    "register",
    "unregister",
]

NAME_MAX = 32  # the width of the channel columns
_NAME = re.compile(rf"^[a-z0-9_-]{{1,{NAME_MAX}}}$")

_registry: dict[str, AlertChannel] = {}
_loaded = False
_lock = threading.RLock()

C = TypeVar("C", bound=type[AlertChannel])


def register(cls: C) -> C:
    """Register a channel class under its name (usable as a class decorator). A second
    class under a name already taken is refused: names are stored in deliveries."""
    name = getattr(cls, "name", "")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"an alert channel's name is 1 to {NAME_MAX} of a-z 0-9 - _: {name!r}")
    with _lock:
        known = _registry.get(name)
        if known is not None and type(known) is not cls:
            raise ValueError(f"the alert channel {name!r} is already registered")
        _registry[name] = cls()
    return cls


def unregister(name: str) -> None:
    """Forget a channel (a test's own, once it is done)."""
    with _lock:
        _registry.pop(name, None)


def _load() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if not _loaded:
            for module in pkgutil.iter_modules(__path__):
                if module.name != "base" and not module.name.startswith("_"):
                    importlib.import_module(f"{__name__}.{module.name}")
            _loaded = True


def get(name: str) -> AlertChannel | None:
    """The channel registered under `name`, or None."""
    _load()
    return _registry.get(name)


def names() -> list[str]:
    _load()
    return list(_registry)


def choices() -> list[tuple[str, Any]]:
    """(name, label) of every channel, in the order of their positions."""
    _load()
    ordered = sorted(_registry.values(), key=lambda channel: channel.position)
    return [(channel.name, channel.label) for channel in ordered]


def for_contacts() -> list[AlertChannel]:
    """The channels that reach emergency contacts (at an address of their safety plan)."""
    _load()
    ordered = sorted(_registry.values(), key=lambda channel: channel.position)
    return [channel for channel in ordered if channel.contact_field]


def label(name: str) -> str:
    """A channel's label, or its bare name where no such channel is registered (a row
    written by a channel since removed)."""
    channel = get(name)
    return str(channel.label) if channel is not None else name
