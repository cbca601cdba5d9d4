"""Text typed by people keeps its own direction: a Latin note on an Arabic page (and Arabic on
an English one) sits in an element marked dir="auto", so the browser reads its direction from
its first strong letter instead of the page's."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import client

pytestmark = pytest.mark.django_db

LATIN = "Met her in town, 3 people"
ARABIC = "التقينا بها في المدينة"


def test_notes_and_summaries_carry_dir_auto_in_both_directions(team):
    lucia = client(team.lucia)
    ref = {"reference": team.case.reference}
    for body in (LATIN, ARABIC):
        response = lucia.post(reverse("cases:note-add", kwargs=ref), {"body": body})
        assert response.status_code == 302
    url = reverse("cases:detail", kwargs=ref)

    lucia.post("/i18n/setlang/", {"language": "ar", "next": url})
    arabic_page = lucia.get(url).content.decode()
    assert 'dir="rtl"' in arabic_page
    assert f'<p dir="auto">{LATIN}</p>' in arabic_page

    lucia.post("/i18n/setlang/", {"language": "en", "next": url})
    english_page = lucia.get(url).content.decode()
    assert 'dir="ltr"' in english_page
    assert f'<p dir="auto">{ARABIC}</p>' in english_page
    # The case's summary, typed too.
    assert f'<p dir="auto">{team.case.summary}' in english_page


def test_text_fields_take_the_direction_of_what_is_typed(team):
    lucia = client(team.lucia)
    form = lucia.get(reverse("cases:note-add", kwargs={"reference": team.case.reference}))
    assert '<textarea name="body" dir="auto"' in form.content.decode()
    sign_in_page = Client().get("/accounts/login/").content.decode()
    assert '<input type="text" name="username" dir="auto"' in sign_in_page
