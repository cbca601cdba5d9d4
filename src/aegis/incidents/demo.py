"""Fictional incidents for the demo instance: several countries, languages and violation
types, linked to the demo cases, with acts, perpetrators, sources, a chain of events and
mixed verification. Every name and place here is invented."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from aegis.cases.models import Case, Compartment

from . import services
from .services import DescribedVictim

# (days ago, precision, country, region, title, description, exact location, acts, sources)
# acts: (violation type, victim case index or None, described victim or None,
#        [(perpetrator key, involvement)])
# sources: (kind, reliability, independent, description)
INCIDENTS: list[dict[str, Any]] = [
    {
        "days_ago": 190,
        "precision": "day",
        "place": ("CO", "CO-CAU"),
        "title": "Amenazas contra lideresa de la vereda El Roble",
        "description": "Un panfleto firmado por un grupo armado declaró 'objetivo militar' a la "
        "lideresa y a la junta de acción comunal.",
        "location": "Vereda El Roble, cerca de la escuela rural (ficticio)",
        "acts": [
            ("death_threat", 0, None, [("armed_group", "perpetrator")]),
            ("threat", None, ("Junta de acción comunal, 12 miembros", "unknown", "unknown"), []),
        ],
        "sources": [
            ("testimony", "B", True, "Testimonio directo de la defensora, por Signal."),
            ("document", "B", True, "Fotografía del panfleto entregada por la junta."),
        ],
        "verify": "corroborated",
        "case": 0,
    },
    {
        "days_ago": 175,
        "precision": "day",
        "place": ("CO", "CO-CAU"),
        "title": "Hombres armados rodean la casa de la lideresa",
        "description": "Dos hombres en moto vigilaron la vivienda durante tres noches.",
        "location": "Camino a la finca La Esperanza (ficticio)",
        "acts": [("surveillance", 0, None, [("armed_group", "suspected")])],
        "sources": [("testimony", "C", False, "Vecina que pidió no ser nombrada.")],
        "verify": "unverified",
        "case": 0,
    },
    {
        "days_ago": 160,
        "precision": "month",
        "place": ("HN", "HN-CL"),
        "title": "Judicial harassment of land defenders in Colón",
        "description": "Criminal complaints for 'usurpation' filed against eight members of a "
        "peasant cooperative after they documented evictions.",
        "location": "",
        "acts": [
            (
                "judicial_harassment",
                1,
                None,
                [("company", "instigator"), ("official", "accomplice")],
            ),
        ],
        "sources": [
            ("document", "A", True, "Copy of the criminal complaint (fictional case number)."),
            ("partner", "B", True, "Report of a partner legal clinic."),
        ],
        "verify": "verified",
        "case": 1,
    },
    {
        "days_ago": 150,
        "precision": "day",
        "place": ("MX", "MX-CHP"),
        "title": "Allanamiento de la oficina de una radio comunitaria",
        "description": "Personas encapuchadas forzaron la puerta y se llevaron discos duros.",
        "location": "Calle de los Almendros 14, San Cristóbal (ficticio)",
        "acts": [
            ("raid", 2, None, [("unknown", "perpetrator")]),
            ("property", 2, None, [("unknown", "perpetrator")]),
        ],
        "sources": [
            ("testimony", "B", True, "Relato del coordinador de la radio."),
            ("media", "C", True, "Nota en un diario local (ficticio)."),
        ],
        "verify": "corroborated",
        "case": 2,
    },
    {
        "days_ago": 120,
        "precision": "day",
        "place": ("GT", "GT-16"),
        "title": "Detención arbitraria de defensor q'eqchi'",
        "description": "Detenido sin orden judicial durante una protesta pacífica; liberado "
        "después de 36 horas sin cargos.",
        "location": "Plaza central del municipio (ficticio)",
        "acts": [("arbitrary_detention", 3, None, [("police", "perpetrator")])],
        "sources": [("official", "B", True, "Acta de la audiencia de exhibición personal.")],
        "verify": "unverified",
        "case": 3,
    },
    {
        "days_ago": 400,
        "precision": "year",
        "place": ("PH", "PH-41"),
        "title": "Red-tagging of environmental advocates",
        "description": "Posters and social media posts labelled members of a watershed "
        "alliance as rebels.",
        "location": "",
        "acts": [
            ("smear_campaign", None, ("Members of a watershed alliance", "unknown", "unknown"), []),
            ("online_harassment", None, ("Spokesperson of the alliance", "woman", "30_44"), []),
        ],
        "sources": [
            ("social_media", "D", False, "Archived posts (links kept in the evidence locker)."),
            ("media", "C", True, "Regional news report."),
        ],
        "verify": "unverified",
        "case": None,
    },
    {
        "days_ago": 95,
        "precision": "approximate",
        "place": ("CD", "CD-NK"),
        "title": "Enlèvement d'un militant des droits fonciers",
        "description": "Le militant a été enlevé par des hommes armés puis relâché contre "
        "rançon. Il dit avoir été battu pendant sa captivité.",
        "location": "Route entre deux villages du territoire de Rutshuru (fictif)",
        "acts": [
            (
                "kidnapping",
                None,
                ("Militant, 28 ans", "man", "18_29"),
                [("armed_group", "perpetrator")],
            ),
            (
                "torture",
                None,
                ("Militant, 28 ans", "man", "18_29"),
                [("armed_group", "perpetrator")],
            ),
        ],
        "sources": [("partner", "B", True, "Signalement d'une organisation partenaire.")],
        "verify": "unverified",
        "case": None,
    },
    {
        "days_ago": 70,
        "precision": "day",
        "place": ("TN", "TN-11"),
        "title": "منع محامية حقوقية من السفر",
        "description": "أُبلغت المحامية في المطار بقرار منع سفر دون أي إشعار مسبق.",
        "location": "مطار تونس قرطاج، قاعة المغادرة (متخيل)",
        "acts": [
            ("travel_ban", None, ("محامية حقوقية", "woman", "45_59"), [("official", "perpetrator")])
        ],
        "sources": [
            ("testimony", "A", True, "شهادة المحامية."),
            ("media", "B", True, "بيان نقابة المحامين (متخيل)."),
        ],
        "verify": "verified",
        "case": None,
    },
    {
        "days_ago": 45,
        "precision": "day",
        "place": ("BR", "BR-PA"),
        "title": "Tentativa de homicídio contra líder quilombola",
        "description": "Disparos contra o carro do líder na estrada de acesso ao território.",
        "location": "Km 12 da estrada vicinal (fictício)",
        "acts": [
            ("attempted_killing", 4, None, [("private_security", "suspected")]),
            ("reprisal_family", None, ("Filho do líder, 16 anos", "man", "under_18"), []),
        ],
        "sources": [
            ("testimony", "B", True, "Depoimento do líder."),
            ("official", "A", True, "Boletim de ocorrência (número fictício)."),
            ("media", "C", False, "Reportagem que repete o boletim."),
        ],
        "verify": "corroborated",
        "case": 4,
    },
    {
        "days_ago": 20,
        "precision": "day",
        "place": ("CO", "CO-CAU"),
        "title": "Desplazamiento de la lideresa tras nuevas amenazas",
        "description": "La lideresa salió del territorio con su familia después de un ataque "
        "contra su vivienda.",
        "location": "",
        "acts": [("physical_attack", 0, None, [("armed_group", "suspected")])],
        "sources": [("testimony", "B", True, "Llamada de seguimiento con la defensora.")],
        "verify": "unverified",
        "case": 0,
    },
]

PERPETRATORS = {
    "armed_group": ("armed_group", "Frente ficticio 'Los del Cerro'"),
    "company": ("company", "Palmas del Norte S.A. (fictional)"),
    "official": ("public_official", ""),
    "police": ("police", "Comisaría municipal (ficticia)"),
    "private_security": ("private_security", "Segurança Rural Ltda. (fictícia)"),
    "unknown": ("unknown", ""),
}

# Chain of events: the threats led to surveillance, the attack and the displacement.
LINKS = [(1, 0, "followed"), (0, 9, "caused"), (1, 9, "related")]


def create_demo_data(compartment: Compartment, actor: Any) -> None:
    actor_id = actor.pk
    cases = list(Case.objects.filter(compartment=compartment).order_by("pk"))
    perpetrators = {
        key: services.create_perpetrator(
            compartment, actor_id=actor_id, perpetrator_type=kind, name=name
        )
        for key, (kind, name) in PERPETRATORS.items()
    }
    today = timezone.localdate()
    incidents = []
    for spec in INCIDENTS:
        case = _nth(cases, spec["case"])
        country, region = spec["place"]
        incident = services.create_incident(
            compartment,
            actor_id=actor_id,
            title=spec["title"],
            description=spec["description"],
            date_start=today - datetime.timedelta(days=spec["days_ago"]),
            date_precision=spec["precision"],
            country=country,
            region=region,
            exact_location=spec["location"],
            cases=[case] if case else [],
        )
        for violation, victim_case, described, perps in spec["acts"]:
            victim = _nth(cases, victim_case)
            services.add_act(
                incident,
                violation_type=violation,
                actor_id=actor_id,
                victims=[victim.person] if victim and victim.person else [],
                described_victims=[DescribedVictim(*described)] if described else [],
                perpetrators=[(perpetrators[key], involvement) for key, involvement in perps],
            )
        for kind, reliability, independent, text in spec["sources"]:
            services.add_source(
                incident,
                actor_id=actor_id,
                kind=kind,
                reliability=reliability,
                independent=independent,
                description=text,
            )
        if spec["verify"] == "verified":
            services.set_verification(incident, "corroborated", actor_id=actor_id)
        if spec["verify"] != "unverified":
            services.set_verification(incident, spec["verify"], actor_id=actor_id)
        incidents.append(incident)
    for source, target, kind in LINKS:
        services.link_incidents(incidents[source], incidents[target], kind=kind, actor_id=actor_id)


def _nth(cases: list[Case], index: int | None) -> Case | None:
    return cases[index] if index is not None and index < len(cases) else None
