"""The incident's country: the names of countries and their mentions (places.py), each named
country's features (countries.py), the classifier that picks one, and the ISO code a draft
records."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from aegis.monitoring import drafts
from aegis.monitoring.extraction import countries, features, linear, pipeline, places, train

pytestmark = pytest.mark.engine_independent


def article(title: str, body: str) -> features.Article:
    return features.Article.make(title, body, None)


def test_england_scotland_and_wales_are_answers_of_their_own() -> None:
    assert places.country_code("England") == "GB-ENG"
    assert places.country_code("Scotland") == "GB-SCT"
    assert places.country_code("Wales") == "GB-WLS"
    assert places.country_code("United Kingdom") == "GB"
    assert places.country_form("GB-SCT") == "Scotland"
    assert places.country_form("NG") == "Nigeria"


def test_a_country_no_annotator_named_is_written_as_the_news_writes_it() -> None:
    # The news's short form first, then pycountry's name without its inversion or note.
    assert places.country_form("PS") == "Palestine"
    assert places.country_form("GB-WLS") == "Wales"
    assert places.country_form("RU") == "Russia"
    assert places.country_form("FM") == "Micronesia"
    assert places.country_form("VA") == "Holy See"
    assert places.country_form("VG") == "British Virgin Islands"
    assert places.country_form("BQ") == "Bonaire, Sint Eustatius and Saba"


def test_a_draft_records_gb_for_england_scotland_and_wales() -> None:
    assert places.country_iso("England") == "GB"
    assert places.country_iso("Wales") == "GB"
    assert places.country_iso("USA") == "US"
    assert places.country_iso("Nigeria") == "NG"
    assert places.country_iso("Atlantis") == ""
    assert drafts.country_code("Scotland") == "GB"
    assert drafts.country_code("") == ""
    assert drafts.country_code(None) == ""


def test_a_misspelt_gold_country_gets_the_closest_name() -> None:
    assert places.country_code("Turrkey") == "TR"
    assert places.country_code("Nigeia") == "NG"
    assert places.country_code("Unites States of America") == "US"
    assert places.country_code("Columbia") == "CO"
    # A state gives its country; a continent or a former country, none.
    assert places.country_code("Texas") == "US"
    for name in ("Africa", "Soviet Union", "None", "", None):
        assert places.country_code(name) is None


def test_a_subdivision_two_countries_share_goes_to_the_one_the_news_names() -> None:
    assert places.subdivisions()["Florida"] == "US"


def test_mention_kinds() -> None:
    assert places.mention_kind("Nigeria") == "name"
    assert places.mention_kind("Nigerian") == "demonym"
    assert places.mention_kind("Afghan") == "demonym"
    assert places.mention_kind("Mali") == "name"
    assert places.mention_kind("Lagos") == "place"


def test_mentions_say_how_and_where_a_country_is_named() -> None:
    found = countries.mentions(
        article(
            "Nigerian journalist abducted",
            "A London based group said the reporter was abducted in Kaduna on Monday. "
            "Gunmen killed two guards.\nThe South of the country is calm.",
        )
    )
    by_code = {m.code: m for m in reversed(found)}  # each code's first mention
    assert by_code["NG"].kind == "demonym" and by_code["NG"].sentence == 0
    assert by_code["GB-ENG"].based and by_code["GB-ENG"].kind == "place"
    kaduna = [m for m in found if m.kind == "subdivision"]
    assert [m.code for m in kaduna] == ["NG"] and kaduna[0].violent
    # "South" is a region of Cameroon in pycountry, and a common word here.
    assert "CM" not in by_code


def test_a_country_named_as_another_countrys_state_is_that_country() -> None:
    """Niger State is Nigeria's: "the Niger state Police Command" had made the kidnapping of
    five schoolgirls in Mariga an incident in Niger. Niger's own state media stays Niger's."""
    found = countries.mentions(
        article(
            "Hunt for five kidnapped school girls begins",
            "A manhunt by the Niger state Police Command has begun. Niger State is calm. "
            "Niger's state media said troops crossed into Niger.",
        )
    )
    assert [(m.code, m.kind) for m in found] == [
        ("NG", "subdivision"),
        ("NG", "subdivision"),
        ("NE", "name"),
        ("NE", "name"),
    ]


def test_candidate_features() -> None:
    found = countries.candidates(
        article(
            "Journalist detained in Belarus",
            "Minsk, Belarus - Police arrested the journalist. A USA based group protested. "
            "A Kenya-based one did not. Belarus denied it.",
        )
    )
    # The hyphenated "Kenya-based" is one word: no mention.
    assert set(found) == {"BY", "US"}
    belarus, us = found["BY"], found["US"]
    assert belarus["in_title"] == 1 and belarus["in_dateline"] == 1 and belarus["is_first"] == 1
    assert belarus["kind:place"] == pytest.approx(1 / 4) and belarus["kind:name"] == 0.75
    assert belarus["is_most"] == 1 and belarus["share"] == pytest.approx(4 / 5)
    assert us["only_based"] == 1 and us["in_title"] == 0 and us["first_rank"] == 0.5
    assert countries.candidates(article("Quiet day", "Nothing happened.")) == {}


def test_the_classifier_picks_the_highest_scoring_candidate() -> None:
    row_index = {"in_title": 0, "only_based": 1}
    model = linear.Linear(
        classes=[False, True],
        index=row_index,
        coef=np.array([[3.0, -5.0]], dtype=np.float32),
        intercept=np.array([-1.0], dtype=np.float32),
    )
    extractor = pipeline.default()
    saved = extractor.models["country"]
    extractor.models["country"] = model
    try:
        # Named most, but only as the seat of a group: the country in the title wins.
        guess = extractor.country(
            article(
                "Blogger jailed in Uganda",
                "A UK-based and UK-funded group, with UK-based lawyers, condemned the sentence.",
            )
        )
    finally:
        extractor.models["country"] = saved
    assert guess.value == "Uganda" and guess.sentence


def test_training_labels_each_candidate_by_the_gold_country() -> None:
    records: list[dict[str, Any]] = []
    for title, body, country in [
        ("Reporter held in Turkey", "Police in Ankara detained a Syrian reporter.", "Turrkey"),
        ("Activist shot in Syria", "Turkish media said the activist died.", "Syria"),
        ("Lawyer arrested", "Kenyan police arrested a lawyer in Nairobi.", "Kenya"),
        ("Editor detained in Uganda", "The Kenyan editor was detained.", "Uganda"),
    ]:
        records.append(
            {
                "sample": {"Input.title": title, "Input.article_interface": body},
                "merged_sample": {"country": country},
            }
        )
    rows, targets = train.country_rows(
        [train.article(r) for r in records], [r["merged_sample"] for r in records]
    )
    assert len(rows) == len(targets) == 7
    # "Turrkey" still labels the Turkish candidate.
    assert targets[:2] == [True, False]
    assert sum(targets) == 4


def test_shipped_model_has_a_country_classifier() -> None:
    model = pipeline.default().models["country"]
    assert model.classes == [False, True]
    assert "in_title" in model.index and "kind:demonym" in model.index


def test_every_country_the_extractor_can_write_is_read_back_as_its_own_code() -> None:
    """A draft's country is read back from the name the extractor wrote: as the annotators
    wrote it most often ("Columbia", "the Netherlands", "Democratic Republic of the Congo"),
    or as country_form writes one they never named. These had given a draft no country."""
    import pycountry

    from aegis.monitoring.extraction import pipeline

    forms = pipeline.default().country_forms
    assert forms["CO"] == "Columbia"  # the annotators' most frequent spelling
    for code, form in forms.items():
        assert places.country_iso(form) == code.split("-")[0], form
    for country in pycountry.countries:
        assert places.country_iso(places.country_form(country.alpha_2)) == country.alpha_2
    # The Democratic Republic of the Congo named in full is not the Republic of the Congo.
    assert [
        code for code, _ in places.countries_in("in Goma, Democratic Republic of the Congo")
    ] == ["CD"]
