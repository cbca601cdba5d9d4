"""A form sent back with errors on a field says so at its top, in an alert a screen reader
announces, each problem linked to its field: the incident, password and evidence forms had
only marked the fields, with focus left where it was."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from aegis.roles import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

SUMMARY = "Nothing was saved yet: correct the marked fields."


def _summary(response) -> str:
    page = html.unescape(response.content.decode())
    assert SUMMARY in page, (response.status_code, page[page.find("<main") :][:3000])
    start = page.index('<div class="error" role="alert"><p>' + SUMMARY)
    return page[start : page.index("</div>", start)]


def test_the_incident_password_and_evidence_forms_say_their_problems_at_the_top(
    make_person, make_compartment, make_case
):
    lucia = make_person(Role.CASEWORKER)
    case = make_case(make_compartment(lucia), lucia)
    web = sign_in(Client(), lucia)
    incident = _summary(web.post(reverse("incidents:new"), {"title": ""}))
    assert '<a href="#id_title">' in incident
    password = _summary(
        web.post(
            reverse("accounts:password"),
            {"old_password": "", "new_password": "x", "new_password_again": "y"},
        )
    )
    assert "<li><a href=" in password
    upload = _summary(web.post(reverse("evidence:upload", kwargs={"reference": case.reference})))
    assert "<li><a href=" in upload
