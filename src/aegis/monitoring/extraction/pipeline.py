"""The extractor: article in, Extraction out. Models are loaded once from model/ (arrays, no
pickle); an Extractor can also be built from freshly trained models (cross-validation)."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from . import cities, countries, dataset_labels, dates, languages, places
from . import features as F
from .chargrams import CharTfidf
from .linear import Linear, load
from .types import Extraction, Guess, VictimGuess

MODEL_DIR = Path(__file__).resolve().parent / "model"
log = logging.getLogger(__name__)
NAME_THRESHOLD = 0.15  # chosen on dev (exact-match F1), kept by 5-fold CV on train+dev
# An article with no name above the threshold: its likeliest name if at least this likely
# (5-fold CV on train+dev, over a third, a half and none of the threshold).
NAME_FALLBACK = NAME_THRESHOLD / 2
# Victims proposed for one article at most (the annotated articles name 17 at most; a
# proposal's draft takes 20, drafts.MAX_VICTIMS).
MOST_VICTIMS = 40
VIOLATION_THRESHOLD = 0.25  # chosen by 5-fold cross-validation on train+dev
# An article in Spanish, French or Arabic (languages.py): a violation type its words tell,
# more sure as more sentences tell it; a name beside a victim word ("la periodista María
# López") at least this likely.
FOREIGN_VIOLATION = 0.5
FOREIGN_NAME = 0.3


def _sentence_of(article: F.Article, needle: str) -> str:
    for sentence in article.sentences:
        if needle and needle in sentence:
            return sentence
    return ""


class Extractor:
    def __init__(self, models: dict[str, Linear], extra: dict[str, Any]) -> None:
        self.models = models
        self.idf: dict[str, float] = extra["idf"]
        # The perpetrator type's first features are the n-grams, in column order; the
        # named cues come after them (train._fit_chars).
        grams = len(extra["perpetrator_chars_idf"])
        self.perpetrator_chars = CharTfidf.from_json(
            extra["perpetrator_chars"],
            extra["perpetrator_chars_idf"],
            {g: i for g, i in models["perpetrator_type"].index.items() if i < grams},
        )
        self.country_forms: dict[str, str] = extra["country_forms"]
        self.cities = frozenset(extra["cities"])
        self.city_countries: dict[str, str] = extra.get("city_countries", {})
        self.regions = frozenset(extra["regions"]) | frozenset(places.subdivisions())
        self.region_country = places.subdivisions()
        self.known_regions = set(extra["regions"])
        # What it learnt from (`aegis monitoring train`; a model from before this was kept
        # was trained on the train split alone).
        self.trained_on: int = extra.get("trained_on", 0)
        self.trained_splits: list[str] = extra.get("trained_splits", ["train"])
        # The analysts' decisions it also learnt from (decided.py; 0 for the shipped model).
        self.decisions: int = extra.get("decisions", 0)

    # -- Whole article --------------------------------------------------------------------

    def extract(
        self, title: str, text: str, published: date | None = None, language: str = ""
    ) -> Extraction:
        """`language`: the article's (its source's or its page's), else recognised."""
        return self.extract_article(F.Article.make(title or "", text or "", published, language))

    def extract_article(self, article: F.Article) -> Extraction:
        """extract() on an article already read (its victims may then be described from
        the same reading)."""
        doc = F.document(article, self.idf)
        mention, p_mention = self.models["perpetrator_mention"].best(doc)
        ptype, p_type = self.models["perpetrator_type"].best(
            self.perpetrator_chars.features(article.full) | F.perpetrator_cues(article)
        )
        violations = []
        violation_doc = F.violation_document(article, self.idf, doc)
        for label in dataset_labels.VIOLATION_TYPES:
            p = self.models[f"violation:{label}"].proba(violation_doc)[True]
            if p < VIOLATION_THRESHOLD:
                continue
            if label == "killing" and F.killing_only_threatened(article):
                # Threatened, not done ("death threats", "would be killed"): the classifier,
                # weighing "death", had called threats killings. On the 400 articles of
                # train+dev (5-fold CV) no prediction changes, so no figure moves; the news
                # an organisation reads is full of death threats.
                continue
            sentence = F.violation_sentence(article, label)
            violations.append(Guess(label, p, sentence))
        if article.language in languages.FOREIGN:
            # The classifiers learnt English words: the language's own tell the types.
            violations = _foreign_violations(article) or violations
        violations.sort(key=lambda g: -g.confidence)
        victims = self.victims(article)
        country, country_code = self.country_and_code(article)
        when = self.when(article)
        attack = any(v.value != "other" for v in violations) or bool(victims)
        confidence = max([g.confidence for g in violations] + [0.0])
        return Extraction(
            is_attack=attack,
            confidence=round(confidence * (0.5 + 0.5 * p_mention if mention else 0.5), 4),
            perpetrator_mention=Guess(bool(mention), p_mention),
            perpetrator_type=Guess(ptype, p_type, F.perpetrator_sentence(article, ptype)),
            violation_types=tuple(violations),
            victims=victims,
            country=country,
            region=self.place(article, self.regions, country.value, regions=True),
            city=self.city(article, country_code),
            year=when[0],
            month=when[1],
            day=when[2],
        )

    def victims(self, article: F.Article) -> tuple[VictimGuess, ...]:
        found = F.candidates(article)
        model = self.models["victim_name"]
        every = [
            (c, model.proba(row)[True])
            for c, row in zip(found, F.name_rows(article, found), strict=True)
        ]
        if article.language in languages.FOREIGN:
            every = _foreign_names(article, every)
        scored = [(c, p) for c, p in every if p >= NAME_THRESHOLD]
        if not scored and every:
            # An article about an attack names its victim: the likeliest one, if at all likely.
            best = max(every, key=lambda pair: pair[1])
            if best[1] >= NAME_FALLBACK:
                scored = [best]
        scored = _one_per_person(scored)
        if len(scored) > MOST_VICTIMS:
            # The likeliest, in the article's order: each victim described reads the whole
            # text, and a roll of hundreds of names took seconds.
            kept = sorted(scored, key=lambda pair: -pair[1])[:MOST_VICTIMS]
            scored = [pair for pair in scored if pair in kept]
        names = [c.name for c, _ in scored]
        return tuple(
            self.describe(article, c.name, p, article.sentences[c.sentence_index], names)
            for c, p in scored
        )

    def describe(
        self,
        article: F.Article,
        name: str,
        p: float,
        sentence: str = "",
        victims: Sequence[str] = (),
    ) -> VictimGuess:
        """A victim's attributes; `victims` are all the victims the article names (found, or
        given by an analyst), this one among them."""
        row = F.victim_features(article, name, self.idf)
        sex, _ = self.models["victim_sex"].best(F.sex_features(article, name, row, victims))
        age, _ = self.models["victim_age"].best(row)
        # The classifier over the sentences about the person, role words near the name among
        # its features (better than letting the nearest role word decide: dev and CV).
        kind = self.models["victim_type"].best(F.with_roles(article, name, row))[0]
        if article.language in languages.FOREIGN:
            # The word naming the person's role, and its grammatical gender, where there is
            # one beside the name ("la periodista", "الناشطة").
            role = languages.role_of(article.full, name, article.language)
            if role is not None:
                kind, sex = role.victim_type, role.sex or sex
        return VictimGuess(
            name=name,
            victim_types=tuple(kind.split("|")),
            population_type="individual",
            sex=sex,
            age_group=age,
            sentence=sentence or _sentence_of(article, name),
            confidence=round(p, 4),
            age=F.stated_age(article, name),
        )

    # -- Place and date -------------------------------------------------------------------

    def country(self, article: F.Article) -> Guess[str | None]:
        return self.country_and_code(article)[0]

    def country_and_code(self, article: F.Article) -> tuple[Guess[str | None], str | None]:
        """The country the classifier scores highest among those the article names, and its
        code."""
        named = countries.mentions(article)
        found = countries.candidates(article, named)
        if not found:
            return Guess(None), None
        model = self.models["country"]
        scored = {code: model.proba(row)[True] for code, row in found.items()}
        code = max(scored, key=lambda c: scored[c])
        form = self.country_forms.get(code) or places.country_form(code)
        first = next(m.offset for m in named if m.code == code)
        return Guess(form, round(scored[code], 4), _sentence_at(article, first)), code

    def place(
        self, article: F.Article, names: frozenset[str], country: str | None, regions: bool = False
    ) -> Guess[str | None]:
        hits = places.find(article.full, names)
        if regions:
            code = places.country_code(country) if country else None
            hits = [
                h
                for h in hits
                if h[0] in self.known_regions or self.region_country.get(h[0]) == code
            ]
        if not hits:
            return Guess(None)
        counts = Counter(name for name, _ in hits)
        name, count = counts.most_common(1)[0]
        first = next(offset for n, offset in hits if n == name)
        return Guess(name, count / len(hits), _sentence_at(article, first))

    def city(self, article: F.Article, country: str | None = None) -> Guess[str | None]:
        """The incident's city (cities.py), given the country chosen for the article."""
        found = cities.choose(article, self.cities, self.city_countries, country)
        if found is None and article.language in languages.FOREIGN:
            found = _foreign_city(article, country)
        if found is None:
            return Guess(None)
        name, confidence, offset = found
        return Guess(name, confidence, _sentence_at(article, offset))

    def when(
        self, article: F.Article
    ) -> tuple[Guess[int | None], Guess[int | None], Guess[int | None]]:
        """Year: the year the article names most, up to the publish year (any form: "in 2018",
        "May 6, 2021", a weekday; a date writing its year counts twice, the first named wins a
        tie);
        month: the first explicit date up to the publish date ("May 6", "in March"), and the
        day the first of that month's dates that has one.
        Otherwise the publish date's. Chosen on train+dev (rules, nothing fitted) among the
        first, most frequent, earliest and most recent date, explicit or not."""
        published = article.published
        found = dates.mentions(article.full, published, article.language)
        if published is None:
            explicit = [d for d in found if d.kind == "explicit"]
            years = [d for d in found if d.year is not None]
        else:
            limit = (published.year, published.month, published.day)
            explicit = [
                d
                for d in found
                if d.kind == "explicit"
                and d.year is not None
                and d.month is not None
                and (d.year, d.month, d.day or 1) <= limit
            ]
            years = [d for d in found if d.year is not None and d.year <= published.year]
        if years:
            # The year named most (a date that writes its year counts twice: "May 5" has the
            # year read from the publish date), the first named on a tie.
            votes: Counter[int] = Counter()
            for mention in years:
                votes[mention.year or 0] += 2 if mention.year_written else 1
            top = votes.most_common(1)[0][0]
            chosen = next(d for d in years if d.year == top)
            year: Guess[int | None] = Guess(top, 0.6, _sentence_at(article, chosen.offset))
        else:
            year = Guess(published.year if published else None, 0.4)
        if explicit:
            first = explicit[0]
            # The day: the first date of that month that has one ("in February ... on February
            # 26"): 5-fold CV on train+dev 18.50 to 19.75, the month unchanged.
            dated = next((d for d in explicit if d.day and d.month == first.month), first)
            return (
                year,
                Guess(first.month, 0.5, _sentence_at(article, first.offset)),
                Guess(dated.day, 0.3 if dated.day else 0.0, _sentence_at(article, dated.offset)),
            )
        if published is None:
            return year, Guess(None), Guess(None)
        return year, Guess(published.month, 0.3), Guess(published.day, 0.1)


def _foreign_violations(article: F.Article) -> list[Guess[str]]:
    """The violation types an article in Spanish, French or Arabic tells in its words
    (languages.violations), "other" only where no other is told."""
    told = languages.violations(article.sentences, article.language)
    serious = [item for item in told if item[0] != "other"]
    return [
        Guess(label, round(min(FOREIGN_VIOLATION + 0.1 * (count - 1), 0.8), 4), sentence)
        for label, count, sentence in (serious or told)
    ]


def _foreign_names(
    article: F.Article, every: list[tuple[F.Candidate, float]]
) -> list[tuple[F.Candidate, float]]:
    """The name candidates of an article in Spanish, French or Arabic, each beside a victim
    word at least FOREIGN_NAME likely; in Arabic, which has no capitals, the names after a
    victim word are the candidates."""
    if article.language == "ar":
        found = languages.arabic_names(article.full)
        return [
            (F.Candidate(name, [offset], _sentence_index(article, offset)), FOREIGN_NAME)
            for name, offset in found
        ]
    return [
        (
            c,
            max(p, FOREIGN_NAME)
            if languages.role_of(article.full, c.name, article.language)
            else p,
        )
        for c, p in every
    ]


def _foreign_city(article: F.Article, country: str | None) -> tuple[str, float, int] | None:
    """A capital or city that stands for its country, named in the article's language, as
    the dataset writes it in English ("Ciudad de México": "Mexico City")."""
    for _, offset, _, named in article.places_named():
        if named.kind == "place" and named.city and (country is None or named.code == country):
            return named.city, 0.4, offset
    return None


def _sentence_index(article: F.Article, offset: int) -> int:
    position = 0
    for index, sentence in enumerate(article.sentences):
        start = article.full.find(sentence, position)
        if start <= offset < start + len(sentence):
            return index
        position = max(start, position)
    return 0


def _one_per_person(
    scored: list[tuple[F.Candidate, float]],
) -> list[tuple[F.Candidate, float]]:
    """One victim per person: a chosen name that ends another chosen name ("Mehrab Khan",
    "Mir Mehrab Khan": the news drops a first name, not a last one) is that person, named in
    full once, from the sentence where either was first and with the likelier of the two."""
    # By full name. Candidates come in the order the article first names them, so the first
    # one seen of a person holds the earliest sentence.
    people: dict[str, tuple[F.Candidate, float]] = {}
    for candidate, p in scored:
        full = max(
            (c for c, _ in scored if f" {c.name}".endswith(f" {candidate.name}")),
            key=lambda c: len(c.name),
        )
        held = people.get(full.name)
        if held is None:
            people[full.name] = (replace(full, sentence_index=candidate.sentence_index), p)
        else:
            people[full.name] = (held[0], max(p, held[1]))
    return list(people.values())


def _sentence_at(article: F.Article, offset: int) -> str:
    position = 0
    for sentence in article.sentences:
        start = article.full.find(sentence, position)
        if start <= offset < start + len(sentence):
            return sentence
        position = max(start, position)
    return ""


@cache
def default() -> Extractor:
    models, extra = load(MODEL_DIR)
    return Extractor(models, extra)


def in_use(folder: Path | None = None) -> Extractor:
    """The model in `folder` where one was written there (an organisation's, trained on its
    analysts' decisions too), else the shipped one. Loaded again once the folder's model
    changes, so a running worker takes up a new training at its next article."""
    if folder is None:
        return default()
    try:
        found = (folder / "model.json").stat()
    except OSError:
        return default()
    # Size and inode beside the time: two trainings within one tick of a coarse clock differ.
    return _from_folder(folder, (found.st_mtime_ns, found.st_ino, found.st_size)) or default()


@lru_cache(maxsize=1)
def _from_folder(folder: Path, stamp: tuple[int, int, int]) -> Extractor | None:
    try:
        models, extra = load(folder)
    except (OSError, ValueError, KeyError) as error:
        # Unreadable (a disk error, a folder left half written): the shipped model serves,
        # and the next article tries again only once the folder changes.
        log.error(
            "monitoring: the organisation's extraction model cannot be read (%s); the "
            "shipped model is used",
            type(error).__name__,
        )
        return None
    if extra.get("shipped_build") != shipped_build():
        # Trained by another version of the extractor (an upgrade since): its features may
        # not be this version's, so the shipped model serves until it is trained again.
        log.warning(
            "monitoring: the organisation's extraction model was trained beside another "
            "version of the shipped one; the shipped model is used until 'aegis monitoring "
            "train --decisions' is run again"
        )
        return None
    return Extractor(models, extra)


@cache
def shipped_build() -> str | None:
    """The shipped model's build (linear.save), which an organisation's model records."""
    return json.loads((MODEL_DIR / "model.json").read_text()).get("build")


def extract(
    title: str,
    text: str,
    published: date | None = None,
    folder: Path | None = None,
    language: str = "",
) -> Extraction:
    """The proposal for one article: its title, text (plain or HTML), publish date and
    language ("" to have it recognised); the model in `folder` where there is one
    (in_use)."""
    return in_use(folder).extract(title, text, published, language)


def describe_victims(
    title: str,
    text: str,
    names: list[str],
    published: date | None = None,
    folder: Path | None = None,
    language: str = "",
) -> tuple[VictimGuess, ...]:
    """Attributes for victims whose names are given (an analyst confirmed them)."""
    extractor = in_use(folder)
    article = F.Article.make(title or "", text or "", published, language)
    return tuple(extractor.describe(article, name, 1.0, victims=names) for name in names)
