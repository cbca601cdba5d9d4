"""The demo: an urgent appeal sent and awaiting its reply, and a letter whose reply is overdue,
which the caseworker's work queue shows."""

from __future__ import annotations

import pytest

from aegis.advocacy import queue, selectors
from aegis.advocacy.demo import create_demo_data
from aegis.advocacy.models import Communication
from aegis.cases.demo import create_demo_data as create_cases
from aegis.incidents.demo import create_demo_data as create_incidents
from aegis.roles import Role
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db


def test_demo_communications(make_person, make_compartment):
    lucia = make_person(Role.CASEWORKER, "lucia")
    karim = make_person(Role.COORDINATOR, "karim")
    compartment = make_compartment(lucia, karim)
    with unlocked(lucia.keychain()):
        create_cases(compartment, lucia.user)
        create_incidents(compartment, lucia.user)
        create_demo_data(compartment, lucia.user)
    written = Communication.objects.select_related("mechanism")
    assert written.filter(status="draft").count() == 1
    sent = {c.mechanism.code: c for c in written.exclude(status="draft")}
    assert set(sent) == {"un-special-procedures", "achpr-hrds", "iachr-precautionary"}
    appeal, letter = sent["un-special-procedures"], sent["achpr-hrds"]
    assert appeal.status == "sent" and not selectors.is_overdue(appeal)
    assert letter.status == "transmitted" and selectors.is_overdue(letter)
    assert next(i.text for i in queue.items(karim.user)).startswith("1 communication:")
