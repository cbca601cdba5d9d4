"""Writes and rules for incidents, acts, victims, perpetrators, sources, links and
verification. Every write runs in one transaction: a broken rule leaves nothing stored, and
the error (RuleError) carries a message for the person who typed the data."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock, rules
from aegis.audit import services as audit
from aegis.cases.models import Case, Compartment, Person
from aegis.cases.services import allocate_reference, correction, record_change, require_reason
from aegis.cases.vocabulary import AgeGroup, Gender
from aegis.rules import Conflict, NotFound, RuleError
from aegis.vault import keychain
from aegis.vault import services as vault
from aegis.vault.selectors import open_records

from .models import (
    Act,
    ActPerpetrator,
    Incident,
    IncidentLink,
    Perpetrator,
    Source,
    VerificationChange,
    Victim,
)
from .signals import act_recorded
from .vocabulary import (
    DatePrecision,
    Involvement,
    LinkKind,
    PerpetratorType,
    Reliability,
    SourceKind,
    VerificationStatus,
    ViolationType,
)

TITLE_MAX = 200
LINE_MAX = 500  # exact location, perpetrator name
TEXT_MAX = 20_000  # descriptions and narratives
INDEPENDENT_SOURCES_TO_CORROBORATE = 2


@dataclass(frozen=True)
class DescribedVictim:
    """A victim who is not (or not yet) a person on file."""

    description: str
    sex: str = Gender.UNKNOWN
    age_group: str = AgeGroup.UNKNOWN


# --- Input checks -------------------------------------------------------------------------

EARLIEST = datetime.date(1900, 1, 1)


def _dates(
    date_start: Any, date_end: Any, precision: str
) -> tuple[datetime.date, datetime.date | None]:
    rules.choice(precision, DatePrecision, "date_precision", gettext_lazy("Date precision"))
    if not isinstance(date_start, datetime.date):
        raise RuleError(_("Give the date the incident happened (or began)."), "date_start")
    if date_end is not None and not isinstance(date_end, datetime.date):
        raise RuleError(_("The end date is not a date."), "date_end")
    if isinstance(date_start, datetime.datetime) or isinstance(date_end, datetime.datetime):
        raise RuleError(_("Give dates without a time of day."), "date_start")
    # Month and year precision keep the first day, so sorting and filtering stay honest.
    if precision == DatePrecision.MONTH:
        date_start = date_start.replace(day=1)
    elif precision == DatePrecision.YEAR:
        date_start = date_start.replace(month=1, day=1)
    # A day ahead of the server's date is still "today" somewhere east of it.
    today = clock.today() + datetime.timedelta(days=1)
    if date_start > today:
        raise RuleError(_("The incident cannot start in the future."), "date_start")
    if date_start < EARLIEST:  # a year typed short ("0024"): as intake and monitoring refuse
        raise RuleError(
            _("The incident cannot start before %(year)s.") % {"year": EARLIEST.year},
            "date_start",
        )
    if date_end is not None:
        if date_end < date_start:
            raise RuleError(_("The end date is before the start date."), "date_end")
        if date_end > today:
            raise RuleError(_("The end date cannot be in the future."), "date_end")
    return date_start, date_end


def _same_compartment(incident: Incident, other: Any, what: Any) -> None:
    if other.compartment_id != incident.compartment_id:
        raise RuleError(
            _("%(what)s belongs to another compartment than the incident.") % {"what": what}
        )


# --- Incidents ----------------------------------------------------------------------------


def _cleaned(fields: dict[str, Any]) -> dict[str, Any]:
    title = rules.text(
        fields["title"], "title", gettext_lazy("The title"), limit=TITLE_MAX, line=True
    )
    if not title:
        raise RuleError(_("Give the incident a short title."), "title")
    date_start, date_end = _dates(
        fields["date_start"], fields["date_end"], fields["date_precision"]
    )
    country, region = rules.place(fields["country"], fields["region"])
    return {
        "title": title,
        "description": rules.text(
            fields["description"], "description", gettext_lazy("The description"), limit=TEXT_MAX
        ),
        "date_start": date_start,
        "date_end": date_end,
        "date_precision": fields["date_precision"],
        "country": country,
        "region": region,
        "exact_location": rules.text(
            fields["exact_location"],
            "exact_location",
            gettext_lazy("The exact location"),
            limit=LINE_MAX,
        ),
    }


def _check_cases(
    compartment: Compartment, cases: Iterable[Case], *, linked: Iterable[Case] = ()
) -> list[Case]:
    """The cases to link: of the incident's compartment, or already `linked` (a case that
    moved to another compartment since it was linked keeps its link)."""
    cases = list(cases)
    kept = {case.pk for case in linked}
    for case in cases:
        if case.compartment_id != compartment.pk and case.pk not in kept:
            raise RuleError(
                _("Case %(ref)s belongs to another compartment than the incident.")
                % {"ref": case.reference},
                "cases",
            )
    return cases


def create_incident(
    compartment: Compartment,
    *,
    actor_id: int | None,
    title: str,
    description: str = "",
    date_start: datetime.date,
    date_end: datetime.date | None = None,
    date_precision: str = DatePrecision.DAY,
    country: str = "",
    region: str = "",
    exact_location: str = "",
    cases: Iterable[Case] = (),
) -> Incident:
    """Record an event in `compartment`, with its own key sealed to the compartment."""
    values = _cleaned(
        {
            "title": title,
            "description": description,
            "date_start": date_start,
            "date_end": date_end,
            "date_precision": date_precision,
            "country": country,
            "region": region,
            "exact_location": exact_location,
        }
    )
    linked_cases = _check_cases(compartment, cases)
    with transaction.atomic():
        data_key = vault.new_record_key(compartment, "incident")  # before the counter is held
        incident = Incident(
            reference=allocate_reference("INC"),
            compartment=compartment,
            data_key=data_key,
            created_by_id=actor_id,
            **values,
        )
        incident.save()
        incident.cases.set(linked_cases)
        audit.record(
            "record.create",
            actor_id=actor_id,
            object_type="incident",
            object_id=incident.reference,
        )
    return incident


INCIDENT_FIELDS = (
    "title",
    "description",
    "date_start",
    "date_end",
    "date_precision",
    "country",
    "region",
    "exact_location",
)


def _linked_references(incident: Incident) -> str:
    return ", ".join(sorted(incident.cases.values_list("reference", flat=True)))


def _cases_after(incident: Incident, cases: Iterable[Case], actor_id: int | None) -> list[Case]:
    """The links an edit leaves: the `cases` chosen, and the links to cases that moved to a
    compartment the editor is not in. The editor could neither see nor choose those, so an
    edit does not drop them; one who sees such a case may untick it."""
    linked = list(incident.cases.all())
    chosen = _check_cases(incident.compartment, cases, linked=linked)
    seen = set(
        incident.cases.filter(compartment__members__user_id=actor_id or 0).values_list(
            "pk", flat=True
        )
    )
    unseen = [
        case
        for case in linked
        if case.compartment_id != incident.compartment_id and case.pk not in seen
    ]
    return chosen + [case for case in unseen if case not in chosen]


@transaction.atomic
def update_incident(
    incident: Incident,
    *,
    actor_id: int | None,
    reason: str,
    cases: Iterable[Case] | None = None,
    **fields: Any,
) -> Incident:
    """Correct an incident; the previous values go to the change log with the reason."""
    require_reason(reason)
    unknown = set(fields) - set(INCIDENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown incident fields: {', '.join(sorted(unknown))}")
    current = {name: getattr(incident, name) for name in INCIDENT_FIELDS}
    values = _cleaned({**current, **fields})
    linked_cases = _cases_after(incident, cases, actor_id) if cases is not None else None
    logged = correction(
        "incident",
        incident,
        INCIDENT_FIELDS,
        actor_id=actor_id,
        reason=reason,
        record_id=incident.reference,
        also=lambda: {"cases": _linked_references(incident)},
    )
    with logged:
        for name, value in values.items():
            setattr(incident, name, value)
        incident.save()
        if linked_cases is not None:
            incident.cases.set(linked_cases)
    return incident


def seal_days(incident: Incident) -> None:
    """Seal the days of a row made before they were sealed (its month columns still hold
    them, see the model), now that someone who opens it does: no content changes, so nothing
    is logged or audited and the row keeps its `updated_at`."""
    if incident.days_sealed:
        return
    incident.seal_days()
    incident.save(update_fields=["days", "month_start", "month_end"])


@dataclass(frozen=True)
class SealedDays:
    sealed: int  # rows whose days are now sealed
    left: int  # rows whose key the key context does not open, left for another member


SEAL_AT_ONCE = 200


def seal_older_days() -> SealedDays:
    """Seal the days of the incidents recorded before the days were sealed (a migration holds
    no key, so their days stayed in the month columns) where the current key context opens
    them; each keeps only its months in clear. The others are left for a member of their
    compartment. Nothing changes for a reader, so the change log keeps nothing."""
    chain = keychain.current()
    older = list(
        Incident.objects.filter(days__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    sealed = left = 0
    for at in range(0, len(older), SEAL_AT_ONCE):
        rows = list(Incident.objects.filter(pk__in=older[at : at + SEAL_AT_ONCE]))
        open_records(rows)
        for incident in rows:
            if not chain.opened(keychain.as_uuid(incident.data_key_id)):
                left += 1
                continue
            seal_days(incident)
            sealed += 1
    return SealedDays(sealed, left)


def forget_older_days() -> int:
    """For `aegis wipe`: the rows from before the days were sealed keep their exact days in
    the month columns, and no key seals them after the wipe. They keep the months, as the
    others do; one known to the day is known to the month now (its first is no day of it).
    Returns how many rows."""
    older = Incident.objects.filter(days__isnull=True)
    older.filter(date_precision=DatePrecision.DAY).update(date_precision=DatePrecision.MONTH)
    return older.update(month_start=TruncMonth("month_start"), month_end=TruncMonth("month_end"))


def _touch(incident: Incident) -> None:
    Incident.objects.filter(pk=incident.pk).update(updated_at=timezone.now())


# --- Perpetrators -------------------------------------------------------------------------


@transaction.atomic
def create_perpetrator(
    compartment: Compartment,
    *,
    actor_id: int | None,
    perpetrator_type: str = PerpetratorType.UNKNOWN,
    name: str = "",
    description: str = "",
) -> Perpetrator:
    """An alleged perpetrator, with its own key: the same one can be named in many acts."""
    rules.choice(
        perpetrator_type, PerpetratorType, "perpetrator_type", gettext_lazy("Perpetrator type")
    )
    name = rules.text(name, "name", gettext_lazy("The name"), limit=LINE_MAX, line=True)
    description = rules.text(
        description, "description", gettext_lazy("The description"), limit=TEXT_MAX
    )
    perpetrator = Perpetrator.objects.create(
        compartment=compartment,
        data_key=vault.new_record_key(compartment, "perpetrator"),
        perpetrator_type=perpetrator_type,
        name=name,
        description=description,
    )
    audit.record(
        "record.create", actor_id=actor_id, object_type="perpetrator", object_id=perpetrator.pk
    )
    return perpetrator


@transaction.atomic
def add_perpetrator(
    incident: Incident,
    *,
    actor_id: int | None,
    perpetrator_type: str = PerpetratorType.UNKNOWN,
    name: str = "",
    description: str = "",
    act: Act | None = None,
    involvement: str = Involvement.PERPETRATOR,
) -> Perpetrator:
    """A new perpetrator in the incident's compartment, named in one of its acts if given."""
    if act is not None and act.incident_id != incident.pk:
        raise RuleError(_("Choose an act of this incident."), "act")
    perpetrator = create_perpetrator(
        incident.compartment,
        actor_id=actor_id,
        perpetrator_type=perpetrator_type,
        name=name,
        description=description,
    )
    if act is not None:
        add_perpetrator_to_act(act, perpetrator, involvement, actor_id=actor_id)
    _touch(incident)
    return perpetrator


# --- Acts ---------------------------------------------------------------------------------


@transaction.atomic
def add_act(
    incident: Incident,
    *,
    violation_type: str,
    actor_id: int | None,
    victims: Iterable[Person] = (),
    perpetrators: Iterable[tuple[Perpetrator, str]] = (),
    described_victims: Sequence[DescribedVictim] = (),
) -> Act:
    """One violation in `incident`: victims on file (Person), victims described in words,
    and perpetrators as (Perpetrator, involvement) pairs."""
    rules.choice(violation_type, ViolationType, "violation_type", gettext_lazy("Violation type"))
    act = Act.objects.create(incident=incident, violation_type=violation_type)
    people: dict[int, Person] = {}
    for person in victims:
        _same_compartment(incident, person, gettext_lazy("A victim"))
        if person.pk not in people:
            people[person.pk] = person
            Victim.objects.create(act=act, data_key=incident.data_key, person=person)
    for described in described_victims:
        add_described_victim(act, actor_id=actor_id, **asdict(described))
    for perpetrator, involvement in perpetrators:
        add_perpetrator_to_act(act, perpetrator, involvement, actor_id=actor_id)
    _touch(incident)
    audit.record(
        "record.update", actor_id=actor_id, object_type="incident", object_id=incident.reference
    )
    # Inside this transaction: an alert a rule raises is written with the act, or not at all.
    act_recorded.send(Act, incident=incident, act=act, people=list(people.values()))
    return act


def _victim_description(description: str) -> str:
    description = rules.text(
        description, "victim_description", gettext_lazy("The victim's description"), limit=TEXT_MAX
    )
    if not description:
        raise RuleError(
            _("Describe the victim (e.g. 'a community leader'), or choose a person on file."),
            "victim_description",
        )
    return description


@transaction.atomic
def add_described_victim(
    act: Act,
    *,
    actor_id: int | None,
    description: str,
    sex: str = Gender.UNKNOWN,
    age_group: str = AgeGroup.UNKNOWN,
) -> Victim:
    description = _victim_description(description)
    rules.choice(sex, Gender, "victim_sex", gettext_lazy("Sex"))
    rules.choice(age_group, AgeGroup, "victim_age_group", gettext_lazy("Age group"))
    incident = act.incident
    return Victim.objects.create(
        act=act, data_key=incident.data_key, description=description, sex=sex, age_group=age_group
    )


@transaction.atomic
def add_perpetrator_to_act(
    act: Act, perpetrator: Perpetrator, involvement: str, *, actor_id: int | None
) -> ActPerpetrator:
    rules.choice(involvement, Involvement, "involvement", gettext_lazy("Degree of involvement"))
    _same_compartment(act.incident, perpetrator, gettext_lazy("The perpetrator"))
    if ActPerpetrator.objects.filter(act=act, perpetrator=perpetrator).exists():
        raise Conflict(_("This perpetrator is already named in this act."), "perpetrator")
    return ActPerpetrator.objects.create(act=act, perpetrator=perpetrator, involvement=involvement)


# --- Sources ------------------------------------------------------------------------------


@transaction.atomic
def add_source(
    incident: Incident,
    *,
    actor_id: int | None,
    kind: str,
    reliability: str,
    independent: bool = False,
    description: str = "",
) -> Source:
    rules.choice(kind, SourceKind, "kind", gettext_lazy("Kind of source"))
    rules.choice(reliability, Reliability, "reliability", gettext_lazy("Reliability"))
    description = rules.text(
        description, "description", gettext_lazy("The description"), limit=TEXT_MAX
    )
    source = Source.objects.create(
        incident=incident,
        data_key=incident.data_key,
        kind=kind,
        reliability=reliability,
        independent=bool(independent),
        description=description,
        added_by_id=actor_id,
    )
    _touch(incident)
    audit.record(
        "record.update", actor_id=actor_id, object_type="incident", object_id=incident.reference
    )
    return source


# --- Corrections of acts, sources and perpetrators ----------------------------------------

SOURCE_FIELDS = ("kind", "reliability", "independent", "description")
PERPETRATOR_FIELDS = ("perpetrator_type", "name", "description")


@transaction.atomic
def update_act(act: Act, *, actor_id: int | None, reason: str, violation_type: str) -> Act:
    """Correct the violation an act records; victims and perpetrators are kept."""
    require_reason(reason)
    rules.choice(violation_type, ViolationType, "violation_type", gettext_lazy("Violation type"))
    logged = correction(
        "act",
        act,
        ("violation_type",),
        actor_id=actor_id,
        reason=reason,
        data_key_id=act.incident.data_key_id,  # an act is kept under its incident's key
    )
    with logged:
        act.violation_type = violation_type
        act.save(update_fields=["violation_type"])
    _touch(act.incident)
    return act


def _victims_logged(act: Act) -> dict[str, str]:
    """An act's victims as the change log keeps them: the people on file by pseudonym, one a
    line, and the described victims as JSON [description, sex, age group] (the page shows
    the codes by their names)."""
    victims = list(Victim.objects.filter(act=act).select_related("person").order_by("pk"))
    on_file = sorted(str(v.person.pseudonym) for v in victims if v.person is not None)
    described = [
        [str(v.description or ""), v.sex, v.age_group] for v in victims if v.person is None
    ]
    return {
        "victims": "\n".join(on_file),
        "described_victims": json.dumps(described, ensure_ascii=False) if described else "",
    }


@transaction.atomic
def update_victims(
    act: Act,
    *,
    actor_id: int | None,
    reason: str,
    people: Iterable[Person],
    described: Mapping[int, DescribedVictim] | None = None,
    added: Sequence[DescribedVictim] = (),
) -> Act:
    """Correct who the victims of an act are. `people`: every victim on file, after the
    correction; `described`: the described victims kept, by id, with their corrected
    details (one left out is removed); `added`: described victims to add. The previous
    victims go to the change log of the act."""
    require_reason(reason)
    incident = act.incident
    chosen: dict[int, Person] = {}
    for person in people:
        _same_compartment(incident, person, gettext_lazy("A victim"))
        chosen[person.pk] = person
    described = dict(described or {})
    current = {v.pk: v for v in Victim.objects.select_for_update().filter(act=act)}
    known = {pk for pk, v in current.items() if v.person_id is None}
    if set(described) - known:
        raise NotFound(
            _("One of the described victims is not a victim of this act."), "described_victims"
        )
    before = _victims_logged(act)
    for victim in current.values():
        stays = victim.person_id in chosen if victim.person_id else victim.pk in described
        if not stays:
            victim.delete()
    kept = {v.person_id for v in current.values() if v.person_id in chosen}
    for pk, person in chosen.items():
        if pk not in kept:
            Victim.objects.create(act=act, data_key=incident.data_key, person=person)
    for pk, details in described.items():
        victim = current[pk]
        try:
            victim.description = _victim_description(details.description)
            victim.sex = rules.choice(details.sex, Gender, "victim_sex", gettext_lazy("Sex"))
            victim.age_group = rules.choice(
                details.age_group, AgeGroup, "victim_age_group", gettext_lazy("Age group")
            )
        except RuleError as error:  # named after the victim it concerns
            field = str(error.field).removeprefix("victim_")
            raise RuleError(error.message, f"victim_{pk}_{field}") from error
        victim.save(update_fields=["description", "sex", "age_group"])
    for details in added:
        add_described_victim(act, actor_id=actor_id, **asdict(details))
    record_change(
        "act",
        act.pk,
        incident.data_key_id,
        actor_id=actor_id,
        reason=reason,
        before=before,
        after=_victims_logged(act),
    )
    _touch(incident)
    return act


@transaction.atomic
def update_source(
    source: Source,
    *,
    actor_id: int | None,
    reason: str,
    kind: str,
    reliability: str,
    independent: bool = False,
    description: str = "",
) -> Source:
    require_reason(reason)
    rules.choice(kind, SourceKind, "kind", gettext_lazy("Kind of source"))
    rules.choice(reliability, Reliability, "reliability", gettext_lazy("Reliability"))
    description = rules.text(
        description, "description", gettext_lazy("The description"), limit=TEXT_MAX
    )
    with correction("source", source, SOURCE_FIELDS, actor_id=actor_id, reason=reason):
        source.kind, source.reliability = kind, reliability
        source.independent, source.description = bool(independent), description
        source.save()
    _touch(source.incident)
    return source


@transaction.atomic
def update_perpetrator(
    perpetrator: Perpetrator,
    *,
    actor_id: int | None,
    reason: str,
    perpetrator_type: str,
    name: str = "",
    description: str = "",
) -> Perpetrator:
    """Correct a perpetrator: every act that names them shows the correction."""
    require_reason(reason)
    rules.choice(
        perpetrator_type, PerpetratorType, "perpetrator_type", gettext_lazy("Perpetrator type")
    )
    name = rules.text(name, "name", gettext_lazy("The name"), limit=LINE_MAX, line=True)
    description = rules.text(
        description, "description", gettext_lazy("The description"), limit=TEXT_MAX
    )
    logged = correction(
        "perpetrator", perpetrator, PERPETRATOR_FIELDS, actor_id=actor_id, reason=reason
    )
    with logged:
        perpetrator.perpetrator_type, perpetrator.name = perpetrator_type, name
        perpetrator.description = description
        perpetrator.save()
    return perpetrator


# --- Chain of events ----------------------------------------------------------------------


def _sees(actor_id: int | None, incident: Incident) -> bool:
    return actor_id is not None and incident.compartment.members.filter(user_id=actor_id).exists()


@transaction.atomic
def link_incidents(
    from_incident: Incident, to_incident: Incident, *, kind: str, actor_id: int | None
) -> IncidentLink:
    """`from_incident` caused / followed / is related to `to_incident`. The person linking
    must see both, so a link never reveals an incident to someone outside its compartment."""
    rules.choice(kind, LinkKind, "kind", gettext_lazy("Kind of link"))
    if from_incident.pk == to_incident.pk:
        raise RuleError(_("An incident cannot be linked to itself."), "to_incident")
    if not (_sees(actor_id, from_incident) and _sees(actor_id, to_incident)):
        raise NotFound(_("There is no incident with this reference."), "to_incident")
    if IncidentLink.objects.filter(
        from_incident=from_incident, to_incident=to_incident, kind=kind
    ).exists():
        raise Conflict(_("These incidents are already linked this way."), "to_incident")
    # The same link the other way round: "related" says it already, and each of two incidents
    # cannot have caused (or followed) the other.
    if IncidentLink.objects.filter(
        from_incident=to_incident, to_incident=from_incident, kind=kind
    ).exists():
        raise Conflict(
            _("This link is already recorded the other way round."),
            "to_incident",
        )
    link = IncidentLink.objects.create(
        from_incident=from_incident, to_incident=to_incident, kind=kind, created_by_id=actor_id
    )
    audit.record(
        "record.update",
        actor_id=actor_id,
        object_type="incident",
        object_id=from_incident.reference,
    )
    return link


# --- Verification -------------------------------------------------------------------------


def independent_sources(incident: Incident) -> int:
    return incident.sources.filter(independent=True).count()


@transaction.atomic
def set_verification(incident: Incident, status: str, *, actor_id: int | None) -> Incident:
    """Corroborated needs two independent sources; verified records who and when."""
    rules.choice(status, VerificationStatus, "status", gettext_lazy("Verification status"))
    # Read under a lock: two people changing the status at once must not both pass the rules.
    incident.verification = (
        Incident.objects.select_for_update()
        .values_list("verification", flat=True)
        .get(pk=incident.pk)
    )
    if status == incident.verification:
        raise Conflict(_("The incident already has this verification status."), "status")
    if status == VerificationStatus.CORROBORATED:
        found = independent_sources(incident)
        if found < INDEPENDENT_SOURCES_TO_CORROBORATE:
            raise Conflict(
                _(
                    "An incident is corroborated only by at least two independent sources; "
                    "this one has %(found)s. Add the sources first, marked as independent."
                )
                % {"found": found},
                "status",
            )
    VerificationChange.objects.create(
        incident=incident,
        from_status=incident.verification,
        to_status=status,
        changed_by_id=actor_id,
    )
    incident.verification = status
    if status == VerificationStatus.VERIFIED:
        incident.verified_by_id = actor_id
        incident.verified_at = timezone.now()
    else:
        incident.verified_by_id = None
        incident.verified_at = None
    incident.save(update_fields=["verification", "verified_by", "verified_at", "updated_at"])
    audit.record(
        "verification.change",
        actor_id=actor_id,
        object_type="incident",
        object_id=incident.reference,
    )
    return incident
