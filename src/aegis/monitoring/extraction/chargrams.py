"""Character n-grams within words, TF-IDF weighted, as scikit-learn's TfidfVectorizer with
analyzer="char_wb" computes them (its defaults otherwise: lower-cased, smoothed idf, L2 norm),
re-done in pure Python and numpy so that run time needs no scikit-learn. Trained by train.py
with the vectorizer itself (from_sklearn); tests compare the two on varied texts."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from .linear import Features

# scikit-learn's _white_spaces: two or more whitespace characters become one space.
WHITE_SPACES = re.compile(r"\s\s+")


def analyze(text: str, ngram_range: tuple[int, int] = (3, 5), lowercase: bool = True) -> list[str]:
    """The n-grams of each whitespace-separated word padded with a space at each end, in
    scikit-learn's order (its _char_wb_ngrams): a word shorter than n gives itself, padded,
    once, and no longer n-grams."""
    if lowercase:
        text = text.lower()
    text = WHITE_SPACES.sub(" ", text)
    low, high = ngram_range
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            grams += [padded[i : i + n] for i in range(max(length - n + 1, 1))]
            if length <= n:
                break
    return grams


@dataclass
class CharTfidf:
    """A fitted vectorizer: its vocabulary (n-gram -> column), idf per column and settings."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    ngram_range: tuple[int, int] = (3, 5)
    sublinear_tf: bool = False
    lowercase: bool = True

    def features(self, text: str) -> Features:
        """The text's L2-normalised TF-IDF weights by n-gram (n-grams out of the vocabulary
        dropped first, as scikit-learn does)."""
        counts = Counter(
            g for g in analyze(text, self.ngram_range, self.lowercase) if g in self.vocabulary
        )
        weights = {}
        for gram, count in counts.items():
            tf = 1.0 + math.log(count) if self.sublinear_tf else float(count)
            weights[gram] = tf * float(self.idf[self.vocabulary[gram]])
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {g: w / norm for g, w in weights.items()} if norm else weights

    def to_json(self, with_vocabulary: bool = True) -> dict[str, Any]:
        """Settings and vocabulary (n-grams in column order) for model.json; idf goes to the
        arrays (linear.save stores an array found in `extra` in weights.npz). Without the
        vocabulary when a classifier over every column stores the same n-grams as its feature
        names (from_json takes them from there)."""
        spec: dict[str, Any] = {
            "ngram_range": list(self.ngram_range),
            "sublinear_tf": self.sublinear_tf,
            "lowercase": self.lowercase,
        }
        if with_vocabulary:
            spec["vocabulary"] = sorted(self.vocabulary, key=lambda g: self.vocabulary[g])
        return spec

    @classmethod
    def from_json(
        cls, spec: dict[str, Any], idf: np.ndarray, vocabulary: dict[str, int] | None = None
    ) -> CharTfidf:
        """From model.json's spec and the idf array; `vocabulary` (n-gram -> column) where the
        spec has none."""
        low, high = spec["ngram_range"]
        if "vocabulary" in spec:
            vocabulary = {g: i for i, g in enumerate(spec["vocabulary"])}
        if vocabulary is None or len(vocabulary) != len(idf):
            raise ValueError("the n-gram vocabulary does not match the idf array")
        return cls(
            vocabulary=vocabulary,
            idf=np.asarray(idf, dtype=np.float64),
            ngram_range=(int(low), int(high)),
            sublinear_tf=bool(spec["sublinear_tf"]),
            lowercase=bool(spec["lowercase"]),
        )

    @classmethod
    def from_sklearn(cls, vectorizer: Any) -> CharTfidf:
        # Only the settings reproduced here; any other would silently give other weights.
        if not (
            vectorizer.analyzer == "char_wb"
            and vectorizer.norm == "l2"
            and vectorizer.use_idf
            and vectorizer.smooth_idf
            and vectorizer.preprocessor is None
            and not vectorizer.strip_accents
        ):
            raise ValueError("CharTfidf reproduces char_wb with smoothed idf and L2 norm only")
        low, high = vectorizer.ngram_range
        return cls(
            vocabulary={str(g): int(i) for g, i in vectorizer.vocabulary_.items()},
            idf=np.asarray(vectorizer.idf_, dtype=np.float64),
            ngram_range=(int(low), int(high)),
            sublinear_tf=bool(vectorizer.sublinear_tf),
            lowercase=bool(vectorizer.lowercase),
        )
