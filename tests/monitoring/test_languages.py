"""News in Spanish, French and Arabic: the extractor finds the country, the date, the victim
and what was done to them in the language's own words (languages.py), and reads an English
article as before."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from aegis.monitoring import articles
from aegis.monitoring.extraction import dates, extract, features, languages

pytestmark = pytest.mark.engine_independent
SHIPPED_EXTRACTOR = articles.run_extractor  # before the stand-in replaces it (conftest)

SPANISH = (
    "Asesinan a periodista en Culiacán",
    "<p>CULIACÁN.- La periodista María Fernanda López Ríos fue asesinada a tiros la noche del "
    "12 de marzo de 2024 frente a su domicilio, informó la Fiscalía General del Estado.</p>"
    "<p>Según sus compañeros, López Ríos había recibido amenazas de muerte tras publicar una "
    "investigación sobre la corrupción policial. Hombres armados le dispararon al menos seis "
    "veces y huyeron en una camioneta.</p>"
    "<p>La organización Artículo 19 condenó el crimen y pidió a las autoridades mexicanas "
    "investigar su labor periodística como móvil.</p>",
    date(2024, 3, 13),
)
FRENCH = (
    "Un journaliste enlevé à Ouagadougou",
    "<p>Le journaliste burkinabè Issouf Kaboré, directeur de publication du bimensuel "
    "L'Éveil, a été enlevé à son domicile dans la nuit du 24 juin 2024 par des individus "
    "armés se présentant comme des agents du renseignement.</p>"
    "<p>Selon l'Association des journalistes du Burkina, ses proches sont sans nouvelles de "
    "lui depuis son enlèvement. Reporters sans frontières demande sa libération immédiate.</p>"
    "<p>Le militant avait déjà été convoqué par la gendarmerie en 2023 après un éditorial "
    "critique envers la junte.</p>",
    date(2024, 6, 26),
)
ARABIC = (
    "اغتيال صحفية في بغداد",
    "<p>قُتلت الصحفية العراقية زينب حسن برصاص مسلحين مجهولين أمام منزلها في بغداد مساء يوم "
    "٥ آذار/مارس ٢٠٢٤، بحسب ما أفادت مصادر أمنية.</p>"
    "<p>وكانت الصحفية تعمل مراسلة لقناة محلية وتغطي الاحتجاجات في العراق.</p>"
    "<p>وأدانت نقابة الصحفيين العراقيين عملية الاغتيال وطالبت السلطات بالكشف عن الجناة.</p>",
    date(2024, 3, 6),
)


def _summary(found: Any) -> dict[str, Any]:
    return {
        "country": found.country.value,
        "date": (found.year.value, found.month.value, found.day.value),
        "victims": [(v.name, v.sex, v.victim_types) for v in found.victims],
        "violations": [v.value for v in found.violation_types],
    }


@pytest.mark.parametrize(
    ("article", "language", "expected"),
    [
        (
            SPANISH,
            "es",
            {
                "country": "Mexico",
                "date": (2024, 3, 12),
                "victims": [("María Fernanda López Ríos", "woman", ("journalist",))],
                "violations": ["killing"],
            },
        ),
        (
            FRENCH,
            "fr",
            {
                "country": "Burkina Faso",
                "date": (2024, 6, 24),
                "victims": [("Issouf Kaboré", "man", ("journalist",))],
                "violations": ["kidnapping", "enforced disappearance"],
            },
        ),
        (
            ARABIC,
            "ar",
            {
                "country": "Iraq",
                "date": (2024, 3, 5),
                "victims": [("زينب حسن", "woman", ("journalist",))],
                "violations": ["killing"],
            },
        ),
    ],
)
def test_an_article_in_each_language_gets_its_country_date_victim_and_violation(
    article: tuple[str, str, date], language: str, expected: dict[str, Any]
) -> None:
    title, text, published = article
    assert _summary(extract(title, text, published, language=language)) == expected
    # Long enough to be recognised when the source says no language.
    assert _summary(extract(title, text, published)) == expected


def test_a_threat_of_death_is_no_killing() -> None:
    title = "Amenazan de muerte a defensora"
    text = (
        "La defensora de derechos humanos Ana Lucía Quintero recibió amenazas de muerte "
        "por su trabajo en Colombia, denunció la organización."
    )
    found = extract(title, text, date(2024, 5, 2), language="es")
    assert [v.value for v in found.violation_types] == ["other"]
    assert [(v.name, v.sex, v.victim_types) for v in found.victims] == [
        ("Ana Lucía Quintero", "woman", ("human rights defender",))
    ]
    # As the English path writes it: the annotators' most frequent form.
    assert found.country.value == "Columbia"
    # In Arabic the killing's word carries its particle: "threats of killing".
    assert languages.violations(["تلقت الصحفية تهديدات بالقتل."], "ar") == [
        ("other", 1, "تلقت الصحفية تهديدات بالقتل.")
    ]
    assert [v for v, _, _ in languages.violations(["قتل الصحفي بالرصاص."], "ar")] == ["killing"]


@pytest.mark.parametrize(
    ("language", "text", "country"),
    [
        ("es", "El periodista hondureño fue detenido ayer en Tegucigalpa.", "Honduras"),
        ("es", "Dos periodistas estadounidenses fueron detenidos.", "USA"),
        ("fr", "Un militant malien a été arrêté à Bamako.", "Mali"),
        ("fr", "Une avocate ivoirienne a été interpellée.", "Côte d'Ivoire"),
        ("ar", "اعتقلت السلطات ناشطا سوريا في دمشق.", "Syria"),
        ("ar", "اعتقل صحفي بالعراق.", "Iraq"),
        ("ar", "اختطاف ناشطة مصرية.", "Egypt"),
    ],
)
def test_countries_demonyms_and_capitals_in_the_language(
    language: str, text: str, country: str
) -> None:
    assert extract("", text, date(2024, 1, 10), language=language).country.value == country


@pytest.mark.parametrize(
    ("language", "text", "when"),
    [
        ("es", "Fue detenido el 3 de diciembre de 2023.", (2023, 12, 3)),
        ("fr", "Il a été arrêté le 1er mars 2024.", (2024, 3, 1)),
        ("ar", "اعتقل في ١٢ جانفي ٢٠٢٤.", (2024, 1, 12)),
        ("ar", "اعتقل في 5 أيار/مايو 2023م.", (2023, 5, 5)),
        ("ar", "اعتقل في 7 أفريل 2022.", (2022, 4, 7)),
        ("es", "Fue detenido en marzo de 2022.", (2022, 3, None)),
        ("fr", "Il est détenu depuis février 2021.", (2021, 2, None)),
    ],
)
def test_dates_in_the_language(language: str, text: str, when: tuple[int, int, int | None]) -> None:
    found = dates.mentions(text, date(2024, 3, 13), language)
    explicit = [(d.year, d.month, d.day) for d in found if d.kind == "explicit"]
    assert explicit[:1] == [when]


def test_weekdays_and_yesterday_in_the_language() -> None:
    published = date(2024, 3, 13)  # a Wednesday
    for language, text in (
        ("es", "El pasado lunes fue detenido."),
        ("fr", "Il a été arrêté lundi soir."),
        ("ar", "اعتقل مساء الاثنين."),
    ):
        found = dates.mentions(text, published, language)
        assert [(d.kind, d.month, d.day) for d in found] == [("weekday", 3, 11)], language
    for language, word in (("es", "ayer"), ("fr", "hier"), ("ar", "أمس")):
        found = dates.mentions(f"{word} ...", published, language)
        assert [(d.kind, d.day) for d in found] == [("relative", 12)], language


def test_sentence_openers_and_offices_are_no_names() -> None:
    text = (
        "Según la Fiscalía General del Estado, El Comité de Derechos Humanos pidió "
        "justicia para el activista Juan Pérez García."
    )
    article = features.Article.make("", text, None, "es")
    assert [c.name for c in features.candidates(article)] == ["Juan Pérez García"]
    text = "Selon l'Association des journalistes, Le militant Ali Traoré a disparu."
    article = features.Article.make("", text, None, "fr")
    assert [c.name for c in features.candidates(article)] == ["Ali Traoré"]


def test_the_victim_word_and_its_gender() -> None:
    assert languages.role_of("la periodista Ana Gómez", "Ana Gómez", "es") == languages.Role(
        "journalist", "woman"
    )
    assert languages.role_of("el periodista Ana Gómez", "Ana Gómez", "es") == languages.Role(
        "journalist", "man"
    )
    assert languages.role_of(
        "Ana Gómez, defensora de derechos humanos", "Ana Gómez", "es"
    ) == languages.Role("human rights defender", "woman")
    assert languages.role_of("le syndicaliste Paul Zongo", "Paul Zongo", "fr") == languages.Role(
        "trade unionist", "man"
    )
    assert languages.role_of("la journaliste Awa Diop", "Awa Diop", "fr") == languages.Role(
        "journalist", "woman"
    )
    text = "اعتقال المدافعة عن حقوق الإنسان سارة أحمد في القاهرة"
    assert languages.arabic_names(text) == [("سارة أحمد", text.index("سارة"))]
    assert languages.role_of("الناشط علي محمد", "علي محمد", "ar") == languages.Role(
        "human rights defender", "man"
    )


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # A family name with the article ends the name; it had been cut off or lost the name.
        ("قتل الصحفي محمد عبد الله القادري في بغداد.", "محمد عبد الله القادري"),
        ("اعتقل المدون السعودي عبد الرحمن الحربي أمس.", "عبد الرحمن الحربي"),
        ("اعتقلت السلطات الصحفي عمر الراضي.", "عمر الراضي"),
        ("اختطف الناشط السوداني أحمد الخير من منزله.", "أحمد الخير"),
        ("اعتقلت الناشطة سلمى الشهاب.", "سلمى الشهاب"),
        # Ali is a name; only "على" (on) ends one, though its key is the same.
        ("اعتقلت الشرطة الصحفي علي حسن في بغداد.", "علي حسن"),
        ("اعتقلت الشرطة الصحفي علي حسن على الحدود.", "علي حسن"),
        # A nationality or a time after the name is no family name.
        ("قتل الصحفي محمد حسن الأسبوع الماضي", "محمد حسن"),
        ("قتلت الصحفية زينب حسن العراقية", "زينب حسن"),
        # Joiners and direction marks typed inside the words.
        ("اعتقل الصحفي\u200c محمد\u200f أحمد", "محمد أحمد"),
    ],
)
def test_arabic_names_after_a_victim_word(text: str, name: str) -> None:
    assert [found for found, _ in languages.arabic_names(text)] == [name]


def test_an_arabic_text_without_a_victim_word_is_read_without_error() -> None:
    found = extract("خبر", "عقدت الحكومة اجتماعا لمناقشة الميزانية في الرياض.", None, language="ar")
    assert found.victims == ()
    assert found.country.value == "Saudi Arabia"


def test_the_language_a_source_gives_is_the_one_read() -> None:
    # Too short to be recognised: the source's language says how to read it.
    title, text = "Asesinan a periodista", "Ana Gómez, periodista, asesinada en México."
    told = SHIPPED_EXTRACTOR(title, text, date(2024, 3, 1), "es-MX")
    assert [v["value"] for v in told["violation_types"]] == ["killing"]
    assert [(v["name"], v["victim_types"]) for v in told["victims"]] == [
        ("Ana Gómez", ("journalist",))
    ]
    guessed = SHIPPED_EXTRACTOR(title, text, date(2024, 3, 1))
    assert guessed["violation_types"] != told["violation_types"]


def test_an_english_article_takes_none_of_the_other_languages_paths(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("read as another language")

    for name in ("violations", "role_of", "country_mentions", "arabic_names", "violent"):
        monkeypatch.setattr(languages, name, refused)
    monkeypatch.setattr(dates, "_foreign_mentions", refused)
    text = (
        "<p>Journalist Maria Lopez was shot dead in Culiacan, Mexico, on March 12, 2024, "
        "police said. She had received death threats after reporting on corruption.</p>"
    )
    article = features.Article.make("Journalist killed in Mexico", text, date(2024, 3, 13))
    assert article.language == "en"
    found = extract("Journalist killed in Mexico", text, date(2024, 3, 13))
    assert found == extract("Journalist killed in Mexico", text, date(2024, 3, 13), language="en")
    assert found.country.value == "Mexico"
    assert [v.name for v in found.victims] == ["Maria Lopez"]
