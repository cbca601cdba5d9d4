"""A communication as a mechanism reads it, drawn from the records it links: the victims
(named only where their consent covers it), the perpetrators, the chain of events with their
acts, and the writer's narrative and elements. The checks (checks.py) and every export
(export.py) read this one Dossier.

A person is named only where they consented both to their situation going to a UN or regional
mechanism and to being named to the government (which the mechanism writes to); anyone else
appears under their pseudonym, and the export says so."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from aegis import places
from aegis.cases import selectors as cases
from aegis.cases.vocabulary import ConsentScope
from aegis.incidents import selectors as incidents
from aegis.incidents.vocabulary import PerpetratorType, ViolationType
from aegis.vault.selectors import open_records

from .models import Communication, Mechanism


@dataclass(frozen=True)
class VictimLine:
    label: str  # the name, the pseudonym or the description, as the export shows it
    person_id: int | None = None
    named: bool = False
    consented: bool = False  # to a UN or regional mechanism
    has_name: bool = False


@dataclass(frozen=True)
class PerpetratorLine:
    label: str
    known_type: bool


@dataclass(frozen=True)
class ActLine:
    violation: str
    perpetrators: list[str]


@dataclass(frozen=True)
class EventLine:
    reference: str
    date_start: datetime.date
    date_end: datetime.date | None
    precision: str
    place: str
    title: str
    description: str
    acts: list[ActLine]


@dataclass
class Dossier:
    communication: Communication
    mechanism: Mechanism
    victims: list[VictimLine]
    perpetrators: list[PerpetratorLine]
    events: list[EventLine]
    narrative: str
    elements: dict[str, Any]
    mandates: list[str] = field(default_factory=list)

    @property
    def withheld(self) -> list[VictimLine]:
        """People on file shown under their pseudonym (their consent does not cover naming)."""
        return [v for v in self.victims if v.person_id is not None and not v.named]


def text(value: Any) -> str:
    """An encrypted field as text: empty when nothing was written."""
    return value if isinstance(value, str) else ""


def parse_elements(value: Any) -> dict[str, Any]:
    try:
        found = json.loads(text(value) or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _victim(person: Any) -> VictimLine:
    consented = cases.has_consent(person, ConsentScope.UN_MECHANISM)
    named = consented and cases.has_consent(person, ConsentScope.NAME_TO_GOVERNMENT)
    name = text(person.legal_name).strip()
    return VictimLine(
        label=name if named and name else person.pseudonym,
        person_id=person.pk,
        named=named and bool(name),
        consented=consented,
        has_name=bool(name),
    )


def _place(incident: Any) -> str:
    parts = [
        (incident.exact_location or "").strip(),
        places.place_label(incident.country, incident.region),
    ]
    return ", ".join(p for p in parts if p)


def build(communication: Communication) -> Dossier:
    """Everything the checks and exports read, the keys opened in one go."""
    case = communication.case
    linked = list(communication.incidents.order_by("month_start", "pk"))
    acts = {incident.pk: list(incidents.acts_of(incident)) for incident in linked}
    victims = [v for found in acts.values() for act in found for v in act.victims.all()]
    named = [n for found in acts.values() for act in found for n in act.perpetrators.all()]
    open_records(
        [communication, case, case.person],
        linked,
        victims,
        [v.person for v in victims],
        [n.perpetrator for n in named],
    )
    people: dict[int, VictimLine] = {}
    described: list[VictimLine] = []
    if case.person is not None:
        people[case.person.pk] = _victim(case.person)
    for victim in victims:
        if victim.person is not None:
            if victim.person.pk not in people:
                people[victim.person.pk] = _victim(victim.person)
        elif text(victim.description).strip():
            described.append(VictimLine(label=text(victim.description).strip()))
    perpetrators: dict[int, PerpetratorLine] = {}
    for n in named:
        p = n.perpetrator
        kind = str(PerpetratorType(p.perpetrator_type).label)
        name = text(p.name).strip()
        label = f"{kind}: {name}" if name else kind
        perpetrators[p.pk] = PerpetratorLine(label, p.perpetrator_type != PerpetratorType.UNKNOWN)
    linked.sort(key=lambda i: (i.date_start, i.pk))  # the days, opened: the columns hold months
    events = [
        EventLine(
            reference=i.reference,
            date_start=i.date_start,
            date_end=i.date_end,
            precision=i.shown_precision,
            place=_place(i),
            title=text(i.title),
            description=text(i.description),
            acts=[
                ActLine(
                    str(ViolationType(a.violation_type).label),
                    [
                        str(PerpetratorType(n.perpetrator.perpetrator_type).label)
                        for n in a.perpetrators.all()
                    ],
                )
                for a in acts[i.pk]
            ],
        )
        for i in linked
    ]
    return Dossier(
        communication=communication,
        mechanism=communication.mechanism,
        victims=[*people.values(), *described],
        perpetrators=list(perpetrators.values()),
        events=events,
        narrative=text(communication.narrative),
        elements=parse_elements(communication.elements),
        mandates=[m.name for m in communication.mandates.all()],
    )
