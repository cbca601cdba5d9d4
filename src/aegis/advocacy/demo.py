"""Fictional communications for `aegis demo`: an urgent appeal to the Special Procedures, sent
ten days ago and awaiting the State's reply, and an allegation letter to the African
Commission's rapporteur whose reply is overdue. Everything here is invented."""

from __future__ import annotations

import datetime
from typing import Any

from aegis import clock
from aegis.cases import selectors as cases
from aegis.cases import services as case_services
from aegis.cases.models import Compartment
from aegis.cases.vocabulary import ConsentScope
from aegis.incidents import selectors as incidents

from . import seed, services
from .models import Mandate, Mechanism

ACCOUNT = (
    "The defender, a community leader who documents evictions and the pollution of the river "
    "by a mining company, was declared a 'military target' in a pamphlet signed by an armed "
    "group, and her home was watched for three nights by two men on a motorbike. She had "
    "testified before the municipal council a week earlier. The authorities were informed "
    "but no protection measure has been put in place. (Fictional.)"
)
ELEMENTS = {
    "source": "Aegis demo organisation (fictional), legal aid for defenders",
    "confidential": "The identity of the neighbour who saw the men; the leader's address.",
}


def _reviewer(compartment: Compartment, actor: Any) -> Any:
    staff = cases.members_of(compartment).exclude(pk=actor.pk)
    return next((u for u in staff if u.has_perm("accounts.view_cases")), None)


def _sent(
    communication: Any, actor: Any, reviewer: Any, sent_days_ago: int, transmitted: int | None
) -> None:
    services.submit_for_review(communication, actor_id=actor.pk)
    services.approve(communication, actor_id=reviewer.pk)
    today = clock.today()
    services.mark_sent(
        communication, actor_id=actor.pk, on=today - datetime.timedelta(days=sent_days_ago)
    )
    if transmitted is not None:
        services.acknowledge(
            communication,
            reference="AL COL 4/2026",
            actor_id=actor.pk,
            on=today - datetime.timedelta(days=sent_days_ago - 2),
        )
        services.transmitted(
            communication, actor_id=actor.pk, on=today - datetime.timedelta(days=transmitted)
        )


def create_demo_data(compartment: Compartment, actor: Any) -> None:
    """Runs inside the demo caseworker's unlocked keys (see aegis/demo.py)."""
    seed.ensure(Mechanism, Mandate)  # already there after migrate; a flushed test database
    reviewer = _reviewer(compartment, actor)
    case = next(
        (
            c
            for c in cases.visible_cases(actor).filter(
                compartment=compartment, person__isnull=False
            )
            if incidents.incidents_of_case(actor, c).exists()
        ),
        None,
    )
    if reviewer is None or case is None or case.person is None:
        return
    # She agreed to a UN or regional mechanism, not to being named to the government: the
    # exports show her pseudonym.
    if not cases.has_consent(case.person, ConsentScope.UN_MECHANISM):
        case_services.record_consent(
            case.person,
            ConsentScope.UN_MECHANISM,
            "Oral consent, recorded by the caseworker.",
            actor_id=actor.pk,
        )
    linked = list(incidents.incidents_of_case(actor, case))
    special = Mechanism.objects.get(code="un-special-procedures")
    appeal = services.create_communication(
        case,
        mechanism=special,
        kind="urgent_appeal",
        language="es",
        actor_id=actor.pk,
        incidents=linked,
        mandates=list(special.mandates.filter(code__in=["hrds", "environment"])),
        narrative=ACCOUNT,
        elements=ELEMENTS,
    )
    _sent(appeal, actor, reviewer, sent_days_ago=10, transmitted=None)
    letter = services.create_communication(
        case,
        mechanism=Mechanism.objects.get(code="achpr-hrds"),
        kind="allegation_letter",
        language="en",
        actor_id=actor.pk,
        incidents=linked,
        narrative=ACCOUNT,
        elements=ELEMENTS,
    )
    # Transmitted 40 days ago with a 30-day reply period: ten days overdue.
    _sent(letter, actor, reviewer, sent_days_ago=45, transmitted=40)
    _precautionary(case, linked, actor, reviewer)
    services.create_communication(  # a draft, still being written
        case,
        mechanism=special,
        kind="allegation_letter",
        language="en",
        actor_id=actor.pk,
        incidents=linked,
    )


def _precautionary(case: Any, linked: list[Any], actor: Any, reviewer: Any) -> None:
    """A request to the IACHR, granted: the measures the State must agree with her."""
    request = services.create_communication(
        case,
        mechanism=Mechanism.objects.get(code="iachr-precautionary"),
        kind="precautionary",
        language="es",
        actor_id=actor.pk,
        incidents=linked,
        narrative=ACCOUNT,
        elements={
            "seriousness": "Amenazas de muerte reiteradas de un grupo armado (ficticio).",
            "urgency": "El panfleto fija un plazo de diez días.",
            "irreparable_harm": "La vida y la integridad personal de la lideresa.",
        },
    )
    _sent(request, actor, reviewer, sent_days_ago=30, transmitted=None)
    services.acknowledge(
        request,
        reference="MC 967-26",
        actor_id=actor.pk,
        on=clock.today() - datetime.timedelta(days=28),
    )
    services.record_reply(
        request,
        reply="El Estado informa que la Unidad Nacional de Protección evaluará el riesgo.",
        summary="Evaluación de riesgo anunciada; ninguna medida todavía.",
        actor_id=actor.pk,
        on=clock.today() - datetime.timedelta(days=22),
    )
    services.record_resolution(
        request,
        decision="grant",
        number="Resolución 12/2026 (ficticia)",
        measures="Esquema de protección concertado con la beneficiaria y su junta comunal.",
        actor_id=actor.pk,
        on=clock.today() - datetime.timedelta(days=20),
    )
    services.record_outcome(request, outcome="measures_granted", actor_id=actor.pk)
