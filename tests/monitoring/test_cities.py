"""The incident's city (cities.py): a wire dateline first, then the city named most, with
people's names and known cities of other countries counting for little or nothing."""

from __future__ import annotations

import pytest

from aegis.monitoring.extraction import cities, features, pipeline, places

pytestmark = pytest.mark.engine_independent


def article(title: str, body: str) -> features.Article:
    return features.Article.make(title, body, None)


@pytest.mark.parametrize(
    ("body", "city"),
    [
        ("CORPUS CHRISTI, Texas \u2014 A man was charged.", "Corpus Christi"),
        ("TORONTO -- Three people have been charged.", "Toronto"),
        ("By May Kha YANGON - Hearings were held on Tuesday.", "Yangon"),
        ("RIDGELAND, S.C. (WTOC) - An officer was charged.", "Ridgeland"),
        ("MEXICO CITY (Reuters) - Soldiers may be arrested.", "Mexico City"),
    ],
)
def test_a_wire_dateline_gives_the_city(body: str, city: str) -> None:
    found = places.dateline_city(body)
    assert found is not None and found[0] == city


@pytest.mark.parametrize(
    "body",
    [
        "NIGERIA - Gunmen abducted students.",  # a country
        "BRITAIN is collapsing.",  # no separator after the capitals
        "SAUDI ARABIA\u2019S real reformers are behind bars.",
        "Police arrested two men, the spokesman said.",  # not in capitals
        "UN - The council met.",
        "UPDATE - The suspect was freed.",
        "FILE - A protester in 2020.",
    ],
)
def test_no_dateline(body: str) -> None:
    assert places.dateline_city(body) is None


def test_the_dateline_comes_before_the_city_named_most() -> None:
    text = article(
        "Pair charged",
        "CORPUS CHRISTI, Texas \u2014 The pair was held in Flour Bluff. "
        "Police in Flour Bluff said the woman was freed in Flour Bluff.",
    )
    name, _, offset = cities.choose(text, frozenset({"Flour Bluff"}), {}, "US") or ("", 0, 0)
    assert name == "Corpus Christi"
    assert text.full[offset:].startswith("CORPUS CHRISTI")


def test_a_persons_name_after_of_or_in_is_no_city() -> None:
    text = article(
        "Critic detained",
        "The lawyer of Donald Trump spoke in Zaria. The critics of Trump met in Zaria, "
        "the friends of Trump in Kafanchan, the foes of Trump nowhere.",
    )
    assert cities._people(text) >= {"Donald Trump", "Trump"}
    found = cities.choose(text, frozenset(), {}, "NG")
    assert found is not None and found[0] == "Zaria"


def test_a_known_city_of_another_country_counts_less() -> None:
    text = article(
        "Blogger attacked",
        "The blogger, who lived in Moscow and in Moscow again, was attacked in Gavle.",
    )
    known = frozenset({"Moscow", "Gavle"})
    where = {"Moscow": "RU", "Gavle": "SE"}
    # Moscow named twice, but the article is about Sweden: 2 x 0.25 against 1.
    assert (cities.choose(text, known, where, "SE") or ("",))[0] == "Gavle"
    assert (cities.choose(text, known, where, "RU") or ("",))[0] == "Moscow"
    assert (cities.choose(text, known, where, None) or ("",))[0] == "Moscow"


def test_the_country_of_a_city() -> None:
    assert cities.country_of("Gavle", {"Gavle": "SE"}) == "SE"
    assert cities.country_of("Lagos", {}) == "NG"  # stands for its country
    assert cities.country_of("London", {}) == "GB-ENG"
    assert cities.country_of("Kaduna", {}) == "NG"  # a state of the same name
    assert cities.country_of("Atlantis", {}) is None


def test_the_shipped_model_knows_the_country_of_its_cities() -> None:
    where = pipeline.default().city_countries
    assert where and all(len(code) >= 2 for code in where.values())


@pytest.mark.parametrize(
    ("body", "city"),
    [
        # A city with an accent had been cut at it ("Torib", proposed with full confidence).
        ("The indigenous guard was shot in Toribío on Sunday.", "Toribío"),
        ("Bogotá, Colombia - A journalist was threatened.", "Bogotá"),
        # A word with a letter outside Latin-1 is not cut short either: no city from it.
        ("The activist was detained in Łódź and released.", None),
        ("The cables published in WikiLeaks named him.", None),
    ],
)
def test_a_place_name_is_never_cut_at_a_letter(body: str, city: str | None) -> None:
    found = cities.choose(article("Attack", body), frozenset(), {}, None)
    assert (found[0] if found else None) == city
