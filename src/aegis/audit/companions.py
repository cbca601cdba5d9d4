"""Chains that other apps keep beside the audit log, checked with it: `aegis audit verify`
and the auditor's page check run each one registered here once the log itself verifies.

The apps that keep them are above audit, so they register a check from their AppConfig.ready
(evidence registers the chain of custody) instead of audit importing them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Progress = Callable[[int], object]


@dataclass(frozen=True)
class Companion:
    title: str  # what the chain is, in a sentence's first words: "Chain of custody"
    unit: str  # what it counts, plural: "events"
    count: Callable[[], int]  # how many rows a check walks (the progress bar's total)
    # Walks the chain: (rows checked, the first problem in words or None).
    verify: Callable[[Progress | None], tuple[int, str | None]]


_registry: dict[str, Companion] = {}


def register(companion: Companion) -> None:
    _registry[companion.title] = companion


def registered() -> list[Companion]:
    return list(_registry.values())


def first_problem(progress: Progress | None = None) -> str | None:
    """The first problem any registered chain reports, prefixed with its title; None when
    they all verify."""
    for companion in registered():
        _checked, problem = companion.verify(progress)
        if problem is not None:
            return f"{companion.title}: {problem}"
    return None
