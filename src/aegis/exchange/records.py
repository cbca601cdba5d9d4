"""The records of a bundle, shaped after the HURIDOCS Events Standard Formats: events (with
their acts, victims by reference and sources), persons (biographic details), perpetrators,
the chain of events, the cases, and evidence with its chain of custody. Each record carries
its management data. What each profile leaves out is decided here, field by field:

- coded: analytic codes only (dates, country, violation, sex, age group): no identity;
- pseudonymised: adds pseudonyms and regions: no names, contacts, free text or exact places;
- full: everything, evidence files included, for a partner taking over a case."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from aegis.cases import selectors as cases
from aegis.evidence import selectors as evidence
from aegis.evidence import services as evidence_services
from aegis.incidents import selectors as incidents

from .vocabulary import Profile

PERSON_CODES = ("gender", "age_group", "sector", "country")
PERSON_PSEUDONYMISED = ("pseudonym", "region", "languages")
PERSON_FULL = (
    "legal_name",
    "other_names",
    "phone",
    "email",
    "contact_channels",
    "organisation",
    "identity_document",
)


@dataclass
class Collected:
    """What one export gathers: the records JSON, evidence files, and what left."""

    records: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    sent: list[tuple[str, str]] = field(default_factory=list)  # (record type, id)


def _date(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class _Ids:
    """Bundle-local ids (P1, E1, …): the sender's own numbers stay home in coded bundles."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, Any], str] = {}
        self.counts: dict[str, int] = {}

    def __call__(self, prefix: str, key: Any) -> str:
        if (prefix, key) not in self.seen:
            self.counts[prefix] = self.counts.get(prefix, 0) + 1
            self.seen[(prefix, key)] = f"{prefix}{self.counts[prefix]}"
        return self.seen[(prefix, key)]


class Builder:
    def __init__(self, *, profile: str, sender: str, actor: Any, reason: str) -> None:
        self.profile = profile
        self.sender = sender
        self.actor = actor
        self.reason = reason
        self.ids = _Ids()
        self.out = Collected(
            records={
                "cases": [],
                "persons": [],
                "events": [],
                "victims": [],
                "perpetrators": [],
                "chain_of_events": [],
                "evidence": [],
            }
        )
        self.people: dict[int, Any] = {}
        self.events: dict[int, Any] = {}
        self.perpetrators: dict[int, Any] = {}

    @property
    def full(self) -> bool:
        return self.profile == Profile.FULL

    @property
    def named(self) -> bool:
        return self.profile in (Profile.PSEUDONYMISED, Profile.FULL)

    def management(self, local: str, reference: str, created: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "record_number": local,
            "organisation": self.sender,
            "confidentiality": self.profile,
            "date_received": _date(created.date() if created else None),
        }
        # Our own reference only where everything is shared: in a minimised profile it would
        # tie the partner's copy back to our records (and a person's across bundles).
        if self.full:
            data["source_reference"] = reference
        return data

    def person(self, person: Any) -> str:
        local = self.ids("P", person.pk)
        if person.pk in self.people:
            return local
        self.people[person.pk] = person
        data: dict[str, Any] = {"id": local}
        wanted: tuple[str, ...] = PERSON_CODES
        if self.named:
            wanted += PERSON_PSEUDONYMISED
        if self.full:
            wanted += PERSON_FULL
        data["biographic_details"] = {name: getattr(person, name) for name in wanted}
        data["management"] = self.management(local, f"person-{person.pk}", person.created_at)
        self.out.records["persons"].append(data)
        self.out.sent.append(("person", str(person.pk)))
        return local

    def case(self, case: Any) -> None:
        local = self.ids("C", case.pk)
        data: dict[str, Any] = {
            "id": local,
            "subject_kind": case.subject_kind,
            "status": case.status,
            "sector": case.sector,
            "country": case.country,
            "person": self.person(case.person) if case.person is not None else None,
            "management": self.management(local, case.reference, case.opened_at),
        }
        if self.full:
            data["subject_name"] = case.subject_name
            data["summary"] = case.summary
        self.out.records["cases"].append(data)
        self.out.sent.append(("case", case.reference))
        for incident in incidents.incidents_of_case(self.actor, case):
            self.event(incident, local)
        for item in evidence.originals_of(case) if self.full else ():
            self.evidence(item, local)

    def event(self, incident: Any, case_local: str) -> None:
        local = self.ids("E", incident.pk)
        if incident.pk in self.events:
            self.events[incident.pk]["cases"].append(case_local)
            return
        place: dict[str, Any] = {"country": incident.country}
        if self.named:
            place["region"] = incident.region
        if self.full:
            place["exact_location"] = incident.exact_location
        data: dict[str, Any] = {
            "id": local,
            "cases": [case_local],
            "date": {
                "start": _date(incident.date_start),
                "end": _date(incident.date_end),
                # At most the month where the sender cannot open the days (they are sealed).
                "precision": incident.shown_precision,
            },
            "place": place,
            "verification": incident.verification,
            "acts": [self.act(act) for act in incidents.acts_of(incident)],
            "sources": [self.source(source) for source in incident.sources.all()],
            "management": self.management(local, incident.reference, incident.created_at),
        }
        if self.full:
            data["title"] = incident.title
            data["description"] = incident.description
        self.events[incident.pk] = data
        self.out.records["events"].append(data)
        self.out.sent.append(("incident", incident.reference))
        for link in incident.links_out.all():
            self.out.records["chain_of_events"].append(
                {
                    "from": local,
                    "to": self.ids("E", link.to_incident_id),
                    "type": link.kind,
                }
            )

    def act(self, act: Any) -> dict[str, Any]:
        local = self.ids("A", act.pk)
        victims = []
        for victim in act.victims.all():
            victim_local = self.ids("V", victim.pk)
            data: dict[str, Any] = {
                "id": victim_local,
                "act": local,
                "person": self.person(victim.person) if victim.person is not None else None,
                "sex": victim.sex,
                "age_group": victim.age_group,
            }
            if self.full:
                data["description"] = victim.description
            self.out.records["victims"].append(data)
            victims.append(victim_local)
        return {
            "id": local,
            "type": act.violation_type,
            "victims": victims,
            "involvement": [
                {"perpetrator": self.perpetrator(link.perpetrator), "type": link.involvement}
                for link in act.perpetrators.all()
            ],
        }

    def perpetrator(self, perpetrator: Any) -> str:
        local = self.ids("PP", perpetrator.pk)
        if perpetrator.pk not in self.perpetrators:
            data: dict[str, Any] = {"id": local, "type": perpetrator.perpetrator_type}
            if self.full:
                data["name"] = perpetrator.name
                data["description"] = perpetrator.description
            self.perpetrators[perpetrator.pk] = data
            self.out.records["perpetrators"].append(data)
        return local

    def source(self, source: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.ids("S", source.pk),
            "kind": source.kind,
            "reliability": source.reliability,
            "independent": source.independent,
        }
        if self.full:
            data["description"] = source.description
        return data

    def evidence(self, item: Any, case_local: str) -> None:
        local = self.ids("F", item.pk)
        content = evidence_services.read_for_partner(
            item, actor_id=self.actor.pk, reason=self.reason
        )
        path = f"evidence/{local}"
        self.out.files[path] = content
        self.out.records["evidence"].append(
            {
                "id": local,
                "case": case_local,
                "file": path,
                "name": item.name,
                "description": item.description,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
                "custody": [
                    {
                        "organisation": self.sender,
                        "action": event.action,
                        "at": event.at.isoformat(),
                        "reason": event.reason,
                    }
                    for event in evidence.custody_of(item)
                ],
                "management": self.management(local, str(item.pk), item.added_at),
            }
        )
        self.out.sent.append(("evidence", str(item.pk)))


def collect(
    case_list: list[Any], *, profile: str, sender: str, actor: Any, reason: str
) -> Collected:
    builder = Builder(profile=profile, sender=sender, actor=actor, reason=reason)
    for case in case_list:
        builder.case(case)
    return builder.out


def people_of(user: Any, case_list: list[Any]) -> list[Any]:
    """Everyone a bundle of these cases names: their subjects and the victims of their
    incidents."""
    found: dict[int, Any] = {}
    for case in case_list:
        if case.person is not None:
            found[case.person.pk] = case.person
        for incident in incidents.incidents_of_case(user, case):
            for act in incidents.acts_of(incident):
                for victim in act.victims.all():
                    if victim.person is not None:
                        found[victim.person.pk] = victim.person
    return list(found.values())


def live_consent(person: Any, scope: str, now: datetime.datetime) -> Any:
    return (
        cases.consents_of(person).filter(scope=scope, withdrawn_at=None, given_at__lte=now).first()
    )
