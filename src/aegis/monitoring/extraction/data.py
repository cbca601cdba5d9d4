"""Where the HRDsAttack data is: AEGIS_HRDSATTACK_DIR when set (and nowhere else then: a folder
named by hand is the one meant), else shared/data/hrdsattack beside the checkout (or a
worktree's main checkout), else /work/shared/data/hrdsattack. The data is never copied into
the repository (MIT licence, but it is the annotators' work, kept apart)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]


def dataset_dir() -> Path | None:
    given = os.environ.get("AEGIS_HRDSATTACK_DIR")
    places = (
        [Path(given)]
        if given
        else [
            REPO.parent / "shared/data/hrdsattack",
            REPO.parent.parent / "shared/data/hrdsattack",
            Path("/work/shared/data/hrdsattack"),
        ]
    )
    for place in places:
        if (place / "dev.json").is_file():
            return place
    return None
