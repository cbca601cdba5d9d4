"""What the extractor proposes for one article: every value with the sentence it came from and
a confidence in [0, 1], so that an analyst sees why and the queue can rank by it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Guess(Generic[T]):
    """One proposed value. `sentence` is the article's sentence it was read from ("" where the
    value comes from the whole article, e.g. a classifier over the text, or from the publish
    date)."""

    value: T
    confidence: float = 0.0
    sentence: str = ""


@dataclass(frozen=True)
class VictimGuess:
    """One victim named (or described) in the article. Labels are the dataset's
    (dataset_labels.VICTIM_TYPES, POPULATION_TYPES, SEXES, AGE_GROUPS)."""

    name: str
    victim_types: tuple[str, ...] = ("insufficient information",)
    population_type: str = "individual"
    sex: str = "unknown"
    age_group: str = "adult"
    sentence: str = ""
    confidence: float = 0.0
    # The age in years the article gives beside the name, if any (the dataset's age groups
    # say only adult or child; an incident records Aegis's bands).
    age: int | None = None


@dataclass(frozen=True)
class Extraction:
    """The structured proposal for one article, in the HRDsAttack vocabulary (labels.py maps
    it to Aegis's own). `is_attack` says whether it reports an attack on a defender at all;
    `confidence` is the proposal's rank in the analyst queue."""

    is_attack: bool
    confidence: float
    perpetrator_mention: Guess[bool]
    perpetrator_type: Guess[str | None]
    violation_types: tuple[Guess[str], ...]
    victims: tuple[VictimGuess, ...]
    country: Guess[str | None]
    region: Guess[str | None]
    city: Guess[str | None]
    year: Guess[int | None]
    month: Guess[int | None]
    day: Guess[int | None]
    notes: tuple[str, ...] = field(default=())
