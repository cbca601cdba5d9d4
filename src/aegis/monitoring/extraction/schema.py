"""The HRDsAttack record schema: reading an input `sample` and writing a predicted
`merged_sample` with the dataset's field names and label strings (year "2021.0", month "02",
day "26.0", "None" for an unknown place, as the annotation files spell them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .types import Extraction, VictimGuess


def text_field(sample: dict[str, Any], key: str) -> str:
    """A text field of an input `sample` ("Input.title", "Input.article_interface"): a
    missing, null or non-text value (a number, a list) reads as no text, so one malformed
    record gives an empty prediction instead of stopping the whole file."""
    value = sample.get(key)
    return value if isinstance(value, str) else ""


def given_victims(record: dict[str, Any]) -> list[tuple[int, str]]:
    """The victims an input record names in `merged_sample.victims` (`--given-victims`):
    each one's `victim_idx` (its place in the list, from 1, where it has none) and its name
    as written (the scorer keys answers by the exact name). Entries that are not a victim
    with a name in text (a group with no name: null) are passed over, and the others keep
    their own idx, so an answer pairs with its victim by idx as by name."""
    merged = record.get("merged_sample")
    victims = merged.get("victims") if isinstance(merged, dict) else None
    if not isinstance(victims, list):
        return []
    return [
        (_idx(v.get("victim_idx"), place), v["victim_name"])
        for place, v in enumerate(victims, start=1)
        if isinstance(v, dict)
        and isinstance(v.get("victim_name"), str)
        and v["victim_name"].strip()
    ]


def _idx(given: Any, place: int) -> int:
    return given if isinstance(given, int) and not isinstance(given, bool) else place


def publish_date(sample: dict[str, Any]) -> date | None:
    """The sample's publish date: "2021-03-08 23:00:34" as the dataset writes it (a time zone
    or fraction after it ignored), or ISO 8601's "2021-03-08T23:00:34Z"; None otherwise."""
    raw = text_field(sample, "Input.publish_date").strip()
    for layout in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw[: len("2020-01-01 00:00:00")], layout).date()
        except ValueError:
            continue
    return None


def victim_record(index: int, victim: VictimGuess) -> dict[str, Any]:
    return {
        "victim_idx": index,
        "victim_population_type": victim.population_type,
        "victim_name": victim.name or None,
        "victim_keywords": None,  # the dataset's null, never ""
        "victim_type": list(victim.victim_types),
        "victim_sex_type": victim.sex,
        "victim_age_group": victim.age_group,
    }


def merged_sample(extraction: Extraction) -> dict[str, Any]:
    """The dataset's `merged_sample` for an extraction."""
    year, month, day = extraction.year.value, extraction.month.value, extraction.day.value
    mentioned = bool(extraction.perpetrator_mention.value)
    return {
        "perpetrator_mention": mentioned,
        # No type where no perpetrator is mentioned, as the dataset writes it (33 of 33).
        "perpetrator_type": extraction.perpetrator_type.value if mentioned else None,
        # In alphabetical order, as the dataset writes them, not by confidence (a set to the
        # scorer).
        "violation_types": sorted(g.value for g in extraction.violation_types) or ["unknown"],
        "year": f"{year}.0" if year is not None else None,
        "month": f"{month:02d}" if month is not None else None,
        "date": f"{day}.0" if day is not None else None,
        "city": extraction.city.value or "None",
        "region": extraction.region.value or "None",
        "country": extraction.country.value or "None",
        "victims": [victim_record(i, v) for i, v in enumerate(extraction.victims, start=1)],
    }
