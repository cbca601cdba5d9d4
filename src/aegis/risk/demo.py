"""Fictional risk assessments for the demo instance, on the cases the cases demo created:
varied levels, one imminent attack, one review overdue, levels that rose, and a recent wave of
incidents in Cauca that the pattern analysis turns into findings. Every name is invented."""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any

from django.utils import timezone

from aegis import clock
from aegis.cases.models import Case, Compartment
from aegis.incidents import selectors as incident_selectors
from aegis.incidents import services as incident_services

from . import configuration, services
from .models import ChecklistItem
from .services import RatingInput, ResponseInput, ThreatInput

# Recent incidents against the first demo defender (a land defender), recorded in Cauca,
# which with the incidents demo's attack 20 days ago make four within 30 days.
RECENT_INCIDENTS = [
    (
        3,
        "death_threat",
        "Llamada con amenaza de muerte a la lideresa",
        "Voz masculina, número oculto.",
    ),
    (8, "surveillance", "Moto sin placas frente a la casa comunal", "Tres noches seguidas."),
    (12, "smear_campaign", "Panfletos acusan a la junta de 'colaborar con la guerrilla'", ""),
]

THREATS = {
    "armed": ThreatInput(
        title="Amenaza de muerte del frente armado",
        likelihood=4,
        impact=5,
        facts="Panfleto y llamadas que la declaran 'objetivo militar'.",
        pattern="Las amenazas se repiten y se acercan a su casa desde hace seis meses.",
        objective="Que abandone la defensa del territorio y la consulta previa.",
        perpetrator_type="armed_group",
        perpetrator_identity="Frente ficticio 'Los del Cerro', comandante alias 'El Mono'",
        feasibility="Tienen armas, conocen su rutina y ya atacaron a otro líder.",
    ),
    "judicial": ThreatInput(
        title="Criminal complaints for 'usurpation'",
        likelihood=3,
        impact=3,
        facts="Eight members of the cooperative are summoned by the prosecutor.",
        pattern="Complaints follow each public denunciation of evictions.",
        objective="Stop the land claim through fear of prison.",
        perpetrator_type="company",
        perpetrator_identity="Palmas del Norte S.A. (fictional), through its lawyers",
        feasibility="Local prosecutors act quickly on the company's complaints.",
    ),
    "online": ThreatInput(
        title="Campaña de desprestigio en redes",
        likelihood=3,
        impact=2,
        facts="Cuentas anónimas publican su foto y la llaman 'traidora'.",
        objective="Aislarla de su comunidad.",
        perpetrator_type="unknown",
    ),
    "detention": ThreatInput(
        title="Detención arbitraria del periodista",
        likelihood=2,
        impact=4,
        facts="Policía municipal lo retuvo una noche sin cargos.",
        perpetrator_type="police",
        perpetrator_identity="Comisaría municipal (ficticia)",
    ),
}


def _ratings(items: list[ChecklistItem], vulnerability: int, capacity: int) -> list[RatingInput]:
    """Three vulnerabilities and three capacities, rated as given (a simple, varied reading)."""
    chosen = [i for i in items if i.kind == "vulnerability"][:3] + [
        i for i in items if i.kind == "capacity"
    ][:3]
    return [
        RatingInput(
            item.pk,
            vulnerability if item.kind == "vulnerability" else capacity,
            "Valoración de demostración." if n == 0 else "",
        )
        for n, item in enumerate(chosen)
    ]


def _assess(case: Case, actor: Any, threats: list[str], v: int, c: int, **extra: Any) -> None:
    incidents = list(incident_selectors.incidents_of_case(actor, case)[:2])
    services.create_assessment(
        case,
        actor=actor,
        threats=[
            replace(THREATS[key], incidents=incidents if n == 0 else [])
            for n, key in enumerate(threats)
        ],
        ratings=_ratings(configuration.checklist(), v, c),
        **extra,
    )


def create_demo_data(compartment: Compartment, actor: Any) -> None:
    cases = list(Case.objects.filter(compartment=compartment).order_by("pk"))
    if len(cases) < 5:
        return
    first = cases[0]
    today = timezone.localdate()
    for days_ago, violation, title, description in RECENT_INCIDENTS:
        incident = incident_services.create_incident(
            compartment,
            actor_id=actor.pk,
            title=title,
            description=description,
            date_start=today - datetime.timedelta(days=days_ago),
            country="CO",
            region="CO-CAU",
            cases=[first],
        )
        incident_services.add_act(
            incident,
            violation_type=violation,
            actor_id=actor.pk,
            victims=[first.person] if first.person else [],
        )
    now = clock.now()
    # The first defender: high six weeks ago, then an imminent attack (critical): it rose.
    with clock.frozen(now - datetime.timedelta(days=42)):
        _assess(first, actor, ["armed"], 3, 3, acceptable_level="moderate")
    _assess(
        first,
        actor,
        ["armed", "online"],
        4,
        2,
        imminent=True,
        acceptable_level="moderate",
        summary="Ataque inminente: salida temporal de la zona acordada con ella.",
        responses=[
            ResponseInput("avoid", "Reubicación temporal con la red de acogida.", actor, today),
            ResponseInput("reduce", "Acompañamiento en cada desplazamiento.", actor),
        ],
    )
    # Reviewed too late: a moderate reading four months ago, due after 90 days.
    with clock.frozen(now - datetime.timedelta(days=120)):
        _assess(cases[1], actor, ["judicial"], 3, 3)
    _assess(cases[2], actor, ["online"], 2, 4, acceptable_level="moderate")
    # Low a month and a half ago, high now: a rise.
    with clock.frozen(now - datetime.timedelta(days=45)):
        _assess(cases[3], actor, ["detention"], 2, 4)
    _assess(
        cases[3],
        actor,
        ["detention", "judicial"],
        5,
        2,
        responses=[ResponseInput("share", "Alerta a la red de periodistas y a la relatoría.")],
    )
    _assess(cases[4], actor, ["judicial"], 2, 3, acceptable_level="low")
