"""A given-name prior for a victim's sex where the article uses no pronoun for them: for each
given name (Latin script, lower-cased), the share of Faker's locales that list it as a man's
name among those that list it at all. The list ships as names/given_names.json (Faker's person
providers, MIT licence: names/LICENSE-faker.txt); it is rebuilt, with Faker installed, by

    python -m aegis.monitoring.extraction.given_names

A name in no list (many Chinese, Burmese, Tamil and Somali names) is itself a signal: the
annotators often left such a victim's sex "unknown".

A second, wider prior (`female_share`) covers the Arabic, Persian, African and Asian given
names those lists lack ("Hareth", "Esraa", "Kyaw"): nomquamgender's name data (Van Buskirk et
al., MIT licence: names/LICENSE-nomquamgender.txt), the names it saw at least NQG_MIN_COUNT
times, shipped as names/name_gender.json and rebuilt, with nomquamgender installed, by

    python -m aegis.monitoring.extraction.given_names nomquamgender"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

PATH = Path(__file__).resolve().parent / "names" / "given_names.json"
NQG_PATH = PATH.with_name("name_gender.json")
# Names seen fewer times are mostly surnames and spelling noise; 100 kept the sex figures best
# among 10, 30, 100 and 300 (5-fold CV on train+dev).
NQG_MIN_COUNT = 100
LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f'\-]+$")


@cache
def male_share() -> dict[str, float]:
    data: dict[str, float] = json.loads(PATH.read_text())
    return data


def prior(name: str) -> float | None:
    """The share of lists naming `name` a man's (1.0: only men's; 0.0: only women's), or None
    where no list has it."""
    return male_share().get(name.lower().strip(".,'\u2019"))


@cache
def _female_shares() -> dict[str, float]:
    data: dict[str, float] = json.loads(NQG_PATH.read_text())
    return data


def female_share(name: str) -> float | None:
    """The share of people named `name` who are women in nomquamgender's data (1.0: all),
    or None where it has too few of them."""
    return _female_shares().get(name.lower().strip(".,'\u2019"))


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


def build_nomquamgender() -> dict[str, float]:  # pragma: no cover - needs nomquamgender
    from importlib.util import find_spec

    # Found, not imported (importing it needs pandas). Each entry: [sources, people counted,
    # share of women, uncertainty class].
    spec = find_spec("nomquamgender")
    assert spec is not None and spec.origin is not None, "nomquamgender is not installed"
    data = json.loads(Path(spec.origin).with_name("name_data.json").read_text())
    return {
        name: round(entry[2], 2)
        for name, entry in sorted(data.items())
        if entry[1] >= NQG_MIN_COUNT and LATIN.match(name) and name == name.lower()
    }


if __name__ == "__main__":  # pragma: no cover
    import sys

    which = sys.argv[1] if len(sys.argv) > 1 else "faker"
    path, built = (NQG_PATH, build_nomquamgender()) if which == "nomquamgender" else (PATH, build())
    path.write_text(json.dumps(built, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({len(built)} names)")
