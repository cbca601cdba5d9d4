"""Two people on the same case: one moved it from Intake to Active, and the other's page,
still showing Intake, then closed it with nothing said. A page's status change is refused
where the case has moved since the page was drawn, and taken when sent again from it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from aegis.cases.models import Case
from aegis.roles import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _seen(page) -> str:
    found = re.search(r'name="seen" value="([^"]*)"', page.content.decode())
    assert found, page.content.decode()[:2000]
    return found.group(1)


def test_a_status_change_from_a_stale_page_is_refused_in_words(
    make_person, make_compartment, make_case
):
    lucia, karim = make_person(Role.CASEWORKER), make_person(Role.COORDINATOR)
    case = make_case(make_compartment(lucia, karim), lucia)
    url = reverse("cases:status", kwargs={"reference": case.reference})
    first, second = sign_in(Client(), lucia), sign_in(Client(), karim)
    seen = _seen(second.get(url))
    assert seen == case.status == "intake"
    moved = first.post(
        url, {"to_status": "active", "reason": "Met her", "seen": _seen(first.get(url))}
    )
    assert moved.status_code == 302
    refused = second.post(url, {"to_status": "closed", "reason": "Done", "seen": seen})
    assert refused.status_code == 200
    words = "The case was moved to “Active protection” since you opened this page"
    assert words in refused.content.decode()
    assert Case.objects.get(pk=case.pk).status == "active"
    assert _seen(refused) == "active"
    again = second.post(url, {"to_status": "closed", "reason": "Done", "seen": "active"})
    assert again.status_code == 302 and Case.objects.get(pk=case.pk).status == "closed"
