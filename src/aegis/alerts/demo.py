"""Fictional alerts for `aegis demo`: a partner organisation, a policy for people at critical
risk, a rule for arbitrary detentions, one past alert followed to its outcome and one drill
still open, so the console, the history and the drill report have something to show. Every
name and address is invented. `aegis demo` catches the email, SMS and Signal messages on this
machine (the "Demo mail" page: aegis/demo_mail.py and aegis/demo_gateway.py); the channels it
has no stand-in for fail, and the console shows them as failures to follow up, as on an
instance where they are not configured."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model

from aegis import clock
from aegis.cases.models import Compartment, Person
from aegis.incidents.vocabulary import ViolationType
from aegis.risk.vocabulary import Level

from . import policies, services
from .models import Delivery
from .vocabulary import AlertKind, Audience, Channel, RuleTrigger


def create_demo_data(compartment: Compartment, actor: Any) -> None:
    """Runs inside the demo caseworker's unlocked keys (see aegis/demo.py)."""
    coordinator = get_user_model().objects.filter(username="karim").first() or actor
    desk = policies.add_partner(
        name="Regional protection desk (fictional)",
        channel=Channel.EMAIL,
        address="desk@protection-desk.example.org",
        actor=coordinator,
    )
    policies.save_level_policy(
        Level.CRITICAL,
        [
            # Email first where a contact has an address, SMS for those with only a phone: the
            # demo's catchers then show a panic reaching contacts both ways.
            policies.StepInput(1, 5, [Audience.RESPONDERS, Audience.CONTACTS], ["email", "sms"]),
            policies.StepInput(
                2, 10, [Audience.COORDINATORS, Audience.PARTNERS], partner_ids=[desk.pk]
            ),
        ],
        actor=coordinator,
    )
    policies.create_rule(
        name="Any arbitrary detention",
        trigger=RuleTrigger.INCIDENT,
        violation_type=ViolationType.ARBITRARY_DETENTION,
        actor=coordinator,
    )
    person = Person.objects.filter(compartment=compartment, pseudonym="Ceiba").first()
    if person is None:
        return
    _past_alert(person, actor)
    services.raise_alert(person, AlertKind.MANUAL, actor_id=actor.pk, is_drill=True)


def _past_alert(person: Person, actor: Any) -> None:
    """A panic three days ago, acknowledged by the first recipient four minutes later."""
    started = clock.now() - timedelta(days=3)
    with clock.frozen(started):
        alert = services.raise_alert(person, AlertKind.PANIC, actor_id=actor.pk)
        first = Delivery.objects.filter(alert=alert).order_by("pk").first()
        if first is None:
            return
        clock.advance(timedelta(minutes=4))
        services.acknowledge(first.pk)
        clock.advance(timedelta(hours=2))
        services.resolve(
            alert, "Fictional: she was stopped at a checkpoint and released.", actor=actor
        )
