"""A given-name prior for a victim's sex where the article uses no pronoun for them: for each
given name (Latin script, lower-cased), the share of Faker's locales that list it as a man's
name among those that list it at all. The list ships as names/given_names.json (Faker's person
providers, MIT licence: names/LICENSE-faker.txt); it is rebuilt, with Faker installed, by

    python -m aegis.monitoring.extraction.given_names

A name in no list (many Chinese, Burmese, Tamil and Somali names) is itself a signal: the
annotators often left such a victim's sex "unknown"."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

PATH = Path(__file__).resolve().parent / "names" / "given_names.json"
LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f'\-]+$")


@cache
def male_share() -> dict[str, float]:
    data: dict[str, float] = json.loads(PATH.read_text())
    return data


def prior(name: str) -> float | None:
    """The share of lists naming `name` a man's (1.0: only men's; 0.0: only women's), or None
    where no list has it."""
    return male_share().get(name.lower().strip(".,'\u2019"))


def build() -> dict[str, float]:  # pragma: no cover - needs Faker, run by hand
    import importlib
    import pkgutil

    import faker.providers.person as people

    counts: dict[str, list[int]] = {}
    for module in pkgutil.iter_modules(people.__path__):
        provider = importlib.import_module(f"{people.__name__}.{module.name}").Provider
        for index, attribute in enumerate(("first_names_male", "first_names_female")):
            seen: set[str] = set()
            for full in getattr(provider, attribute, None) or ():
                for part in str(full).split():
                    if LATIN.match(part) and len(part) > 1:
                        seen.add(part.lower())
            for part in seen:
                counts.setdefault(part, [0, 0])[index] += 1
    return {name: round(m / (m + f), 3) for name, (m, f) in sorted(counts.items())}


if __name__ == "__main__":  # pragma: no cover
    PATH.write_text(json.dumps(build(), ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {PATH}")
