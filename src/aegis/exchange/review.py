"""The review of a quarantined record: a caseworker creates it as a new record, links it to
an existing one, merges it into one, or rejects it. Nothing from a bundle reaches the
organisation's records any other way."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock, places, rules
from aegis.audit import services as audit
from aegis.cases import selectors as cases
from aegis.cases import services as case_services
from aegis.cases.vocabulary import PERSON_LABELS, AgeGroup, Gender, Sector
from aegis.evidence import services as evidence
from aegis.incidents import selectors as incidents
from aegis.incidents import services as incident_services
from aegis.incidents.vocabulary import Reliability, SourceKind, ViolationType
from aegis.rules import Conflict, RuleError
from aegis.text import whole_number

from .models import QuarantineItem
from .vocabulary import Decision, ItemKind, Purpose, RejectReason

PERSON_FIELDS = set(case_services.PERSON_FIELDS)
MAX_REASON = 1000
MAX_REJECT_NOTE = 500


def content(item: QuarantineItem) -> dict[str, Any]:
    return dict(json.loads(str(item.content)))


def _label_of(choices: type[Any], value: Any) -> str:
    """A code's label in the reader's language; a code this instance does not know as sent."""
    return str(choices(value).label) if value in choices.values else str(value)


def as_dict(value: Any) -> dict[str, Any]:
    """A part of a received record as the schema has it, an object; {} where it is not (an
    item kept before its bundle's shapes were checked)."""
    return value if isinstance(value, dict) else {}


def person_rows(details: Any) -> list[tuple[str, str]]:
    """A received person's details as (label, value), in the reader's language: codes by
    their names, a field this instance does not know under the sender's own name."""
    details = as_dict(details)
    country = str(details.get("country") or "")
    shown = {
        "gender": lambda v: _label_of(Gender, v),
        "age_group": lambda v: _label_of(AgeGroup, v),
        "sector": lambda v: _label_of(Sector, v),
        "country": lambda v: places.country_name(str(v)) or str(v),
        "region": lambda v: places.region_name(country, str(v), str(v)),
        "languages": lambda v: places.language_names(str(v)) or str(v),
    }
    return [
        (
            str(PERSON_LABELS.get(name, name)),
            shown[name](value) if name in shown and value else value or "",
        )
        for name, value in details.items()
    ]


def place_shown(place: Any) -> str:
    place = as_dict(place)
    country, region = str(place.get("country") or ""), str(place.get("region") or "")
    return ", ".join(
        part
        for part in (
            places.region_name(country, region, region) if country else region,
            places.country_name(country) or country,
        )
        if part
    )


def purpose_shown(purpose: str) -> str:
    """The purpose a sender gave a bundle, in the reader's language; "" for a file from an
    older tool, which gives none."""
    return _label_of(Purpose, purpose) if purpose else ""


def acts_shown(acts: Any) -> str:
    acts = acts if isinstance(acts, list) else []
    return ", ".join(_label_of(ViolationType, as_dict(act).get("type")) for act in acts)


def _pending(item: QuarantineItem) -> None:
    if item.decision != Decision.PENDING:
        raise Conflict(_("This record was already reviewed."))


def _done(
    item: QuarantineItem, decision: str, target: Any, actor: Any, *, fields: tuple[str, ...] = ()
) -> QuarantineItem:
    item.decision = decision
    item.target = str(target)[:40]
    item.decided_by = actor
    item.decided_at = clock.now()
    item.save(update_fields=["decision", "target", "decided_by", "decided_at", *fields])
    # The entry names the item only: a rejection's words stay on the item, encrypted.
    audit.record("exchange.review", actor_id=actor.pk, object_type="quarantine", object_id=item.pk)
    return item


def _reject(item: QuarantineItem, reason: str, note: str, actor: Any) -> QuarantineItem:
    """A rejection says why: one of the reasons, and for "other" a few words of the
    caseworker's own (which may name someone: kept encrypted, out of the audit)."""
    if not reason:
        raise RuleError(_("Say why this record is rejected."), "reason")
    rules.choice(reason, RejectReason, "reason", gettext_lazy("Reason"))
    note = rules.text(note, "note", gettext_lazy("The note"), limit=MAX_REJECT_NOTE)
    if reason == RejectReason.OTHER and not note:
        raise RuleError(_("Say in a few words why this record is rejected."), "note")
    item.reject_reason = reason
    item.reject_note = note
    return _done(item, Decision.REJECTED, "", actor, fields=("reject_reason", "reject_note"))


def _person_fields(found: dict[str, Any], partner: str, local_id: str) -> dict[str, Any]:
    details = found["person"].get("biographic_details", {})
    fields = {k: v for k, v in details.items() if k in PERSON_FIELDS and v not in (None, "")}
    fields.setdefault("pseudonym", f"{partner} {local_id}"[:80])
    return fields


def _target_person(actor: Any, target: str) -> Any:
    pk = whole_number(target)
    person = cases.person_for(actor, pk) if pk is not None else None
    if person is None:
        raise RuleError(_("Choose a person you can open."), "target")
    return person


def _target_incident(actor: Any, target: str) -> Any:
    incident = incidents.incident_for(actor, str(target))
    if incident is None:
        raise RuleError(_("Choose an incident you can open."), "target")
    return incident


def _target_case(actor: Any, target: str) -> Any:
    case = cases.case_for(actor, str(target))
    if case is None:
        raise RuleError(_("Choose a case you can open."), "target")
    return case


def _partner_source(incident: Any, found: dict[str, Any], actor: Any) -> None:
    description = _("Record %(record)s of %(partner)s, bundle %(bundle)s") % {
        "record": found["event"]["id"],
        "partner": found["partner"],
        "bundle": found["bundle"],
    }
    incident_services.add_source(
        incident,
        actor_id=actor.pk,
        kind=SourceKind.PARTNER,
        reliability=Reliability.C,  # a partner vetted, not yet corroborated here
        description=description,
    )


def _create_incident(item: QuarantineItem, found: dict[str, Any], actor: Any) -> Any:
    event = found["event"]
    date = event.get("date", {})
    incident = incident_services.create_incident(
        item.compartment,
        actor_id=actor.pk,
        title=event.get("title") or f"{found['partner']} {event['id']}"[:200],
        description=event.get("description", ""),
        date_start=datetime.date.fromisoformat(date["start"]),
        date_end=datetime.date.fromisoformat(date["end"]) if date.get("end") else None,
        date_precision=date.get("precision") or "day",
        country=event.get("place", {}).get("country", ""),
        region=event.get("place", {}).get("region", ""),
        exact_location=event.get("place", {}).get("exact_location", ""),
    )
    victims = {v["id"]: v for v in found.get("victims", [])}
    for act in event.get("acts", []):
        described = [
            incident_services.DescribedVictim(
                description=victims.get(v, {}).get("description") or _("Victim %(id)s") % {"id": v},
                sex=victims.get(v, {}).get("sex", "unknown"),
                age_group=victims.get(v, {}).get("age_group", "unknown"),
            )
            for v in act.get("victims", [])
        ]
        incident_services.add_act(
            incident, violation_type=act["type"], actor_id=actor.pk, described_victims=described
        )
    _partner_source(incident, found, actor)
    return incident


def _custody_reason(found: dict[str, Any]) -> str:
    lines = [
        _("Received by %(us)s from %(partner)s in bundle %(bundle)s; their chain of custody:")
        % {"us": settings.ORGANISATION_NAME, "partner": found["partner"], "bundle": found["bundle"]}
    ]
    for event in found["evidence"].get("custody", []):
        lines.append(
            f"{event.get('at', '')[:19]} {event.get('organisation', '')}: {event.get('action', '')}"
        )
    reason = "\n".join(lines)
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"


@transaction.atomic
def decide(
    item: QuarantineItem,
    decision: str,
    *,
    actor: Any,
    target: str = "",
    reason: str = "",
    note: str = "",
) -> QuarantineItem:
    """Apply a caseworker's decision. `target`: the existing person (id), incident or case
    (reference) for link and merge; the case an evidence item is added to. `reason` (a
    RejectReason) and `note`: why a record is rejected, required for a rejection (the note
    for "other"), not kept for any other decision."""
    item = QuarantineItem.objects.select_for_update().get(pk=item.pk)
    _pending(item)
    if decision == Decision.REJECTED:
        return _reject(item, reason, note, actor)
    found = content(item)
    if decision not in (Decision.CREATED, Decision.LINKED, Decision.MERGED):
        raise RuleError(_("Choose what to do with this record."), "decision")
    if item.kind == ItemKind.PERSON:
        fields = _person_fields(found, found["partner"], item.local_id)
        if decision == Decision.CREATED:
            person = case_services.add_person(item.compartment, actor_id=actor.pk, **fields)
            return _done(item, decision, person.pk, actor)
        person = _target_person(actor, target)
        if decision == Decision.MERGED:
            missing = {
                k: v for k, v in fields.items() if k != "pseudonym" and not getattr(person, k)
            }
            if missing:
                case_services.update_person(
                    person,
                    actor_id=actor.pk,
                    reason=_("Merged from %(partner)s's bundle %(bundle)s")
                    % {"partner": found["partner"], "bundle": found["bundle"]},
                    **missing,
                )
        return _done(item, decision, person.pk, actor)
    if item.kind == ItemKind.EVENT:
        if decision == Decision.CREATED:
            incident = _create_incident(item, found, actor)
            return _done(item, decision, incident.reference, actor)
        incident = _target_incident(actor, target)
        if decision == Decision.MERGED:
            _partner_source(incident, found, actor)
        return _done(item, decision, incident.reference, actor)
    # Evidence is always a new original of a case the reviewer chooses: a link or merge asked
    # for had quietly created it.
    if decision != Decision.CREATED:
        raise RuleError(
            _(
                "Evidence cannot be linked or merged: it is added to a case as a new original, "
                "or rejected."
            ),
            "decision",
        )
    case = _target_case(actor, target)
    record = found["evidence"]
    data = bytes.fromhex(found["bytes"])
    stored = evidence.receive_from_partner(
        case,
        data,
        name=record.get("name") or item.local_id,
        content_type=record.get("content_type") or "application/octet-stream",
        actor_id=actor.pk,
        reason=_custody_reason(found),
    )
    if stored.sha256 != record.get("sha256"):
        raise RuleError(_("The file does not match the SHA-256 its sender recorded."))
    return _done(item, Decision.CREATED, stored.pk, actor)
