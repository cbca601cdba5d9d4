"""The run-time character n-gram TF-IDF (chargrams.py) against scikit-learn's TfidfVectorizer
with analyzer="char_wb", the vectorizer training fits: the same n-grams in the same order and
the same weights, on texts chosen to differ (accents, punctuation, runs of whitespace, other
scripts, one-letter words, empty text)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from aegis.monitoring.extraction import features as F
from aegis.monitoring.extraction import linear, pipeline, train
from aegis.monitoring.extraction.chargrams import CharTfidf, analyze

pytestmark = pytest.mark.engine_independent

TEXTS = [
    "Journalist Maria López was ARRESTED in Lagos on Saturday.",
    "Police said: \u201cWe detained him!\u201d \u2014 (3 men), 12/03/2021; 50% of... ok?",
    "  multiple   spaces\t\ttabs\nnew\n\nlines  \u00a0no-break\u2003em space  ",
    "\u0627\u0639\u062a\u0642\u0644\u062a \u0627\u0644\u0634\u0631\u0637\u0629 "
    "\u0627\u0644\u0635\u062d\u0641\u064a \u0641\u064a \u0627\u0644\u0642\u0627\u0647\u0631\u0629",
    "\u0130stanbul \u00c7A\u011eRI \u00df STRASSE \u03a3\u039f\u03a6\u0399\u0391 \u0110\u00f4ng",
    "a I x y z ab cd é e\u0301 \U0001f4f0 news \U0001f4f0\U0001f4f0",
    "",
    "   ",
    "\u4e2d\u56fd \u8bb0\u8005 \u88ab\u6355 \u2014 "
    "\u0416\u0443\u0440\u043d\u0430\u043b\u0438\u0441\u0442",
    "state actor state actor state actor police police police police army",
    "x\x0by\x0cz\x1cw\u2028v\u2029u\x85t",
]


def test_analyzer_gives_scikit_learns_n_grams_in_order() -> None:
    for ngram_range in ((3, 5), (1, 3), (2, 2)):
        for lowercase in (True, False):
            vectorizer = TfidfVectorizer(
                analyzer="char_wb", ngram_range=ngram_range, lowercase=lowercase
            )
            reference = vectorizer.build_analyzer()
            for text in TEXTS:
                assert analyze(text, ngram_range, lowercase) == reference(text), text


@pytest.mark.parametrize("sublinear_tf", [True, False])
@pytest.mark.parametrize("min_df", [1, 2])
def test_weights_match_scikit_learns_vectorizer(sublinear_tf: bool, min_df: int) -> None:
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), min_df=min_df, sublinear_tf=sublinear_tf
    )
    vectorizer.fit(TEXTS)
    # Through model.json and weights.npz's forms, as the extractor loads it.
    fitted = CharTfidf.from_sklearn(vectorizer)
    chars = CharTfidf.from_json(fitted.to_json(), fitted.idf)
    names = vectorizer.get_feature_names_out()
    unseen = ["Unseen words: zebra quokka", "Arrested ARRESTED arrested, López!"]
    for text in TEXTS + unseen:
        row = vectorizer.transform([text]).tocoo()
        expected = {str(names[j]): float(v) for j, v in zip(row.col, row.data, strict=True)}
        got = chars.features(text)
        assert set(got) == set(expected), text
        for gram, value in expected.items():
            assert got[gram] == pytest.approx(value, rel=1e-12, abs=1e-15), (text, gram)


def test_only_the_settings_reproduced_are_taken() -> None:
    vectorizer = TfidfVectorizer(analyzer="char_wb", norm="l1").fit(TEXTS)
    with pytest.raises(ValueError, match="char_wb"):
        CharTfidf.from_sklearn(vectorizer)
    with pytest.raises(ValueError, match="char_wb"):
        CharTfidf.from_sklearn(TfidfVectorizer(analyzer="char").fit(TEXTS))


def test_shipped_perpetrator_model_reads_the_shipped_vocabulary() -> None:
    models, extra = linear.load(pipeline.MODEL_DIR)
    spec = extra["perpetrator_chars"]
    assert spec["ngram_range"] == list(train.CHAR_NGRAMS)
    assert isinstance(extra["perpetrator_chars_idf"], np.ndarray)
    # The n-grams are stored once, as the classifier's first feature names, in column order;
    # the perpetrator cues follow them.
    assert "vocabulary" not in spec
    index = models["perpetrator_type"].index
    assert sorted(index.values()) == list(range(len(index)))
    grams = extra["perpetrator_chars_idf"].shape[0]
    cues = {name for name, column in index.items() if column >= grams}
    assert cues == set(F.perpetrator_cues(F.Article.make("", "", None)))
    chars = pipeline.Extractor(models, extra).perpetrator_chars
    assert set(chars.vocabulary) == set(index) - cues
    assert all(chars.vocabulary[gram] == index[gram] for gram in chars.vocabulary)
    features = chars.features("Soldiers arrested the journalist at a police checkpoint.")
    assert features and abs(sum(v * v for v in features.values()) - 1) < 1e-9
    assert set(features) <= set(chars.vocabulary)


def test_the_vocabulary_comes_from_the_spec_or_the_classifier() -> None:
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit(TEXTS)
    fitted = CharTfidf.from_sklearn(vectorizer)
    without = CharTfidf.from_json(
        fitted.to_json(with_vocabulary=False), fitted.idf, fitted.vocabulary
    )
    assert without.vocabulary == fitted.vocabulary
    with pytest.raises(ValueError, match="vocabulary"):
        CharTfidf.from_json(fitted.to_json(with_vocabulary=False), fitted.idf)
    with pytest.raises(ValueError, match="vocabulary"):
        CharTfidf.from_json(
            fitted.to_json(with_vocabulary=False), fitted.idf[:-1], fitted.vocabulary
        )


def test_a_classifier_over_every_column_keeps_them_in_order() -> None:
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit(TEXTS)
    matrix = vectorizer.transform(TEXTS)
    model = LogisticRegression(C=0.01).fit(matrix, [i % 2 for i in range(len(TEXTS))])
    model.coef_[0, 0] = 0.0  # a column with no weight stays
    names = list(vectorizer.get_feature_names_out())
    kept = linear.Linear.from_sklearn(model, names, prune=False)
    assert kept.index == CharTfidf.from_sklearn(vectorizer).vocabulary
    assert len(linear.Linear.from_sklearn(model, names).index) == len(names) - 1
