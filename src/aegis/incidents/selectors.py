"""Reads for incidents. Everything is scoped to the reader's compartments: for anyone else an
incident does not exist (the same answer as for a missing one)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db.models import BigIntegerField, ExpressionWrapper, F, Prefetch, Q, QuerySet

from aegis.cases import selectors as cases
from aegis.cases.models import Case, Compartment, Person
from aegis.paging import Order, SeekPage, seek_page
from aegis.vault.fields import blind_index
from aegis.vault.keychain import NoKeyAccess, VaultLocked
from aegis.vault.selectors import open_records

from .models import Act, ActPerpetrator, Incident, IncidentLink, Perpetrator, Source, Victim
from .vocabulary import ViolationType

PAGE_SIZE = 25
INCIDENT_ORDER = Order("month_start", descending=True)


def visible_incidents(user: Any) -> QuerySet[Incident]:
    return cases.visible(Incident, user)


def incident_for(user: Any, reference: str) -> Incident | None:
    """The incident, its key opened: its pages show it."""
    incident = (
        visible_incidents(user)
        .select_related("compartment", "verified_by")
        .filter(reference=reference.strip().upper())
        .first()
    )
    open_records([incident])
    return incident


def incidents_page(
    user: Any,
    number: Any = None,
    *,
    country: str = "",
    violation_type: str = "",
    verification: str = "",
    after: str = "",
    before: str = "",
) -> SeekPage:
    """A page of the reader's incidents, newest first: `after`/`before` seek from a row of
    the page shown (the links), `number` is a page typed into the address or the API's."""
    incidents = cases.visible(Incident, user)  # read through the (compartment, date) index
    if country:
        incidents = incidents.filter(country=country.upper())
    if violation_type:
        # A subquery, not a join, so an incident with two such acts is listed once.
        incidents = incidents.filter(
            pk__in=Act.objects.filter(violation_type=violation_type).values("incident_id")
        )
    if verification:
        incidents = incidents.filter(verification=verification)
    incidents = incidents.prefetch_related(
        Prefetch("acts", queryset=Act.objects.only("incident_id", "violation_type"))
    )
    params = {"page": number, "after": after, "before": before}
    page = seek_page(incidents, INCIDENT_ORDER, params, size=PAGE_SIZE)
    open_records(page.object_list)  # the titles shown: one query, one audit entry
    return page


def all_incidents() -> QuerySet[Incident]:
    """Every incident, unscoped: for the set-based upkeep of other apps' derived columns."""
    return Incident.objects.all()


def cases_and_people_of(incident_ids: Any) -> tuple[list[int], list[int]]:
    """The ids of the cases linked to these incidents, and of the people they concern (the
    linked cases' people and the acts' victims)."""
    ids = list(incident_ids)
    links = Incident.cases.through.objects.filter(incident_id__in=ids)
    case_ids = list(links.values_list("case_id", flat=True))
    people = set(
        Case.objects.filter(pk__in=case_ids, person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    victims = Victim.objects.filter(act__incident_id__in=ids, person__isnull=False)
    people.update(victims.values_list("person_id", flat=True))
    return case_ids, sorted(people)


def incidents_of_case(user: Any, case: Case) -> QuerySet[Incident]:
    return visible_incidents(user).filter(cases=case).order_by("-month_start", "-pk")


def case_panel(user: Any, case: Case) -> list[Incident]:
    """The case page's incidents, opened (one query, one audit entry) so that the page shows
    their days, newest day first: the columns hold only months, so the days are sorted here."""
    found = list(incidents_of_case(user, case))
    open_records(found)
    return sorted(found, key=lambda incident: (incident.date_start, incident.pk), reverse=True)


def acts_of(incident: Incident) -> QuerySet[Act]:
    return incident.acts.prefetch_related(
        Prefetch("victims", queryset=Victim.objects.select_related("person")),
        Prefetch("perpetrators", queryset=ActPerpetrator.objects.select_related("perpetrator")),
    )


@dataclass(frozen=True)
class IncidentPage:
    """What the incident page shows besides the incident, keys opened in one query."""

    acts: list[Act]
    sources: list[Source]
    outgoing: list[IncidentLink]
    incoming: list[IncidentLink]


def incident_page(user: Any, incident: Incident) -> IncidentPage:
    acts = list(acts_of(incident))
    sources = list(incident.sources.all())
    outgoing, incoming = links_of(user, incident)
    victims = [victim for act in acts for victim in act.victims.all()]
    open_records(
        sources,
        victims,
        [victim.person for victim in victims],
        [named.perpetrator for act in acts for named in act.perpetrators.all()],
        [link.to_incident for link in outgoing],
        [link.from_incident for link in incoming],
    )
    return IncidentPage(acts, sources, outgoing, incoming)


def perpetrators_in(compartment: Compartment) -> QuerySet[Perpetrator]:
    """The compartment's perpetrators (a query: open the keys of those shown)."""
    return Perpetrator.objects.filter(compartment=compartment)


def perpetrators_of(incident: Incident) -> QuerySet[Perpetrator]:
    """The perpetrators named in any act of the incident."""
    return Perpetrator.objects.filter(acts__act__incident=incident).distinct()


def perpetrators_named(user: Any, name: str) -> QuerySet[Perpetrator]:
    """Exact match on a perpetrator's name (blind index), in the reader's compartments."""
    if not name.strip():
        return Perpetrator.objects.none()
    try:
        index = blind_index("name", name)
    except (NoKeyAccess, VaultLocked):
        return Perpetrator.objects.none()
    return cases.visible(Perpetrator, user).filter(name_index=index)


def people_in(user: Any, compartment: Compartment) -> QuerySet[Person]:
    return cases.visible_people(user).filter(compartment=compartment)


def people_of_incident(
    user: Any, incident: Incident, *, also: Iterable[int] = ()
) -> QuerySet[Person]:
    """The people of the incident's related cases the reader sees, and those of `also`
    (the act's victims on file): whom an act may name where the compartment holds too many
    people to list."""
    of_cases = cases.visible_cases(user).filter(incidents=incident).values("person_id")
    return people_in(user, incident.compartment).filter(Q(pk__in=of_cases) | Q(pk__in=list(also)))


def cases_in(user: Any, compartment: Compartment) -> QuerySet[Case]:
    return cases.visible_cases(user).filter(compartment=compartment).order_by("reference")


def cases_for_incident(user: Any, incident: Incident) -> QuerySet[Case]:
    """The cases the editor of `incident` may tick: those of its compartment, and those
    already linked that moved to another compartment the editor is in."""
    return (
        cases.visible_cases(user)
        .filter(Q(compartment=incident.compartment_id) | Q(incidents=incident))
        .distinct()
        .order_by("reference")
    )


def related_cases(user: Any, incident: Incident) -> list[tuple[Case, bool]]:
    """The incident's cases, each with whether the reader may open it (a case that moved
    to a compartment the reader is not in is named, not linked)."""
    visible = set(cases.visible_cases(user).filter(incidents=incident).values_list("pk", flat=True))
    return [(case, case.pk in visible) for case in incident.cases.order_by("reference")]


def links_of(user: Any, incident: Incident) -> tuple[list[IncidentLink], list[IncidentLink]]:
    """Links from and to `incident`, leaving out incidents the reader may not see."""
    visible = visible_incidents(user).values("pk")
    outgoing = incident.links_out.filter(to_incident__in=visible).select_related("to_incident")
    incoming = incident.links_in.filter(from_incident__in=visible).select_related("from_incident")
    return list(outgoing), list(incoming)


def search(user: Any, text: str, *, cases: Any = (), limit: int = 50) -> list[Incident]:
    """Exact matches for the search page: the incident's reference, a perpetrator's name, or
    an incident linked to one of the cases already found."""
    text = text.strip()
    if not text:
        return []
    visible = visible_incidents(user)
    # One indexed lookup per way of matching, then the incidents by id: one OR across the
    # three joins, with DISTINCT over every column, could use no index.
    lookups = [visible.filter(reference=text.upper())]
    perpetrators = list(perpetrators_named(user, text).values_list("pk", flat=True))
    if perpetrators:
        lookups.append(visible.filter(acts__perpetrators__perpetrator__in=perpetrators))
    if cases:
        lookups.append(visible.filter(cases__in=list(cases)))
    newest = ("-month_start", "-pk")
    found: set[int] = set()
    for lookup in lookups:
        found.update(lookup.order_by(*newest).values_list("pk", flat=True)[:limit])
    return list(Incident.objects.filter(pk__in=found).order_by(*newest)[:limit])


def statistics_incidents(
    consenting: QuerySet[Person], statuses: Any, id_ranges: Iterable[tuple[int, int]] | None = None
) -> QuerySet[Incident]:
    """Incidents that may be counted in statistics: of one of these verification statuses,
    concerning at least one known person (an act's victim or a linked case's person), every
    one of whom is in `consenting` (a subquery). A query for aggregation: no row is read.

    With `id_ranges` ((first, end) pairs, end excluded), only the incidents within them."""
    from django.db.models import Exists, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    through = Incident.cases.through
    victims = Victim.objects.filter(act__incident=OuterRef("pk"), person__isnull=False)
    linked = through.objects.filter(incident=OuterRef("pk"), case__person__isnull=False)
    found = Incident.objects.filter(verification__in=list(statuses))
    people = consenting.values("pk")
    if id_ranges is None:
        return found.filter(
            (Exists(victims) | Exists(linked))
            & ~Exists(victims.exclude(person__in=people))
            & ~Exists(linked.exclude(case__person__in=people))
        )

    # A few thousand incidents: each looked up on its own (a scalar subquery, which the
    # planner keeps per row) is far quicker than the anti-join over every victim that
    # PostgreSQL makes of NOT EXISTS, which took a second at a million incidents.
    def any_of(rows: QuerySet[Any]) -> Coalesce:
        return Coalesce(Subquery(rows.order_by().values(a=Value(True))[:1]), Value(False))

    return (
        found.filter(_within(list(id_ranges), "pk"))
        .filter(Exists(victims) | Exists(linked))
        .alias(
            refused_by_victim=any_of(victims.exclude(person__in=people)),
            refused_by_case=any_of(linked.exclude(case__person__in=people)),
        )
        .filter(refused_by_victim=False, refused_by_case=False)
    )


def _within(ranges: list[tuple[int, int]], field: str) -> Q:
    found = Q(pk__in=[])
    for first, end in ranges:
        found |= Q(**{f"{field}__gte": first, f"{field}__lt": end})
    return found


# A temporary table is the connection's own: two processes making a release at once each
# have theirs under the same name.
_COUNTED_TABLE = "statistics_counted_incidents"


@contextmanager
def counted_once(incidents: QuerySet[Incident]) -> Iterator[QuerySet[Incident]]:
    """These incidents worked out once, into a temporary table of their ids, and the same
    incidents as a query that only joins to it: the aggregations over acts, victims and
    perpetrators that follow each read the table instead of deciding again who may be
    counted (deciding it in each of them took 1.2 s of SQL in all on PostgreSQL at 100,000
    incidents, 0.5 s with the table). In a transaction of its own (nested in the caller's,
    if any): if anything fails the table is rolled back with it; otherwise it is dropped at
    the end."""
    from django.db import connection, transaction
    from django.db.models.expressions import RawSQL

    # Named in the connection's temporary schema, so that no statement here can reach an
    # ordinary table, whatever its name.
    schema = "pg_temp" if connection.vendor == "postgresql" else "temp"
    table = f"{schema}.{connection.ops.quote_name(_COUNTED_TABLE)}"
    # SQLite's INTEGER PRIMARY KEY is the rowid itself (64-bit); PostgreSQL's ids are bigint.
    column = "bigint" if connection.vendor == "postgresql" else "integer"
    sql, params = incidents.order_by().values("pk").query.sql_with_params()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TEMPORARY TABLE {table} (id {column} PRIMARY KEY)")
            cursor.execute(f"INSERT INTO {table} (id) {sql}", params)
            if connection.vendor == "postgresql":
                # Autovacuum never analyses a temporary table: without this the planner
                # guesses its size, and may loop over it where a hash join is right.
                cursor.execute(f"ANALYZE {table}")
        # The table's name is this module's constant, quoted: nothing from outside.
        ids = RawSQL(f"SELECT id FROM {table}", [])  # noqa: S608, S611
        yield Incident.objects.filter(pk__in=ids)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {table}")


def acts_of_incidents(incidents: QuerySet[Incident]) -> QuerySet[Act]:
    """The acts of these incidents (a query for aggregation)."""
    return Act.objects.filter(incident__in=incidents.values("pk"))


def victims_of_incidents(incidents: QuerySet[Incident]) -> QuerySet[Victim]:
    """The victims of these incidents' acts (a query for aggregation)."""
    return Victim.objects.filter(act__incident__in=incidents.values("pk"))


def involvements_of_incidents(incidents: QuerySet[Incident]) -> QuerySet[ActPerpetrator]:
    """Which perpetrators took part in the acts of these incidents (a query for aggregation)."""
    return ActPerpetrator.objects.filter(act__incident__in=incidents.values("pk"))


def merge_candidates(
    *,
    country: str,
    around: Any,
    days: int,
    violation_types: Any,
    name_indexes: Any,
    limit: int = 20,
) -> list[Incident]:
    """Incidents that may record the same event as a news report (monitoring's merge): one
    of the names (blind indexes of victims on file or perpetrators) matches, or the place,
    the month of the date (± `days`) and a violation type all do. Coded columns only; nothing
    is opened."""
    import datetime

    names = [index for index in name_indexes if index]
    by_name = Q(acts__victims__person__name_index__in=names) | Q(
        acts__perpetrators__perpetrator__name_index__in=names
    )
    # Clamped at the calendar's ends: a report dated near year 1 (or 9999) must still list
    # its candidates, not raise OverflowError on every view of its proposal.
    span = datetime.timedelta(days=days)
    earliest = around - span if around - datetime.date.min >= span else datetime.date.min
    latest = around + span if datetime.date.max - around >= span else datetime.date.max
    # By month: the analytic projection keeps no day (the days are sealed).
    window = Q(month_start__gte=earliest.replace(day=1), month_start__lte=latest)
    by_event = window & Q(acts__violation_type__in=list(violation_types))
    if country:
        by_event &= Q(country=country)
    query = (by_name if names else Q(pk__in=[])) | by_event
    found = list(Incident.objects.filter(query).distinct().order_by("-month_start", "-pk")[:limit])
    # Each with its violations' names (`violation_names`), so that the analyst can tell
    # candidates apart by what happened, from coded columns still.
    codes: dict[int, list[str]] = {incident.pk: [] for incident in found}
    acts = Act.objects.filter(incident__in=found).order_by("pk")
    for incident_id, code in acts.values_list("incident_id", "violation_type"):
        if code not in codes[incident_id]:
            codes[incident_id].append(code)
    for incident in found:
        names = [str(ViolationType(c).label) for c in codes[incident.pk] if c in ViolationType]
        setattr(incident, "violation_names", names)  # noqa: B010 (not a field of the model)
    return found


def part_versions(size: int) -> dict[int, tuple[int, Any]]:
    """For each part of the incidents (`size` consecutive ids), how many there are and when
    the latest of them changed: kept counts of a part whose version moved are counted again
    (an incident's `updated_at` moves with its acts, victims and sources; a removal lowers
    the number)."""
    from django.db.models import Count, Max

    part = ExpressionWrapper(F("pk") / size, output_field=BigIntegerField())
    rows = (
        Incident.objects.order_by()
        .annotate(part=part)
        .values("part")
        .annotate(n=Count("pk"), last=Max("updated_at"))
    )
    return {int(r["part"]): (int(r["n"]), r["last"]) for r in rows}


def parts_concerning(size: int, people: Iterable[int]) -> set[int]:
    """The parts (as in `part_versions`) holding an incident about one of these people: a
    victim, or a linked case's person."""
    through = Incident.cases.through
    found: set[int] = set()
    ids = sorted(set(people))
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        victims = Victim.objects.filter(person_id__in=batch).order_by()
        linked = through.objects.filter(case__person_id__in=batch).order_by()
        found.update(i // size for i in victims.values_list("act__incident_id", flat=True))
        found.update(i // size for i in linked.values_list("incident_id", flat=True))
    return found


def last_incident_id() -> int:
    """The highest id of an incident (0 if none; read from the index's end): a public
    release counts the incidents up to it, so that those recorded later wait for the next."""
    from django.db.models import Max

    return int(Incident.objects.aggregate(last=Max("pk"))["last"] or 0)


def statistics_fingerprint() -> tuple[int, Any, int, int]:
    """Changes whenever an incident, act or victim is added, changed or removed (for caches
    of statistics; an incident's `updated_at` moves with its acts and victims)."""
    from django.db.models import Max

    # Each aggregate in a query of its own: a lone MAX is read from the index's end, a COUNT
    # beside it would make the database scan the table.
    last = Incident.objects.aggregate(last=Max("updated_at"))["last"]
    return (Incident.objects.count(), last, Act.objects.count(), Victim.objects.count())
