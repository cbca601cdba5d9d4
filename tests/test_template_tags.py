"""Django reads a tag, variable or comment only when it opens and closes on one line; one
split over two lines is printed as it is (the advocacy sheet had shown
`{{ part.lines|join:"` in every row)."""

import re
from pathlib import Path

import aegis

ROOT = Path(aegis.__file__).parent
OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}


def _templates() -> list[Path]:
    return [
        p for p in ROOT.rglob("templates/**/*") if p.is_file() and p.suffix in (".html", ".txt")
    ]


def test_every_tag_opens_and_closes_on_one_line():
    templates = _templates()
    assert len(templates) > 100
    split = []
    for path in templates:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for opener, closer in OPENERS.items():
                # Each opener needs its closer later on the same line.
                for found in re.finditer(re.escape(opener), line):
                    if closer not in line[found.end() :]:
                        split.append(f"{path.relative_to(ROOT)}:{number}")
    assert split == []
