"""A form refused because its writer's access went while the page was open (taken out of
the case's compartment: 404; another role: 403) had lost what they typed. The refusal shows
it back to them, never a password, a code or a duress word, and only to a signed-in person."""

from __future__ import annotations

import html
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from aegis.cases import services as case_services
from aegis.cases.models import CaseNote
from aegis.roles import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _send(web, url, data):
    """As a browser sends a form without files."""
    return web.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")


NOTE = "Called her at 9: the car came back twice, plates KDA 443."


def test_a_note_refused_after_its_writer_left_the_compartment_is_shown_back(
    make_person, make_compartment, make_case
):
    lucia, karim = make_person(Role.CASEWORKER), make_person(Role.COORDINATOR)
    compartment = make_compartment(lucia, karim)
    case = make_case(compartment, lucia)
    web = sign_in(Client(), lucia)
    url = reverse("cases:note-add", kwargs={"reference": case.reference})
    assert web.get(url).status_code == 200
    case_services.remove_member(compartment, lucia.user, actor_id=karim.user.pk)
    refused = _send(web, url, {"body": NOTE, "seen": "x", "password": "hunter2 long one"})
    page = html.unescape(refused.content.decode())
    assert refused.status_code == 404 and not CaseNote.objects.exists()
    assert "What you wrote" in page and NOTE in page
    assert "hunter2" not in page and 'name="seen"' not in page
    assert "no-store" in refused.get("Cache-Control", "") or "private" in refused.get(
        "Cache-Control", ""
    )


def test_a_form_refused_for_the_role_shows_what_was_typed_and_a_stranger_gets_nothing(
    make_person, make_compartment, make_case
):
    lucia, vera = make_person(Role.CASEWORKER), make_person(Role.AUDITOR)
    case = make_case(make_compartment(lucia), lucia)
    url = reverse("cases:note-add", kwargs={"reference": case.reference})
    refused = _send(sign_in(Client(), vera), url, {"body": NOTE, "duress_word": "bluebird"})
    page = html.unescape(refused.content.decode())
    assert refused.status_code == 403 and NOTE in page and "bluebird" not in page
    stranger = _send(Client(), "/no/such/page/", {"body": NOTE})
    assert stranger.status_code == 404 and NOTE not in html.unescape(stranger.content.decode())
    assert "What you wrote" not in stranger.content.decode()
