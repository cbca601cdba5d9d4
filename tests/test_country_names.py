"""Country names in the reader's language: pycountry's catalogues leave a few in English where
the language has its own name, and those are filled in."""

import gettext

import pycountry
import pytest
from django.utils import translation

from aegis import places


@pytest.mark.parametrize(
    ("language", "code", "name"), [("es", "DZ", "Argelia"), ("ar", "TR", "تركيا")]
)
def test_a_name_the_catalogue_lacks_is_in_the_reader_s_language(language, code, name):
    with translation.override(language):
        assert dict(places.countries())[code] == name
        assert places.country_name(code) == name


def test_every_filled_name_is_one_the_catalogue_still_lacks():
    """When iso-codes translates one itself, its own name is used and this entry can go."""
    for (domain, language), names in places.MISSING_NAMES.items():
        own = gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language])
        for english in names:
            assert own.gettext(english) == english, (domain, language, english)
