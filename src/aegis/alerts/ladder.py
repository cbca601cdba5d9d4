"""Which escalation ladder an alert climbs, and who each rung reaches.

The ladder is copied onto the alert when it is raised (EscalationLevel rows), so editing a
policy later never moves an alert already running. The policy is the case's own one where a
case overrides it, else the policy of the person's highest current risk level, else the
built-in ladder: responders and emergency contacts, then coordinators."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from aegis.cases.models import Person
from aegis.risk import selectors as risk
from aegis.risk.vocabulary import LEVEL_RANK

from .models import EscalationPolicy
from .vocabulary import Audience

DEFAULT_LADDER = ((1, 10), (2, 20))  # (level, minutes to acknowledge)
DEFAULT_CHANNELS = "email,sms"


@dataclass(frozen=True)
class Rung:
    number: int
    deadline_minutes: int
    audiences: tuple[str, ...]
    channels: tuple[str, ...]
    partner_ids: tuple[int, ...] = ()


def _default_audiences(number: int) -> tuple[str, ...]:
    if number == 1:
        return (Audience.RESPONDERS, Audience.CONTACTS)
    return (Audience.COORDINATORS,)


def default_ladder() -> list[Rung]:
    """AEGIS_ALERT_LADDER ((level, minutes), ...) with the built-in audiences."""
    pairs = getattr(settings, "AEGIS_ALERT_LADDER", DEFAULT_LADDER)
    channels = tuple(DEFAULT_CHANNELS.split(","))
    return [Rung(int(n), int(m), _default_audiences(int(n)), channels) for n, m in pairs]


def policy_for(person: Person) -> EscalationPolicy | None:
    """The case's override, else the policy of the person's highest current risk level."""
    override = (
        EscalationPolicy.objects.filter(case__person_id=person.pk).order_by("-updated_at").first()
    )
    if override is not None:
        return override
    levels = risk.current_levels_of_person(person.pk)
    if not levels:
        return None
    highest = max(levels, key=lambda level: LEVEL_RANK.get(level, -1))
    return EscalationPolicy.objects.filter(risk_level=highest).first()


def split(codes: str) -> tuple[str, ...]:
    return tuple(code for code in (part.strip() for part in codes.split(",")) if code)


def rungs_of(policy: EscalationPolicy) -> list[Rung]:
    return [
        Rung(
            step.number,
            step.deadline_minutes,
            split(step.audiences),
            split(step.channels),
            tuple(sorted(p.pk for p in step.partners.all())),
        )
        for step in policy.steps.prefetch_related("partners").order_by("number")
    ]


def ladder_for(person: Person) -> tuple[EscalationPolicy | None, list[Rung]]:
    policy = policy_for(person)
    rungs = rungs_of(policy) if policy is not None else []
    return (policy, rungs) if rungs else (None, default_ladder())
