"""A saved date must show in every date picker in every language: `<input type="date">` takes
only yyyy-mm-dd, and a value written the language's way ("27/10/2026" in Spanish and French)
is shown empty by the browser and lost on the next save."""

import datetime
import importlib
import pkgutil

import pytest
from django import forms
from django.utils import translation

import aegis

DAY = datetime.date(2026, 10, 27)


def _date_fields() -> list[tuple[str, str]]:
    found = []
    for module in pkgutil.walk_packages(aegis.__path__, "aegis."):
        if not module.name.endswith(".forms"):
            continue
        for name, value in vars(importlib.import_module(module.name)).items():
            if isinstance(value, type) and issubclass(value, forms.BaseForm):
                for field_name, field in value.base_fields.items():
                    if isinstance(field, forms.DateField):
                        found.append((f"{module.name}.{name}", field_name))
    return found


DATE_FIELDS = _date_fields()


def test_the_forms_have_date_fields_to_check():
    assert len(DATE_FIELDS) >= 10


@pytest.mark.parametrize("language", ["es", "fr", "ar", "en"])
@pytest.mark.parametrize(("form", "field"), DATE_FIELDS)
def test_a_saved_date_is_written_as_the_date_picker_reads_it(form, field, language):
    module, name = form.rsplit(".", 1)
    widget = getattr(importlib.import_module(module), name).base_fields[field].widget
    with translation.override(language):
        html = widget.render(field, DAY)
    assert 'value="2026-10-27"' in html, (form, field, html)
