"""The HRDsAttack dataset's label strings, exactly as its files spell them: what the model
learns and proposes. No Django here, so that the extraction child (child.py) starts without
it; their mapping to Aegis's vocabularies is labels.py's, which the web side reads."""

from __future__ import annotations

VIOLATION_TYPES = (
    "arbitrary detention",
    "enforced disappearance",
    "kidnapping",
    "killing",
    "torture",
    "other",
)
# Said of an article where no violation type could be told; never together with another.
UNKNOWN_VIOLATION = "unknown"

PERPETRATOR_TYPES = (
    "state actor",
    "other state actors",
    "other actors with permissions",
    "other actors without permissions",
    "other non-state actors",
    "regional orgs",
    "insufficient info",
)

VICTIM_TYPES = ("human rights defender", "journalist", "trade unionist")
INSUFFICIENT = "insufficient information"
POPULATION_TYPES = ("individual", "multiple")
SEXES = ("man", "woman", "other", "unknown")
AGE_GROUPS = ("adult", "child", "other", "unknown")
