"""Training from HRDsAttack records (scikit-learn), exported as arrays (linear.save)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import countries, dataset_labels, places
from . import features as F
from .chargrams import CharTfidf
from .linear import Linear, fit_idf
from .schema import publish_date, text_field

C_DOC = 4.0
C_NAME = 1.0
C_VICTIM = 1.0
# Country candidates (countries.py): 5-fold CV 64.75 at C=1, 65.00 at C=3 and at C=10.
C_COUNTRY = 3.0
# Perpetrator type: character 3-5-grams within words alone, sublinear TF, n-grams in two
# articles or more (5-fold CV on train+dev and train->dev both above the word features).
C_CHARS = 16.0
CHAR_NGRAMS = (3, 5)
CHAR_MIN_DF = 2


def load_records(
    directory: Path, splits: tuple[str, ...] = ("train", "dev")
) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for split in splits:
        found = json.loads((directory / f"{split}.json").read_text(encoding="utf-8-sig"))
        if not isinstance(found, list):
            raise ValueError(f"{split}.json is not a non-empty JSON list of records")
        records += found
    return records


def article(record: dict[str, Any]) -> F.Article:
    sample = record["sample"]
    return F.Article.make(
        text_field(sample, "Input.title"),
        text_field(sample, "Input.article_interface"),
        publish_date(sample),
    )


class TooFewKinds(ValueError):
    """The data holds one value (or none) of what a model learns to tell apart."""


def _two_kinds(targets: list[Any], what: str) -> None:
    kinds = set(targets)
    if len(kinds) < 2:
        found = f"only {next(iter(kinds))!r}" if kinds else "none"
        raise TooFewKinds(f"{what}: the data holds {found}; at least two values are needed")


def _fit(
    rows: list[dict[str, float]],
    targets: list[Any],
    c: float,
    balanced: bool = False,
    *,
    what: str = "a label",
    vocabulary_from: int | None = None,
) -> Linear:
    """A logistic regression over named features; its feature names are those of the first
    `vocabulary_from` rows (all by default: the public articles', never a decided one's)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    _two_kinds(targets, what)

    vectorizer = DictVectorizer()
    vectorizer.fit(rows[:vocabulary_from])
    matrix = vectorizer.transform(rows).tocsr()
    # liblinear takes 32-bit sparse indices only.
    matrix.indices = matrix.indices.astype("int32")
    matrix.indptr = matrix.indptr.astype("int32")
    # liblinear is the fast one for two classes; it no longer takes more (lbfgs: softmax,
    # which is what Linear.proba computes).
    solver = "liblinear" if len(set(targets)) == 2 else "lbfgs"
    model = LogisticRegression(
        C=c, max_iter=2000, solver=solver, class_weight="balanced" if balanced else None
    )
    model.fit(matrix, targets)
    return Linear.from_sklearn(model, list(vectorizer.get_feature_names_out()))


def _fit_chars(
    texts: list[str],
    rows: list[dict[str, float]],
    targets: list[Any],
    c: float,
    *,
    what: str = "a label",
    vocabulary_from: int | None = None,
) -> tuple[CharTfidf, Linear]:
    """A classifier over the texts' character n-grams (chargrams.py applies it at run time)
    and named features beside them (`rows`): its features are the vectorizer's n-grams, every
    one in column order, then the named ones, so that the n-gram list is stored once (as the
    classifier's first feature names). The n-grams and their weights are those of the first
    `vocabulary_from` texts (all by default): the public articles, never a decided one's."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    _two_kinds(targets, what)
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=CHAR_NGRAMS, min_df=CHAR_MIN_DF, sublinear_tf=True
    )
    named = DictVectorizer()
    vectorizer.fit(texts[:vocabulary_from])
    named.fit(rows[:vocabulary_from])
    matrix = hstack([vectorizer.transform(texts), named.transform(rows)]).tocsr()
    model = LogisticRegression(C=c, max_iter=3000).fit(matrix, targets)
    chars = CharTfidf.from_sklearn(vectorizer)
    names = [*vectorizer.get_feature_names_out(), *named.get_feature_names_out()]
    return chars, Linear.from_sklearn(model, [str(n) for n in names], prune=False)


def _gold(value: Any) -> str | None:
    if value is None or str(value).strip().lower() in ("none", "n/a", "unknown", ""):
        return None
    return str(value).strip()


def country_rows(
    articles: list[F.Article], golds: list[dict[str, Any]]
) -> tuple[list[dict[str, float]], list[bool]]:
    """Each country an article names, labelled by whether it is the annotated one (a misspelt
    gold name read as the closest country name)."""
    rows, targets = [], []
    for a, g in zip(articles, golds, strict=True):
        gold_code = places.country_code(_gold(g["country"]))
        for code, row in countries.candidates(a).items():
            rows.append(row)
            targets.append(code == gold_code)
    return rows, targets


def train(
    records: list[dict[str, Any]],
    say: Callable[[str], object] = lambda _: None,
    decided: Sequence[dict[str, Any]] = (),
) -> tuple[dict[str, Linear], dict[str, Any]]:
    """The models and what goes with them, learnt from labelled records; `say` is told each
    step (the command prints them: training takes about 20 s on 400 articles). `decided` are
    the analysts' decisions as records (decided.records, their texts masked): they teach the
    article-level models only, within the vocabularies of `records` alone."""
    say(f"Reading {len(records)} articles" + (f" and {len(decided)} decisions" if decided else ""))
    articles = [article(r) for r in records]
    golds = [r["merged_sample"] for r in records]
    idf = fit_idf([a.tokens for a in articles], min_df=2)
    # Article-level models: the public articles, then the decided ones.
    every = articles + [article(r) for r in decided]
    every_gold = golds + [r["merged_sample"] for r in decided]
    docs = [F.document(a, idf) for a in every]
    models: dict[str, Linear] = {}

    say("Learning the perpetrator: mention and type")
    public = len(articles)
    models["perpetrator_mention"] = _fit(
        docs,
        [bool(g["perpetrator_mention"]) for g in every_gold],
        C_DOC,
        what="perpetrator_mention",
        vocabulary_from=public,
    )
    typed = [
        (i, a, g["perpetrator_type"])
        for i, (a, g) in enumerate(zip(every, every_gold, strict=True))
        if g["perpetrator_type"]
    ]
    chars, models["perpetrator_type"] = _fit_chars(
        [a.full for _, a, _ in typed],
        [F.perpetrator_cues(a) for _, a, _ in typed],
        [p for _, _, p in typed],
        C_CHARS,
        what="perpetrator_type",
        vocabulary_from=sum(i < public for i, _, _ in typed),
    )
    violation_docs = [F.violation_document(a, idf, d) for a, d in zip(every, docs, strict=True)]
    say("Learning the violation types")
    for label in dataset_labels.VIOLATION_TYPES:
        targets = [label in (g["violation_types"] or []) for g in every_gold]
        what = f"violation type {label!r} (articles with and without it)"
        models[f"violation:{label}"] = _fit(
            violation_docs, targets, C_DOC, what=what, vocabulary_from=public
        )

    rows, targets = [], []
    for a, g in zip(articles, golds, strict=True):
        gold_names = {v["victim_name"] for v in g["victims"] if _named(v)}
        found = F.candidates(a)
        rows += F.name_rows(a, found)
        targets += [candidate.name in gold_names for candidate in found]
    say("Learning the victims' names")
    models["victim_name"] = _fit(rows, targets, C_NAME, what="victim_name (named victims)")

    victim_rows, type_rows, sex_rows, sexes, ages, types = [], [], [], [], [], []
    for a, g in zip(articles, golds, strict=True):
        names = [v["victim_name"] for v in g["victims"] if _named(v)]
        for v in g["victims"]:
            if not _named(v):
                continue
            victim_rows.append(F.victim_features(a, v["victim_name"], idf))
            type_rows.append(F.with_roles(a, v["victim_name"], victim_rows[-1]))
            sex_rows.append(F.sex_features(a, v["victim_name"], victim_rows[-1], names))
            sexes.append(v["victim_sex_type"])
            ages.append(v["victim_age_group"])
            types.append("|".join(sorted(set(v["victim_type"]))))
    say("Learning the victims' sex, age group and type")
    models["victim_sex"] = _fit(sex_rows, sexes, C_VICTIM, what="victim_sex_type")
    models["victim_age"] = _fit(victim_rows, ages, C_VICTIM, what="victim_age_group")
    typed_rows = [(r, t) for r, t in zip(type_rows, types, strict=True) if t]
    models["victim_type"] = _fit(
        [r for r, _ in typed_rows], [t for _, t in typed_rows], C_VICTIM, what="victim_type"
    )

    say("Learning the places")
    models["country"] = _fit(
        *country_rows(articles, golds),
        C_COUNTRY,
        what="country (the annotated one among those named)",
    )

    country_forms: dict[str, Counter[str]] = {}
    cities: Counter[str] = Counter()
    city_countries: dict[str, Counter[str]] = {}
    regions: Counter[str] = Counter()
    for g in golds:
        country = _gold(g["country"])
        code = places.country_code(country)
        if country and code:
            country_forms.setdefault(code, Counter())[country] += 1
        if city := _gold(g["city"]):
            cities[city] += 1
            if code:
                city_countries.setdefault(city, Counter())[code] += 1
        if region := _gold(g["region"]):
            regions[region] += 1
    extra = {
        "idf": idf,
        "perpetrator_chars": chars.to_json(with_vocabulary=False),
        "perpetrator_chars_idf": chars.idf,
        "country_forms": {
            code: forms.most_common(1)[0][0] for code, forms in country_forms.items()
        },
        "cities": sorted(cities),
        # The country each annotated city was annotated with (cities.country_of).
        "city_countries": {
            city: codes.most_common(1)[0][0] for city, codes in sorted(city_countries.items())
        },
        "regions": sorted(regions),
        "trained_on": len(records),
        "decisions": len(decided),
    }
    return models, extra


MERGED_FIELDS = (
    "perpetrator_mention",
    "perpetrator_type",
    "violation_types",
    "country",
    "region",
    "city",
    "victims",
)


def not_training_data(records: Any) -> str:
    """What makes `records` no HRDsAttack training data ("" when nothing): the trainer reads
    each record's sample and its merged (gold) sample, whose labels must be the dataset's
    (dataset_labels.py): a label of another type or spelling would be learnt as a class of its
    own."""
    if not isinstance(records, list) or not records:
        return "it must be a non-empty JSON list of records."
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict) or not isinstance(record.get("sample"), dict):
            return f"record {number} has no 'sample' object."
        merged = record.get("merged_sample")
        if not isinstance(merged, dict) or any(f not in merged for f in MERGED_FIELDS):
            return f"record {number} has no 'merged_sample' with {', '.join(MERGED_FIELDS)}."
        if problem := _label_problem(merged):
            return f"record {number}: {problem}."
    return ""


def _one_of(value: Any, allowed: tuple[str, ...], field: str, *, none: bool = False) -> str:
    if (value is None and none) or (isinstance(value, str) and value in allowed):
        return ""
    choices = ", ".join(repr(a) for a in allowed) + (" or null" if none else "")
    return f"{field} is {json.dumps(value)[:80]}, not one of {choices}"


def _label_problem(merged: dict[str, Any]) -> str:
    if not isinstance(merged["perpetrator_mention"], bool):
        found = json.dumps(merged["perpetrator_mention"])[:80]
        return f"perpetrator_mention is {found}, not true or false"
    problem = _one_of(
        merged["perpetrator_type"], dataset_labels.PERPETRATOR_TYPES, "perpetrator_type", none=True
    )
    violations = merged["violation_types"]
    if not problem and not isinstance(violations, list):
        problem = f"violation_types is {json.dumps(violations)[:80]}, not a list"
    for label in violations if not problem else []:
        problem = problem or _one_of(
            label,
            (*dataset_labels.VIOLATION_TYPES, dataset_labels.UNKNOWN_VIOLATION),
            "a violation type",
        )
    for field in ("country", "region", "city"):
        if not problem and merged[field] is not None and not isinstance(merged[field], str):
            problem = f"{field} is {json.dumps(merged[field])[:80]}, not a text or null"
    victims = merged["victims"]
    if not problem and not (
        isinstance(victims, list) and all(isinstance(v, dict) for v in victims)
    ):
        problem = "victims are not a list of objects"
    for n, victim in enumerate(victims if not problem else [], start=1):
        problem = problem or _victim_problem(victim, n)
    return problem


def _named(victim: dict[str, Any]) -> bool:
    """A victim with a name in text (blank is none, as null)."""
    name = victim.get("victim_name")
    return isinstance(name, str) and bool(name.strip())


def _victim_problem(victim: dict[str, Any], n: int) -> str:
    name = victim.get("victim_name")
    if name is None or (isinstance(name, str) and not name.strip()):
        return ""  # an unnamed victim: the trainer reads named ones only
    if not isinstance(name, str):
        return f"victim {n}'s victim_name is {json.dumps(name)[:80]}, not a text or null"
    types = victim.get("victim_type")
    if not isinstance(types, list):
        return f"victim {n}'s victim_type is {json.dumps(types)[:80]}, not a list"
    for kind in types:
        if problem := _one_of(
            kind, (*dataset_labels.VICTIM_TYPES, dataset_labels.INSUFFICIENT), "a victim type"
        ):
            return f"victim {n}: {problem}"
    for field, allowed in (
        ("victim_sex_type", dataset_labels.SEXES),
        ("victim_age_group", dataset_labels.AGE_GROUPS),
        ("victim_population_type", dataset_labels.POPULATION_TYPES),  # (the benchmark scores it)
    ):
        if problem := _one_of(victim.get(field), allowed, field):
            return f"victim {n}: {problem}"
    return ""
