"""Linear models as plain arrays: trained with scikit-learn (train.py), stored as JSON (feature
names, classes) and NPZ (weights, loaded with allow_pickle=False), applied with numpy."""

from __future__ import annotations

import json
import math
import secrets
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

Features = dict[str, float]


@dataclass
class Linear:
    """Logistic regression over named features: one row of weights per class (one row for a
    binary model, whose classes are [False, True])."""

    classes: list[Any]
    index: dict[str, int]
    coef: np.ndarray
    intercept: np.ndarray

    def scores(self, features: Features) -> np.ndarray:
        total = self.intercept.astype(float).copy()
        for name, value in features.items():
            column = self.index.get(name)
            if column is not None:
                total += self.coef[:, column] * value
        return total

    def proba(self, features: Features) -> dict[Any, float]:
        raw = self.scores(features)
        if len(self.classes) == 2 and raw.shape[0] == 1:
            p = 1.0 / (1.0 + math.exp(-float(raw[0])))
            return {self.classes[0]: 1 - p, self.classes[1]: p}
        exp = np.exp(raw - raw.max())
        probs = exp / exp.sum()
        return dict(zip(self.classes, (float(p) for p in probs), strict=True))

    def best(self, features: Features) -> tuple[Any, float]:
        probs = self.proba(features)
        label = max(probs, key=lambda k: probs[k])
        return label, probs[label]

    def to_json(self) -> dict[str, Any]:
        names = sorted(self.index, key=lambda k: self.index[k])
        return {"classes": self.classes, "features": names}

    @classmethod
    def from_sklearn(cls, model: Any, names: list[str], prune: bool = True) -> Linear:
        """Features with no weight dropped, unless `prune` is false (every column kept, in
        order: the feature names can then stand for a vectorizer's vocabulary)."""
        classes = [c.item() if hasattr(c, "item") else c for c in model.classes_]
        coef = np.asarray(model.coef_, dtype=np.float32)
        keep = (
            np.flatnonzero(np.abs(coef).max(axis=0) > 1e-6) if prune else np.arange(coef.shape[1])
        )
        return cls(
            classes=classes,
            index={names[j]: i for i, j in enumerate(keep)},
            coef=coef[:, keep],
            intercept=np.asarray(model.intercept_, dtype=np.float32),
        )


def bag(
    tokens: list[str], idf: dict[str, float], prefix: str = "", bigrams: bool = True
) -> Features:
    """Sublinear TF-IDF of words (and word pairs), L2-normalised, over a known vocabulary."""
    grams = list(tokens)
    if bigrams:
        grams += [f"{a} {b}" for a, b in pairwise(tokens)]
    counts = Counter(g for g in grams if g in idf)
    weights = {g: (1 + math.log(c)) * idf[g] for g, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {prefix + g: w / norm for g, w in weights.items()}


def fit_idf(documents: list[list[str]], min_df: int = 2, bigrams: bool = True) -> dict[str, float]:
    df: Counter[str] = Counter()
    for tokens in documents:
        grams = set(tokens)
        if bigrams:
            grams |= {f"{a} {b}" for a, b in pairwise(tokens)}
        df.update(grams)
    n = len(documents)
    return {g: math.log((1 + n) / (1 + c)) + 1 for g, c in df.items() if c >= min_df}


def save(directory: Path, models: dict[str, Linear], extra: dict[str, Any]) -> None:
    """Both files written whole or not at all, and swapped in only once both are written and
    synced (files.storage.written_together). A shared random `build` in both lets load() tell
    a folder left with one new and one old file (a crash between the two renames)."""
    from aegis.files.storage import written_together

    directory.mkdir(parents=True, exist_ok=True)
    # An array in `extra` (a vectorizer's idf) goes to weights.npz, the rest to model.json.
    arrays = {f"extra.{k}": v for k, v in extra.items() if isinstance(v, np.ndarray)}
    meta: dict[str, Any] = {
        "models": {},
        **{k: v for k, v in extra.items() if not isinstance(v, np.ndarray)},
    }
    for name, model in models.items():
        meta["models"][name] = model.to_json()
        arrays[f"{name}.coef"] = model.coef
        arrays[f"{name}.intercept"] = model.intercept
    meta["build"] = secrets.token_hex(8)
    arrays["build"] = np.array(meta["build"])
    with written_together(directory / "weights.npz", directory / "model.json") as (
        weights,
        described,
    ):
        np.savez_compressed(weights, **arrays)  # type: ignore[arg-type]
        described.write(json.dumps(meta, ensure_ascii=False, sort_keys=True).encode())


def load(directory: Path) -> tuple[dict[str, Linear], dict[str, Any]]:
    """The models and the rest a folder holds; OSError, or ValueError where a file is not
    what it should be (a damaged archive too: its callers fall back or say so in words)."""
    try:
        return _load(directory)
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise ValueError(
            f"the weights in {directory} are damaged ({type(error).__name__}): train the model "
            "again (aegis monitoring train)"
        ) from error


def _load(directory: Path) -> tuple[dict[str, Linear], dict[str, Any]]:
    meta = json.loads((directory / "model.json").read_text())
    with np.load(directory / "weights.npz", allow_pickle=False) as arrays:
        build = str(arrays["build"]) if "build" in arrays.files else None
        if meta.pop("build", None) != build:
            raise ValueError(
                f"the model in {directory} is half of one training and half of another: "
                "train it again (aegis monitoring train)"
            )
        specs = meta.pop("models")
        # Most models share most of their features (the six violation types, the mention):
        # each name and each column number is held once for all of them, not once a model
        # (the worker had grown by about 80 MB, past its 200 MB, when it loaded them).
        names: dict[str, str] = {}
        numbers = list(range(max((len(spec["features"]) for spec in specs.values()), default=0)))
        models = {
            name: Linear(
                classes=spec["classes"],
                index={names.setdefault(f, f): numbers[i] for i, f in enumerate(spec["features"])},
                coef=arrays[f"{name}.coef"],
                intercept=arrays[f"{name}.intercept"],
            )
            for name, spec in specs.items()
        }
        del specs, names, numbers
        for key in arrays.files:
            if key.startswith("extra."):
                meta[key.removeprefix("extra.")] = arrays[key]
    return models, meta
