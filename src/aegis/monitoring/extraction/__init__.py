"""Reading a news article into a proposed incident in the HRDsAttack schema (perpetrator,
violation types, victims, place, date), offline, on a CPU.

    from aegis.monitoring.extraction import extract
    proposal = extract(title, text, published)   # -> Extraction (types.py)

`text` may be plain text or the article's HTML. Labels are the dataset's (dataset_labels.py);
labels.py maps them to Aegis's vocabularies (aegis_violations, aegis_perpetrator), and is not
imported here: the extractor needs no Django (child.py starts without it). The trained model
ships in model/ as JSON and NPZ arrays; `aegis monitoring train --data DIR` rebuilds it."""

from __future__ import annotations

from .pipeline import describe_victims, extract
from .types import Extraction, Guess, VictimGuess

__all__ = [
    "Extraction",
    "Guess",
    "VictimGuess",
    "describe_victims",
    "extract",
]
