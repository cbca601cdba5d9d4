"""Choice labels read through aegis.labels are Django's own, in the request's language."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from aegis.cases.models import Case, Person
from aegis.incidents.models import Act, Incident

pytestmark = pytest.mark.engine_independent

FIELDS = [
    (Incident, "verification"),
    (Act, "violation_type"),
    (Case, "status"),
    (Case, "subject_kind"),
    (Person, "sector"),
    (Person, "gender"),
]


@pytest.mark.parametrize("language", ["en", "es", "ar"])
@pytest.mark.parametrize(("model", "name"), FIELDS)
def test_every_label_is_djangos_own_in_each_language(model, name, language):
    field = model._meta.get_field(name)
    values = [value for value, _label in field.flatchoices] + ["not-a-choice", ""]
    with translation.override(language):
        for value in values:
            row = model(**{field.attname: value})
            quick = getattr(row, f"get_{name}_display")()
            assert quick == models.Model._get_FIELD_display(row, field), value
            assert isinstance(quick, str)


def test_a_label_follows_the_language_switched_after_its_first_use():
    row = Incident(verification=Incident._meta.get_field("verification").flatchoices[0][0])
    with translation.override("en"):
        english = row.get_verification_display()
    with translation.override("es"):
        spanish = row.get_verification_display()
    assert english != spanish
