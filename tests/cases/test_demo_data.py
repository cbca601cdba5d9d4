"""The cases demo data: fictional people and cases across countries, languages and sectors,
with notes, tasks (some overdue), status changes and consents, readable in the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aegis.cases import selectors
from aegis.cases.demo import create_demo_data
from aegis.cases.forms import PersonForm
from aegis.cases.models import Case, CaseNote, CaseStatusChange, ConsentRecord, Person
from aegis.roles import Role
from aegis.vault.keychain import unlocked

from .conftest import client

pytestmark = pytest.mark.django_db


def test_demo_data(make_person, make_compartment):
    lucia = make_person(Role.CASEWORKER, "lucia")
    karim = make_person(Role.COORDINATOR, "karim")
    compartment = make_compartment(lucia, karim)
    with unlocked(lucia.keychain()):
        create_demo_data(compartment, lucia.user)

    people = Person.objects.filter(compartment=compartment)
    cases = Case.objects.filter(compartment=compartment)
    assert people.count() >= 6 and cases.count() >= 8
    assert {"CO", "GT", "HN", "MX", "PH", "KE", "UG"} <= set(
        people.values_list("country", flat=True)
    )
    languages = {
        code for row in people.values_list("languages", flat=True) for code in row.split(",")
    }
    assert {"es", "en", "fr", "tl", "sw"} <= languages
    assert len(set(people.values_list("sector", flat=True))) >= 6
    assert len(set(people.values_list("gender", flat=True))) >= 3
    assert set(cases.values_list("status", flat=True)) == {
        "intake",
        "active",
        "monitoring",
        "closed",
    }
    assert cases.filter(person__isnull=True).exists()
    assert CaseNote.objects.filter(case__in=cases).count() >= 8
    assert CaseStatusChange.objects.filter(case__in=cases).exclude(from_status="").count() >= 8
    assert ConsentRecord.objects.filter(person__in=people).count() >= 6
    assert selectors.overdue_tasks(lucia.user).count() >= 3

    # Every demo person passes the same checks as one typed into the form.
    with unlocked(lucia.keychain()):
        for person in people:
            data = {name: getattr(person, name) for name in PersonForm.field_order}
            form = PersonForm(data)
            assert form.is_valid(), (person.pseudonym, form.errors)

    # The other member reads it all in the pages.
    signed_in = client(karim)
    assert signed_in.get(reverse("cases:list")).status_code == 200
    for case in cases:
        page = signed_in.get(reverse("cases:detail", kwargs={"reference": case.reference}))
        assert page.status_code == 200
    overdue = [c for c in cases if c.tasks.filter(done_at__isnull=True).exists()]
    page = signed_in.get(reverse("cases:detail", kwargs={"reference": overdue[0].reference}))
    assert page.status_code == 200
    assert signed_in.get(reverse("cases:people")).content.decode().count("/cases/people/") >= 6
    with unlocked(karim.keychain()):
        found = selectors.search(karim.user, "marisol quintero arango")
    assert [p.pseudonym for p in found.people] == ["Ceiba"]
