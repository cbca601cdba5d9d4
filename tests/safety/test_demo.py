"""The safety plans of the demo: four languages, two versions for one defender, and the demo
defender 'rosa' linked to that person so her own page shows the plan."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aegis.cases.demo import create_demo_data as create_cases
from aegis.roles import Role
from aegis.safety import selectors
from aegis.safety.demo import create_demo_data
from aegis.safety.models import PlanVersion, SafetyPlan
from aegis.vault import service_keys
from aegis.vault.keychain import unlocked

from .conftest import client

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(make_person, make_compartment):
    lucia = make_person(Role.CASEWORKER, "lucia")
    rosa = make_person(Role.DEFENDER, "rosa")
    compartment = make_compartment(lucia)
    with unlocked(lucia.keychain()):
        create_cases(compartment, lucia.user)
        create_demo_data(compartment, lucia.user)
    return lucia, rosa


def test_demo_plans(demo):
    lucia, _rosa = demo
    plans = SafetyPlan.objects.select_related("person")
    assert plans.count() == 4
    current = {p.person.pseudonym: selectors.current_version(p.person) for p in plans}
    assert {v.language for v in current.values()} == {"en", "es", "fr", "ar"}
    assert current["Ceiba"].number == 2 and PlanVersion.objects.count() == 5
    with unlocked(service_keys.service_keychain()):
        ceiba = current["Ceiba"].plan.person
        assert len(selectors.emergency_contacts(ceiba)) == 3
        assert selectors.duress_word_matches(ceiba, "Girasol")  # kept from version 1
        assert selectors.checkin_schedule(ceiba).interval.total_seconds() == 12 * 3600
    web = client(lucia)
    for version in current.values():
        url = reverse("safety:print", kwargs={"person_id": version.plan.person_id})
        page = web.get(url).content.decode()
        assert f'<html lang="{version.language}"' in page
    spanish = web.get(reverse("safety:print", kwargs={"person_id": ceiba.pk})).content.decode()
    assert "<h1>Plan de seguridad</h1>" in spanish and "Allanamiento" in spanish


def test_rosa_sees_her_plan(demo):
    _lucia, rosa = demo
    page = client(rosa).get(reverse("safety:mine")).content.decode()
    assert "Dra. Camila Ochoa" in page and "girasol" not in page


def test_the_demo_can_run_without_rosa(make_person, make_compartment):
    lucia = make_person(Role.CASEWORKER, "lucia")
    compartment = make_compartment(lucia)
    with unlocked(lucia.keychain()):
        create_cases(compartment, lucia.user)
        create_demo_data(compartment, lucia.user)
    assert SafetyPlan.objects.filter(person__account__isnull=False).count() == 0
    assert SafetyPlan.objects.count() == 4
