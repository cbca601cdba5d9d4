"""Pages in the reader's language; Arabic right to left."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "direction", "sign_in"),
    [
        ("en", "ltr", "Sign in"),
        ("es", "ltr", "Iniciar sesión"),
        ("fr", "ltr", "Se connecter"),
        ("ar", "rtl", "تسجيل الدخول"),
    ],
)
def test_sign_in_page_in_each_language(language, direction, sign_in):
    page = Client(headers={"Accept-Language": language}).get("/accounts/login/").content.decode()
    assert f'lang="{language}" dir="{direction}"' in page
    assert f"<h1>{sign_in}</h1>" in page


@pytest.mark.parametrize("page", ["/accounts/login/", "/report/"])
@pytest.mark.parametrize("language", ["es", "ar"])
def test_each_language_is_offered_in_its_own_name(page, language):
    """A reader who cannot read this page's language finds their own by its name, as they
    write it: not "Inglés" on a Spanish page."""
    shown = Client(headers={"Accept-Language": language}).get(page).content.decode()
    for code, name in [("en", "English"), ("es", "Español"), ("fr", "Français")]:
        assert f'<option value="{code}" lang="{code}"' in shown
        assert f">{name}</option>" in shown


def test_language_choice_is_kept():
    client = Client()
    client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    assert "Se connecter" in client.get("/accounts/login/").content.decode()


def test_lists_are_joined_with_the_languages_own_separator() -> None:
    from django.utils import translation

    from aegis.accounts.templatetags.lists import listed

    with translation.override("ar"):
        assert listed(["أ", "ب", 3]) == "أ، ب، 3"
    with translation.override("en"):
        assert listed(["a", "b"]) == "a, b"


def test_currency_names_are_in_the_reader_s_language() -> None:
    """The grant and disbursement forms list currencies by code and name: the name in the
    page's language (pycountry's ISO 4217 catalogues), not English."""
    from django.utils import translation

    from aegis.support import money

    with translation.override("es"):
        spanish = dict(money.currencies())
    with translation.override("en"):
        english = dict(money.currencies())
    assert english["EUR"] == "EUR · Euro"
    assert english["USD"] == "USD · US Dollar"
    assert spanish["USD"] != english["USD"] and spanish["USD"].startswith("USD · ")
    assert "dólar" in spanish["USD"].lower()
    # Where pycountry's catalogue has no name, CLDR's: 33 had stayed English in Arabic.
    with translation.override("ar"):
        arabic = dict(money.currencies())
    assert arabic["KES"] == "KES · شلن كينيي"
    # CLDR lacks one or two of the newest (VED, the digital bolívar, in Babel 2.19).
    assert len([code for code in english if arabic[code] == english[code]]) <= 2


def test_typed_paragraphs_take_their_own_direction() -> None:
    """Text typed in one language shown on a page in another: an English need on an Arabic
    page had its full stop at the wrong end (".Laptop and phone seized"). Every multi-line text
    a template shows stands in an element of its own direction (dir="auto") or in a <bdi>."""
    import re
    from pathlib import Path

    import aegis

    root = Path(aegis.__file__).parent
    unset = []
    for template in sorted(root.glob("**/templates/**/*.html")):
        source = template.read_text()
        for found in re.finditer(r"\{\{[^}]*\|linebreaksbr[^}]*\}\}", source):
            before = source[: found.start()]
            if not before.endswith(('dir="auto">', "<bdi>")):
                unset.append(f"{template.relative_to(root)}: {found.group(0)}")
    assert unset == []
