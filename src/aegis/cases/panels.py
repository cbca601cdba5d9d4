"""Panels other apps add to the case page and the search page. Incidents and evidence build on
cases, so cases cannot import them: each registers its panels from its AppConfig.ready, and
the page shows them in `order`, each through the registering app's own template.

A case panel's `content(user, case)` answers what its template shows; a search panel's
`content(user, text, cases=..., limit=...)` answers the matches (the cases already found
among them). The template receives the answer as `content`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CASE = "case"
SEARCH = "search"


@dataclass(frozen=True)
class Panel:
    page: str  # CASE or SEARCH
    template: str
    content: Callable[..., Any]
    order: int = 0


@dataclass(frozen=True)
class Shown:
    template: str
    content: Any


_panels: list[Panel] = []


def register(panel: Panel) -> None:
    """Add a panel; registering the same page and template again replaces it."""
    _panels[:] = [p for p in _panels if (p.page, p.template) != (panel.page, panel.template)]
    _panels.append(panel)


def _of(page: str) -> list[Panel]:
    return sorted((p for p in _panels if p.page == page), key=lambda p: p.order)


def case_panels(user: Any, case: Any) -> list[Shown]:
    return [Shown(p.template, p.content(user, case)) for p in _of(CASE)]


def search_panels(user: Any, text: str, *, cases: Any, limit: int) -> list[Shown]:
    return [Shown(p.template, p.content(user, text, cases=cases, limit=limit)) for p in _of(SEARCH)]
