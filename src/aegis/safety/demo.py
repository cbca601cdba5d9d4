"""Fictional safety plans for `aegis demo`, in Spanish, English, French and Arabic. Every name,
number and address is invented. The demo defender 'rosa' is linked to Ceiba, whose plan has
two versions, so the defender's page has something to show."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.contrib.auth import get_user_model

from aegis.cases import services as cases
from aegis.cases.models import Case, Compartment, Person

from . import services
from .demo_plans import PLANS, SIDRA
from .drafts import ContactDraft, PlanDraft, ScenarioDraft


def draft(spec: dict[str, Any]) -> PlanDraft:
    quiet = spec.get("quiet")
    return PlanDraft(
        language=spec["language"],
        contacts=[ContactDraft(**c) for c in spec["contacts"]],
        checkin_interval_hours=spec.get("interval"),
        checkin_grace_minutes=spec.get("grace", 30),
        quiet_from=time.fromisoformat(quiet[0]) if quiet else None,
        quiet_until=time.fromisoformat(quiet[1]) if quiet else None,
        duress_word=spec.get("duress"),
        safe_places="\n".join(spec.get("safe_places", [])),
        scenarios=[ScenarioDraft(kind, *texts) for kind, texts in spec["scenarios"].items()],
    )


def _people(compartment: Compartment, actor: Any) -> dict[str, Person]:
    cased = Case.objects.filter(compartment=compartment, person__isnull=False)
    people = {c.person.pseudonym: c.person for c in cased.select_related("person") if c.person}
    if SIDRA["pseudonym"] not in people:
        # No demo defender writes in Arabic yet: one more fictional person, with no case.
        people[SIDRA["pseudonym"]] = cases.create_person(compartment, actor_id=actor.pk, **SIDRA)
    return people


def _link_rosa(person: Person, actor: Any) -> None:
    rosa = get_user_model().objects.filter(username="rosa").first()
    linked = rosa is None or Person.objects.filter(account=rosa).exists()
    if not linked and person.account_id is None:
        cases.link_account(person, rosa, actor=actor)  # as a caseworker does, audited


def create_demo_data(compartment: Compartment, actor: Any) -> None:
    """Runs inside the demo caseworker's unlocked keys (see aegis/demo.py)."""
    people = _people(compartment, actor)
    for pseudonym, versions in PLANS.items():
        person = people.get(pseudonym)
        if person is None:
            continue
        if pseudonym == "Ceiba":
            _link_rosa(person, actor)  # before saving, so the plan is sealed to her account too
        for spec in versions:
            services.save_plan(person, draft(spec), actor_id=actor.pk)
