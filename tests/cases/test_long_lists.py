"""The new-case form past paging.LIST_AT_MOST people: the list is not sent, the person's own
page leads to the form with them chosen, and any person the member sees is still accepted."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aegis import paging
from aegis.cases.models import Case

from .conftest import client
from .test_pages import open_case_form

pytestmark = pytest.mark.django_db


def _options(page: str) -> list[str]:
    """The values of the person list's options."""
    select = re.search(r'<select name="person".*?</select>', page, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"', select.group(0))


def test_past_the_limit_the_new_case_form_lists_only_the_person_chosen(
    team, make_case, monkeypatch
):
    lucia = client(team.lucia)
    extra = [make_case(team.compartment, team.lucia).person for _ in range(2)]
    page = lucia.get(reverse("cases:new")).content.decode()
    assert _options(page) == ["", *(str(p.pk) for p in sorted([team.person, *extra], key=_order))]

    monkeypatch.setattr(paging, "LIST_AT_MOST", 2)  # three people now are too many
    page = lucia.get(reverse("cases:new")).content.decode()
    assert _options(page) == [""]
    assert "too many people to list here" in page
    assert all(p.pseudonym not in page for p in extra)

    person_page = lucia.get(reverse("cases:person", kwargs={"person_id": extra[1].pk}))
    link = f"{reverse('cases:new')}?person={extra[1].pk}"
    assert f'href="{link}"' in person_page.content.decode()
    page = lucia.get(link).content.decode()
    assert _options(page) == ["", str(extra[1].pk)]
    assert f'<option value="{extra[1].pk}" selected>' in page

    for odd in ("²", "abc", "-1", "9" * 30):  # digits int() refuses, words, no such person
        page = lucia.get(reverse("cases:new"), {"person": odd})
        assert page.status_code == 200 and _options(page.content.decode()) == [""]

    # Any person she sees is accepted, listed or not; one of another compartment is not.
    response = lucia.post(reverse("cases:new"), open_case_form(team, person=extra[0].pk))
    assert response.status_code == 302
    assert Case.objects.latest("pk").person == extra[0]
    cases_before = Case.objects.count()
    pedros = Case.objects.get(compartment=team.other_compartment).person
    response = lucia.post(reverse("cases:new"), open_case_form(team, person=pedros.pk))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert pedros.pseudonym not in response.content.decode()
    assert Case.objects.count() == cases_before


def _order(person) -> tuple[str, int]:
    return (person.pseudonym, person.pk)
