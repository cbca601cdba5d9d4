"""Staff pages at scale: each page's time and SQL query count on a large instance.

    .venv/bin/python bench/scale.py [--cases 10000] [--incidents N] [--db sqlite|postgres]
        [--requests 20] [--clients 1] [--server-workers N] [--reuse] [--home DIR]
        [--pg-name NAME] [--pages 'incident,search'] [--page-seconds 30]
    (or: aegis bench scale --cases 1000,10000)

Builds an instance of the chosen size: `--cases` people (one per case) with their cases,
notes, tasks, consents and risk assessments, and `--incidents` incidents with acts, victims,
perpetrators and sources, spread over five compartments of three members each, and as many
news articles with their proposals (most waiting, some merged into the incidents) and smear
campaigns with items (build_monitoring). The rows are
written in batches with bulk_create, but from the services' own building blocks, so they are
what the services write: one data key per person, case, incident and perpetrator
(vault.crypto.random_key), sealed to every member of the compartment (crypto.seal) and
listed in its compartment (CompartmentKey); notes, tasks, status changes and assessments
under their case's key, consents under their person's, victims and sources under their
incident's; every protected field is the EncryptedTextField's own ciphertext and every blind
index crypto.hmac_index of the normalised value under the search key. What is left out: the
audit entries the services would add (the pages timed here do not read them).

The instance is kept (a SQLite file in --home, or the PostgreSQL database --pg-name on the
server of AEGIS_BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test) and
`--reuse` times it again without rebuilding when its size matches.

Then every staff page is requested over real HTTP from `aegis serve` (gunicorn, its
production defaults unless --server-workers is given) started on a loopback port over the
instance, by a coordinator signed in over HTTP through the real sign-in form (CSRF token,
password and a backup code), and the analyst view by an analyst. For each page, one request
in this process through Django's test client counts the SQL queries and times each (a
connection execute_wrapper); then `--requests` timed ones go over HTTP from `--clients`
client processes at once (each its own signed-in session, after one untimed request; a
page slower than --page-seconds stops after three), with the requests per second all
clients together got answered ("req/s"; SQL ms is the counted request's time in the
database). Each page's p50 is also given as a ratio to a bare signed-in page
(/accounts/password/) timed in the same run, before and after the others.

Several sizes (--cases 1000,10000 --incidents 1000,10000) are built and timed one after
another, each in its own process, and a last table shows how each page's p50 grows with the
size: a page whose answer does not grow (a first page of 25, an exact search) but whose time
does is a defect. The target is 150 ms p95 for every page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from _common import drop_pg_database, pg_admin, pg_database_url, pg_server

PASSWORD = "bench passphrase for the scale run"
COMPARTMENTS = 5
CASEWORKERS_PER_COMPARTMENT = 2  # with the coordinator, three holders of every key
BATCH = 500
TARGET_MS = 150.0
PLACES = [
    ("CO", "CO-ANT"),
    ("CO", "CO-CAU"),
    ("CO", "CO-VAC"),
    ("MX", "MX-GRO"),
    ("MX", "MX-OAX"),
    ("GT", ""),
]
STATE_FILE = "bench-scale.json"


# --- Where the instance lives ------------------------------------------------------------


def instance_paths(args: argparse.Namespace, cases: int, incidents: int) -> tuple[Path, str]:
    """The instance's home directory and database URL."""
    name = f"{args.db}-{cases}c-{incidents}i"
    home = Path(args.home or Path.home() / ".cache" / "aegis-bench-scale") / name
    if args.db == "sqlite":
        return home, f"sqlite:///{home / 'aegis.sqlite3'}"
    return home, pg_database_url(args.pg_name or f"aegis_bench_scale_{cases}c_{incidents}i")


def fresh_database(args: argparse.Namespace, url: str, home: Path) -> None:
    """An empty database. The home directory stays: the settings have already read or made
    the secrets it keeps."""
    for suffix in ("", "-wal", "-shm"):
        (home / f"aegis.sqlite3{suffix}").unlink(missing_ok=True)
    (home / STATE_FILE).unlink(missing_ok=True)
    if args.db == "postgres":
        database = urlsplit(url).path.lstrip("/")
        drop_pg_database(database)
        pg_admin(pg_server(), f'CREATE DATABASE "{database}"')


# --- Building -----------------------------------------------------------------------------


class Builder:
    """Bulk writes made of the services' building blocks (see the module's docstring)."""

    def __init__(self, rng: random.Random) -> None:
        from aegis.vault import crypto, keychain
        from aegis.vault.fields import index_key

        self.rng = rng
        self.crypto = crypto
        self.chain = keychain.current()
        self.index_key = index_key()

    def new_keys(
        self, compartment: Any | None, holders: list[Any], purpose: str, n: int
    ) -> list[Any]:
        """What cases.services.new_record_key writes, n times: a data key sealed to each
        holder, listed in the compartment (none for a monitoring key, which no compartment
        holds: monitoring.keys.new_key); the raw keys stay in the key context."""
        from aegis.cases.models import CompartmentKey
        from aegis.vault.models import DataKey, KeyWrap

        keys, wraps = [], []
        for _ in range(n):
            raw = self.crypto.random_key()
            data_key = DataKey(id=uuid.uuid4(), purpose=purpose)
            keys.append(data_key)
            self.chain.remember(data_key.id, raw)
            wraps += [
                KeyWrap(
                    data_key=data_key,
                    keypair=h,
                    sealed_key=self.crypto.seal(bytes(h.public_key), raw),
                )
                for h in holders
            ]
        DataKey.objects.bulk_create(keys)
        KeyWrap.objects.bulk_create(wraps)
        if compartment is not None:
            CompartmentKey.objects.bulk_create(
                CompartmentKey(compartment=compartment, data_key=k) for k in keys
            )
        return keys

    def seal(self, record: Any, **texts: str) -> Any:
        """Set encrypted fields to the field's own ciphertext, blind indexes beside them."""
        from aegis.vault import normalise
        from aegis.vault.fields import BlindIndexField

        for name, text in texts.items():
            field = record._meta.get_field(name)
            record.__dict__[field.attname] = field.encrypt(record, text)
        for field in record._meta.fields:
            if isinstance(field, BlindIndexField) and field.source in texts:
                text = texts[field.source]
                value = normalise.NORMALISERS[field.kind](text) if text.strip() else ""
                setattr(
                    record,
                    field.attname,
                    self.crypto.hmac_index(self.index_key, value, field.kind) if value else "",
                )
        return record


def name_of(i: int) -> str:
    first = ["Ana", "Luis", "María", "José", "Carmen", "Jorge", "Rosa", "Pedro", "Lucía", "Juan"]
    last = ["García", "Rodríguez", "López", "Martínez", "Pérez", "Gómez", "Díaz", "Torres"]
    return f"{first[i % 10]} {last[(i // 10) % 8]} Bench{i}"


def phone_of(i: int) -> str:
    return f"+57 300 {i // 10000 % 1000:03d} {i % 10000:04d}"


def build(cases_n: int, incidents_n: int) -> dict[str, Any]:
    """Runs inside an unlocked key context holding the recovery key (for the search key)."""
    from django.db import transaction
    from tqdm import tqdm

    from aegis import clock
    from aegis.accounts import services as accounts
    from aegis.cases import services as case_services
    from aegis.cases.models import (
        Case,
        CaseNote,
        CaseStatusChange,
        CaseTask,
        ConsentRecord,
        Person,
        ReferenceCounter,
    )
    from aegis.cases.vocabulary import AgeGroup, CaseStatus, ConsentScope, Gender, Sector
    from aegis.incidents.models import (
        Act,
        ActPerpetrator,
        Incident,
        Perpetrator,
        Source,
        Victim,
    )
    from aegis.incidents.vocabulary import (
        Involvement,
        PerpetratorType,
        Reliability,
        SourceKind,
        VerificationStatus,
        ViolationType,
    )
    from aegis.risk.models import Assessment
    from aegis.risk.vocabulary import Level
    from aegis.roles import Role
    from aegis.vault import services as vault
    from aegis.vault.selectors import keypair_for_user

    rng = random.Random(42)
    # Each vocabulary's values once (`.values` builds a new list at every call).
    genders, age_groups, sectors = Gender.values, AgeGroup.values, Sector.values
    scopes, involvement_kinds = ConsentScope.values, Involvement.values
    source_kinds, reliabilities = SourceKind.values, Reliability.values
    now = clock.now()
    today = clock.today()
    year = now.year
    coordinator = accounts.create_user("bench-coordinator", PASSWORD, Role.COORDINATOR).user
    accounts.create_user("bench-analyst", PASSWORD, Role.ANALYST)
    compartments, holders = [], []
    for c in range(COMPARTMENTS):
        workers = [
            accounts.create_user(f"bench-caseworker{c}-{w}", PASSWORD, Role.CASEWORKER).user
            for w in range(CASEWORKERS_PER_COMPARTMENT)
        ]
        members = [coordinator, *workers]
        compartments.append(
            case_services.create_compartment(f"Bench {c}", "Scale benchmark", members=members)
        )
        holders.append([keypair_for_user(u.pk) for u in members])
    index_key_id = vault.index_key_id()
    assert index_key_id is not None
    for c in range(COMPARTMENTS):
        for keypair in holders[c]:
            vault.grant(index_key_id, keypair)
    builder = Builder(rng)
    chain = builder.chain

    def key_ids_of(keys: list[Any]) -> list[Any]:
        return [k.id for k in keys]

    # People, their cases, consents, status changes, notes, tasks and assessments.
    case_ids: list[list[tuple[int, int]]] = [[] for _ in range(COMPARTMENTS)]  # (case, person)
    statuses, levels = CaseStatus.values, Level.values
    progress = tqdm(total=cases_n, desc="cases", unit="case", mininterval=2, file=sys.stderr)
    for start in range(0, cases_n, BATCH):
        chunk = range(start, min(cases_n, start + BATCH))
        with transaction.atomic():
            for c in range(COMPARTMENTS):
                mine = [i for i in chunk if i % COMPARTMENTS == c]
                if not mine:
                    continue
                compartment = compartments[c]
                person_keys = builder.new_keys(compartment, holders[c], "person", len(mine))
                case_keys = builder.new_keys(compartment, holders[c], "case", len(mine))
                people = []
                for i, key in zip(mine, person_keys, strict=True):
                    country, region = PLACES[i % len(PLACES)]
                    person = Person(
                        compartment=compartment,
                        data_key_id=key.id,
                        pseudonym=f"Defender {i:07d}",
                        gender=genders[i % len(genders)],
                        age_group=age_groups[i % len(age_groups)],
                        sector=sectors[i % len(sectors)],
                        country=country,
                        region=region,
                        languages="es",
                    )
                    people.append(
                        builder.seal(
                            person,
                            legal_name=name_of(i),
                            phone=phone_of(i),
                            email=f"defender{i}@bench.example.org",
                            organisation="Colectivo de la vereda",
                            identity_document=f"CC {10_000_000 + i}",
                        )
                    )
                Person.objects.bulk_create(people)
                records = []
                for i, person, key in zip(mine, people, case_keys, strict=True):
                    case = Case(
                        reference=f"AEG-{year}-{i + 1:05d}",
                        compartment=compartment,
                        data_key_id=key.id,
                        subject_kind="person",
                        person=person,
                        status=statuses[i % len(statuses)],
                        country=person.country,
                        region=person.region,
                        sector=person.sector,
                        closed_at=now if i % len(statuses) == statuses.index("closed") else None,
                    )
                    records.append(
                        builder.seal(
                            case,
                            subject_name="",
                            summary=f"Threats after the land claim hearing, case {i}. " * 3,
                        )
                    )
                Case.objects.bulk_create(records)
                changes, notes, tasks, consents, assessments = [], [], [], [], []
                for i, person, case in zip(mine, people, records, strict=True):
                    changes.append(
                        builder.seal(
                            CaseStatusChange(
                                case=case,
                                data_key_id=case.data_key_id,
                                to_status=CaseStatus.INTAKE,
                                changed_by=coordinator,
                            ),
                            reason="Case opened",
                        )
                    )
                    if case.status != CaseStatus.INTAKE:  # as cases.services.change_status
                        changes.append(
                            builder.seal(
                                CaseStatusChange(
                                    case=case,
                                    data_key_id=case.data_key_id,
                                    from_status=CaseStatus.INTAKE,
                                    to_status=case.status,
                                    changed_by=coordinator,
                                ),
                                reason="Assessed after the first interview",
                            )
                        )
                    for n in range(2):
                        notes.append(
                            builder.seal(
                                CaseNote(
                                    case=case, data_key_id=case.data_key_id, author=coordinator
                                ),
                                body=f"Called the defender; follow-up {n} agreed for next week.",
                            )
                        )
                    tasks.append(
                        builder.seal(
                            CaseTask(
                                case=case,
                                data_key_id=case.data_key_id,
                                due_on=today + timedelta(days=rng.randint(-20, 40)),
                                assigned_to=coordinator,
                                done_at=now if i % 3 == 0 else None,
                            ),
                            title="Check the safety plan",
                        )
                    )
                    consents.append(
                        builder.seal(
                            ConsentRecord(
                                person=person,
                                data_key_id=person.data_key_id,
                                scope=scopes[i % len(scopes)],
                                given_at=now - timedelta(days=i % 400),
                                recorded_by=coordinator,
                            ),
                            note="Given in person, recorded on paper.",
                        )
                    )
                    if i % 2 == 0:
                        level = levels[i % len(levels)]
                        score = Decimal(5 + 20 * levels.index(level))
                        assessments.append(
                            builder.seal(
                                Assessment(
                                    case=case,
                                    compartment=compartment,
                                    data_key_id=case.data_key_id,
                                    number=1,
                                    assessed_on=today - timedelta(days=i % 200),
                                    assessed_by=coordinator,
                                    threat_score=score,
                                    vulnerability_score=Decimal(2),
                                    capacity_score=Decimal(2),
                                    score=score,
                                    level=level,
                                    level_by_numbers=level,
                                    next_review_on=today + timedelta(days=rng.randint(-30, 90)),
                                ),
                                summary="Pattern of surveillance since the hearing.",
                            )
                        )
                    case_ids[c].append((case.pk, person.pk))
                CaseStatusChange.objects.bulk_create(changes)
                CaseNote.objects.bulk_create(notes)
                CaseTask.objects.bulk_create(tasks)
                ConsentRecord.objects.bulk_create(consents)
                Assessment.objects.bulk_create(assessments)
        chain._data_keys.clear()  # the raw keys of rows already written are not needed again
        progress.update(len(chunk))
    progress.close()
    ReferenceCounter.objects.update_or_create(series="AEG", year=year, defaults={"last": cases_n})

    # Perpetrators (one per ten incidents, each with its own key), then incidents.
    perpetrator_ids: list[list[int]] = [[] for _ in range(COMPARTMENTS)]
    perpetrators_n = max(COMPARTMENTS, incidents_n // 10)
    types = PerpetratorType.values
    for start in range(0, perpetrators_n, BATCH):
        chunk = range(start, min(perpetrators_n, start + BATCH))
        with transaction.atomic():
            for c in range(COMPARTMENTS):
                mine = [i for i in chunk if i % COMPARTMENTS == c]
                if not mine:
                    continue
                keys = builder.new_keys(compartments[c], holders[c], "perpetrator", len(mine))
                rows = [
                    builder.seal(
                        Perpetrator(
                            compartment=compartments[c],
                            data_key_id=key.id,
                            perpetrator_type=types[i % len(types)],
                        ),
                        name=f"Unit {i} of the {types[i % len(types)]}",
                        description="Seen in uniform, no insignia.",
                    )
                    for i, key in zip(mine, keys, strict=True)
                ]
                Perpetrator.objects.bulk_create(rows)
                perpetrator_ids[c] += [p.pk for p in rows]
        chain._data_keys.clear()
    violations = ViolationType.values
    verifications = VerificationStatus.values
    progress = tqdm(
        total=incidents_n, desc="incidents", unit="incident", mininterval=2, file=sys.stderr
    )
    first_day = date(year - 5, 1, 1)
    span = (today - first_day).days
    through = Incident.cases.through
    for start in range(0, incidents_n, BATCH):
        chunk = range(start, min(incidents_n, start + BATCH))
        with transaction.atomic():
            for c in range(COMPARTMENTS):
                mine = [i for i in chunk if i % COMPARTMENTS == c]
                if not mine:
                    continue
                compartment = compartments[c]
                keys = builder.new_keys(compartment, holders[c], "incident", len(mine))
                incidents = []
                for i, key in zip(mine, keys, strict=True):
                    country, region = PLACES[i % len(PLACES)]
                    incidents.append(
                        builder.seal(
                            Incident(
                                reference=f"INC-{year}-{i + 1:05d}",
                                compartment=compartment,
                                data_key_id=key.id,
                                date_start=first_day + timedelta(days=rng.randint(0, span)),
                                country=country,
                                region=region,
                                verification=verifications[i % len(verifications)],
                                created_by=coordinator,
                            ),
                            title=f"Threat at the community meeting {i}",
                            description="Two men on a motorbike followed the defender home. " * 4,
                            exact_location="Vereda El Roble, behind the school",
                        )
                    )
                Incident.objects.bulk_create(incidents)
                acts, links = [], []
                for i, incident in zip(mine, incidents, strict=True):
                    for a in range(1 + i % 2):
                        acts.append(Act(incident=incident, violation_type=violations[(i + a) % 20]))
                    if i % 3 == 0 and case_ids[c]:
                        case_pk = case_ids[c][(i // COMPARTMENTS) % len(case_ids[c])][0]
                        links.append(through(incident_id=incident.pk, case_id=case_pk))
                Act.objects.bulk_create(acts)
                through.objects.bulk_create(links)
                victims, involvements, sources = [], [], []
                by_pk = {x.pk: x for x in incidents}
                for n, act in enumerate(acts):
                    incident = by_pk[act.incident_id]
                    person_pk = None
                    if n % 2 == 0 and case_ids[c]:
                        person_pk = case_ids[c][(incident.pk // 7) % len(case_ids[c])][1]
                    victims.append(
                        builder.seal(
                            Victim(
                                act=act,
                                data_key_id=incident.data_key_id,
                                person_id=person_pk,
                                sex=genders[n % len(genders)],
                                age_group=age_groups[n % len(age_groups)],
                            ),
                            description="" if person_pk else "A community leader, 40s",
                        )
                    )
                    pool = perpetrator_ids[c]
                    involvements.append(
                        ActPerpetrator(
                            act=act,
                            perpetrator_id=pool[n % len(pool)],
                            involvement=involvement_kinds[n % len(involvement_kinds)],
                        )
                    )
                for i, incident in zip(mine, incidents, strict=True):
                    sources.append(
                        builder.seal(
                            Source(
                                incident=incident,
                                data_key_id=incident.data_key_id,
                                kind=source_kinds[i % len(source_kinds)],
                                reliability=reliabilities[i % len(reliabilities)],
                                independent=i % 2 == 0,
                                added_by=coordinator,
                            ),
                            description="Testimony taken by phone.",
                        )
                    )
                Victim.objects.bulk_create(victims)
                ActPerpetrator.objects.bulk_create(involvements)
                Source.objects.bulk_create(sources)
        chain._data_keys.clear()
        progress.update(len(chunk))
    progress.close()
    ReferenceCounter.objects.update_or_create(
        series="INC", year=year, defaults={"last": incidents_n}
    )
    # Bulk rows skip the services that keep each case's current assessment, whether a newer
    # incident makes it due and the level counts: work them out once, in SQL, as an import
    # would (refresh_review_state ends with refresh_level_counts).
    from aegis.risk import services as risk_services

    risk_services.refresh_review_state()
    monitoring = build_monitoring(builder, coordinator, incidents_n, year)
    middle = max(0, cases_n // 2)
    return {
        **monitoring,
        "case": f"AEG-{year}-{middle + 1:05d}",
        "name": name_of(middle),
        "phone": phone_of(middle),
        "incident": f"INC-{year}-{max(0, incidents_n // 2) + 1:05d}",
    }


def build_monitoring(builder: Builder, coordinator: Any, incidents_n: int, year: int) -> dict:
    """News monitoring at the same scale: as many articles as incidents, each with its key
    (sealed to the analyst, every case staff member and the recovery key, as
    monitoring.keys.new_key does) and its proposal, most waiting, some decided, some merged
    into incidents and waiting for a caseworker; and smear campaigns, one of them with an item
    for every tenth article."""
    from django.db import transaction
    from tqdm import tqdm

    from aegis import clock
    from aegis.monitoring import fingerprints
    from aegis.monitoring import keys as monitoring_keys
    from aegis.monitoring.models import Article, Campaign, CampaignItem, KeyHolder, Proposal
    from aegis.monitoring.models import Source as NewsSource
    from aegis.monitoring.vocabulary import ArticleOrigin, ProposalStatus, TargetKind

    rng = builder.rng
    now = clock.now()
    holders = monitoring_keys.holders()
    source = NewsSource.objects.create(
        name="Bench news", kind="feed", url="https://news.example.org/feed", created_by=coordinator
    )
    extracted = json.dumps({"is_attack": True, "victims": [], "violation_types": []})
    statuses = [ProposalStatus.PENDING] * 6 + [
        ProposalStatus.REJECTED,
        ProposalStatus.ACCEPTED,
        ProposalStatus.MERGED,
        ProposalStatus.MERGED,
    ]
    campaigns_n = max(2, incidents_n // 1000)
    campaign_keys = builder.new_keys(None, holders, monitoring_keys.CAMPAIGN_PURPOSE, campaigns_n)
    campaigns = [
        builder.seal(
            Campaign(
                data_key_id=key.id,
                target_kind=TargetKind.DEFENDER,
                first_seen=clock.today() - timedelta(days=c),
                reach=1000 * (c + 1),
                created_by=coordinator,
            ),
            target_name=name_of(c),
            attribution="Accounts linked to a local party",
            notes="",
        )
        for c, key in enumerate(campaign_keys)
    ]
    Campaign.objects.bulk_create(campaigns)
    # The items are sealed under their campaign's key: kept past each batch's clearing.
    campaign_raw = {k.id: builder.chain._data_keys[k.id] for k in campaign_keys}
    progress = tqdm(
        total=incidents_n, desc="articles", unit="article", mininterval=2, file=sys.stderr
    )
    for start in range(0, incidents_n, BATCH):
        chunk = range(start, min(incidents_n, start + BATCH))
        with transaction.atomic():
            keys = builder.new_keys(None, holders, monitoring_keys.ARTICLE_PURPOSE, len(chunk))
            articles = [
                builder.seal(
                    Article(
                        source=source,
                        origin=ArticleOrigin.FEED,
                        data_key_id=key.id,
                        url_hash=uuid.uuid4().hex,
                        language="en",
                        published=clock.today() - timedelta(days=i % 365),
                        fetched_at=now - timedelta(minutes=incidents_n - i),
                    ),
                    url=f"https://news.example.org/{i}",
                    title=f"Defender {i} threatened after a community meeting",
                    text="Two men on a motorbike followed the defender home. " * 20,
                )
                for i, key in zip(chunk, keys, strict=True)
            ]
            Article.objects.bulk_create(articles)
            proposals, items = [], []
            for i, article in zip(chunk, articles, strict=True):
                status = statuses[i % len(statuses)]
                decided = status != ProposalStatus.PENDING
                # The incident's reference sealed, found by its token (models.Proposal).
                reference = (
                    f"INC-{year}-{i % max(1, incidents_n) + 1:05d}"
                    if status == ProposalStatus.MERGED
                    else ""
                )
                sealed = {"incident_sealed": reference} if reference else {}
                proposals.append(
                    builder.seal(
                        Proposal(
                            article=article,
                            data_key_id=article.data_key_id,
                            is_attack=True,
                            confidence=round(rng.random(), 2),
                            status=status,
                            incident_token=(
                                fingerprints.incident_token(reference) if reference else ""
                            ),
                            decided_by=coordinator if decided else None,
                            decided_at=now - timedelta(minutes=incidents_n - i)
                            if decided
                            else None,
                            created_at=article.fetched_at,
                        ),
                        extracted=extracted,
                        edited="",
                        reject_note="",
                        **sealed,
                    )
                )
                if i % 10 == 0:
                    campaign = campaigns[0] if i % 20 == 0 else campaigns[i % campaigns_n]
                    items.append(
                        builder.seal(
                            CampaignItem(
                                campaign=campaign,
                                data_key_id=campaign.data_key_id,
                                article=article,
                                seen_on=article.published,
                                added_by=coordinator,
                            ),
                            url=f"https://news.example.org/{i}",
                            description=f"Defender {i} called a foreign agent",
                        )
                    )
            Proposal.objects.bulk_create(proposals)
            CampaignItem.objects.bulk_create(items)
        builder.chain._data_keys.clear()
        for key_id, raw in campaign_raw.items():
            builder.chain.remember(key_id, raw)
        progress.update(len(chunk))
    progress.close()
    # Every holder has held every key since the first articles (keys.pass_on marked them
    # then and confirmed the marks ten minutes later), as on an instance that grew by use.
    KeyHolder.objects.bulk_create(
        KeyHolder(keypair=k, marked_at=now, confirmed=True) for k in holders if k.user_id
    )
    first = Proposal.objects.order_by("pk").first()
    return {"campaign": campaigns[0].pk, "proposal": first.pk, "source": source.pk}


# --- Timing -------------------------------------------------------------------------------


def sign_in(username: str) -> Any:
    """A test client signed in through the real form, with a backup code made the way
    accounts.services.create_user makes them (each works once): it makes the one request
    per page whose SQL queries are counted, in this process."""
    from django.test import Client

    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": username, "password": PASSWORD, "code": _backup_code(username)},
        secure=True,
    )
    if response.status_code != 302:
        raise SystemExit(f"Signing in as {username} failed ({response.status_code}).")
    return client


def _backup_code(username: str) -> str:
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device = StaticDevice.objects.get(user__username=username)
    code = StaticToken.random_token()
    StaticToken.objects.create(device=device, token=code)
    return code


def pages(facts: dict[str, Any], cases_n: int, incidents_n: int) -> list[tuple[str, str, str]]:
    """(label, user, path) for every staff page timed, the bare one first."""
    from urllib.parse import urlencode

    deep_cases, deep_incidents = _middle_page(cases_n), _middle_page(incidents_n)
    coord = "bench-coordinator"
    case_link, incident_link = _deep_links(deep_cases, deep_incidents)
    return [
        ("bare signed-in page (baseline)", coord, "/accounts/password/"),
        ("dashboard and work queue", coord, "/"),
        ("case list, first page", coord, "/cases/"),
        ("case list, filtered", coord, "/cases/?status=active&country=CO"),
        ("case list, deep page", coord, f"/cases/?page={deep_cases}"),
        ("case list, deep page by link", coord, f"/cases/?{case_link}"),
        ("people list", coord, "/cases/people/"),
        ("incident list, first page", coord, "/incidents/"),
        ("incident list, filtered", coord, "/incidents/?country=CO&violation_type=threat"),
        ("incident list, deep page", coord, f"/incidents/?page={deep_incidents}"),
        ("incident list, deep page by link", coord, f"/incidents/?{incident_link}"),
        ("search by name", coord, "/cases/search/?" + urlencode({"q": facts["name"]})),
        ("search by phone", coord, "/cases/search/?" + urlencode({"q": facts["phone"]})),
        ("search by reference", coord, "/cases/search/?" + urlencode({"q": facts["case"]})),
        ("case detail", coord, f"/cases/{facts['case']}/"),
        ("incident detail", coord, f"/incidents/{facts['incident']}/"),
        ("new case form", coord, "/cases/new/"),
        ("new incident form", coord, "/incidents/new/"),
        ("incident edit form", coord, f"/incidents/{facts['incident']}/edit/"),
        ("add act form", coord, f"/incidents/{facts['incident']}/acts/new/"),
        ("risk dashboard", coord, "/risk/"),
        ("analyst view", "bench-analyst", "/risk/analysis/"),
        ("alert console", coord, "/alerts/"),
        ("triage queue", coord, "/triage/"),
        *monitoring_pages(facts, incidents_n),
    ]


def monitoring_pages(facts: dict[str, Any], incidents_n: int) -> list[tuple[str, str, str]]:
    """The news-monitoring pages over build_monitoring's articles (6 in 10 waiting, 2 in 10
    merged; every 20th article an item of the first campaign)."""
    from aegis.monitoring.models import Proposal
    from aegis.monitoring.selectors import MERGED_ORDER, QUEUE_ORDER

    analyst, coord = "bench-analyst", "bench-coordinator"
    deep_queue = _middle_page(incidents_n * 6 // 10)
    deep_merged = _middle_page(incidents_n * 2 // 10)
    deep_items = _middle_page(incidents_n // 20)
    waiting = Proposal.objects.filter(status="pending")
    link = _link_to(waiting, QUEUE_ORDER, deep_queue)
    merged = Proposal.objects.filter(status="merged", source_added=False)
    merged_link = _link_to(merged, MERGED_ORDER, deep_merged)
    campaign = f"/monitoring/campaigns/{facts['campaign']}/"
    return [
        ("monitoring queue, first page", analyst, "/monitoring/"),
        ("monitoring queue, deep page", analyst, f"/monitoring/?page={deep_queue}"),
        ("monitoring queue, deep by link", analyst, f"/monitoring/?{link}"),
        ("monitoring proposal", analyst, f"/monitoring/proposals/{facts['proposal']}/"),
        ("monitoring campaigns", analyst, "/monitoring/campaigns/"),
        ("monitoring source", analyst, f"/monitoring/sources/{facts['source']}/"),
        ("monitoring campaign, deep page", analyst, f"{campaign}?page={deep_items}"),
        ("monitoring merged, deep page", coord, f"/monitoring/merged/?page={deep_merged}"),
        ("monitoring merged, deep by link", coord, f"/monitoring/merged/?{merged_link}"),
    ]


def _middle_page(rows: int) -> int:
    """The page number halfway down a list of this many rows, 25 a page."""
    return max(1, (rows + 24) // 25) // 2 + 1


def _deep_links(case_page: int, incident_page: int) -> tuple[str, str]:
    """The query strings of the "next" links that lead to these pages of the case and
    incident lists."""
    from aegis.cases.models import Case
    from aegis.cases.selectors import CASE_ORDER
    from aegis.incidents.models import Incident
    from aegis.incidents.selectors import INCIDENT_ORDER

    return (
        _link_to(Case.objects.all(), CASE_ORDER, case_page),
        _link_to(Incident.objects.all(), INCIDENT_ORDER, incident_page),
    )


def _link_to(rows: Any, order: Any, page: int) -> str:
    """The query string of the "next" link that leads to this page of `rows` in `order`
    (aegis.paging seeks from the last row of the page before, instead of counting rows with
    OFFSET)."""
    from urllib.parse import urlencode

    from aegis import paging

    sign = "-" if order.descending else ""
    before = rows.order_by(f"{sign}{order.field}", f"{sign}pk")
    row = before[max(0, (page - 1) * 25 - 1)]
    return urlencode({"after": paging.cursor_of(row, order), "page": page})


class Server:
    """`aegis serve` (gunicorn, with its production defaults unless --server-workers is
    given) on a free loopback port, over this instance: the timed requests go to it over
    real HTTP, as a browser's would."""

    def __init__(self, workers: int | None) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "aegis.cli", "serve", "--addr", f"127.0.0.1:{port}"]
        if workers:
            command += ["--workers", str(workers)]
        self.log = open(Path(os.environ["AEGIS_HOME"]) / "bench-serve.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self._wait()
        except BaseException:
            self.stop()  # no server left behind when the bench stops here
            raise

    def _wait(self) -> None:
        import requests

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"aegis serve stopped (see {self.log.name}).")
            try:
                if requests.get(self.url + "/healthz", timeout=30).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        raise SystemExit(f"aegis serve did not answer within 120 s (see {self.log.name}).")

    def sign_in(self, username: str) -> dict[str, str]:
        """The cookies of a session signed in over HTTP through the real form (CSRF token
        and all), for the client processes to send."""
        import re

        import requests

        with requests.Session() as session:
            form = session.get(self.url + "/accounts/login/", timeout=60)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
            if form.status_code != 200 or token is None:
                raise SystemExit(f"The sign-in page answered {form.status_code}, with no form.")
            data = {
                "csrfmiddlewaretoken": token.group(1),
                "username": username,
                "password": PASSWORD,
                "code": _backup_code(username),
            }
            answer = session.post(
                self.url + "/accounts/login/", data=data, allow_redirects=False, timeout=60
            )
            if answer.status_code != 302:
                raise SystemExit(f"Signing in over HTTP failed ({answer.status_code}).")
            return session.cookies.get_dict()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def _client_run(
    url: str, cookies: dict[str, str], count: int, deadline: float
) -> tuple[list[float], str]:
    """One client process: `count` requests one after another (fewer if past the deadline
    after three), timed from sending to the last byte of the answer."""
    import requests

    times: list[float] = []
    with requests.Session() as session:
        session.cookies.update(cookies)
        for n in range(count):
            if n >= 3 and time.time() > deadline:
                break
            start = time.perf_counter()
            response = session.get(url, allow_redirects=False, timeout=600)
            _body = response.content  # read to the end
            times.append(time.perf_counter() - start)
            if response.status_code != 200:
                return times, f"{url} answered {response.status_code}"
    return times, ""


def time_page(
    pool: Any, url: str, cookies: list[dict[str, str]], requests: int, budget: float
) -> list[float]:
    """Seconds per request, `requests` in all, spread over as many client processes as
    there are sessions, all running at once; a page so slow that it would take longer than
    `budget` seconds stops after three requests per client. Each client first asks once,
    untimed, so that the server's processes have seen the page."""
    clients = len(cookies)
    deadline = time.time() + budget
    pool.starmap(_client_run, [(url, c, 1, deadline) for c in cookies])
    share = [requests // clients + (i < requests % clients) for i in range(clients)]
    times: list[float] = []
    for part, error in pool.starmap(
        _client_run, [(url, c, n, deadline) for c, n in zip(cookies, share, strict=True) if n]
    ):
        if error:
            raise SystemExit(error)
        times += part
    return times


def _counter(queries: list[tuple[float, str]]) -> Any:
    """A connection execute_wrapper noting each query's time and SQL."""

    def count(execute: Any, sql: str, *rest: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, *rest)
        finally:
            queries.append((time.perf_counter() - start, sql))

    return count


def _most_repeated(queries: list[tuple[float, str]]) -> tuple[int, str]:
    """The query run most often in one request (its parameters are placeholders in the SQL
    Django sends, so one statement repeated per row shows as one text)."""
    from collections import Counter

    if not queries:
        return 0, ""
    sql, n = Counter(" ".join(q.split()) for _, q in queries).most_common(1)[0]
    return n, sql[:300]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def measure(args: argparse.Namespace, facts: dict[str, Any], cases_n: int, incidents_n: int):
    import multiprocessing

    from django.db import connection

    chosen = pages(facts, cases_n, incidents_n)
    if args.pages:  # the baseline, and the pages whose label contains one of the words
        words = [w.strip().lower() for w in args.pages.split(",") if w.strip()]
        chosen = chosen[:1] + [p for p in chosen[1:] if any(w in p[0] for w in words)]
    server = Server(args.server_workers)
    try:
        # The client processes are forked with no database connection of this one to share.
        connection.close()
        with multiprocessing.get_context("fork").Pool(max(1, args.clients)) as pool:
            return _measure_pages(args, chosen, server, pool)
    finally:
        server.stop()


def _measure_pages(
    args: argparse.Namespace, chosen: list[tuple[str, str, str]], server: Server, pool: Any
) -> list[dict[str, Any]]:
    from django.db import connection

    counters: dict[str, Any] = {}
    sessions: dict[str, list[dict[str, str]]] = {}
    rows = []
    bare: list[float] = []
    bare_url, bare_sessions = "", []
    for label, user, path in chosen:
        if user not in sessions:
            counters[user] = sign_in(user)
            sessions[user] = [server.sign_in(user) for _ in range(max(1, args.clients))]
        # One request in this process, through the test client, is the one whose queries
        # are counted, by a wrapper (request_started empties Django's own query log).
        queries: list[tuple[float, str]] = []
        with connection.execute_wrapper(_counter(queries)):
            response = counters[user].get(path, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{label}: {path} answered {response.status_code}")
        url = server.url + path
        began = time.perf_counter()
        times = time_page(pool, url, sessions[user], args.requests, args.page_seconds)
        wall = time.perf_counter() - began
        rows.append(
            {
                "page": label,
                "path": path,
                "p50": percentile(times, 50) * 1000,
                "p95": percentile(times, 95) * 1000,
                "queries": len(queries),
                "requests": len(times),
                # Requests answered per second by all the clients together.
                "throughput": len(times) / wall if wall else 0.0,
                "sql_ms": sum(t for t, _ in queries) * 1000,
                "slowest": [
                    (round(t * 1000, 1), " ".join(sql.split())[:300])
                    for t, sql in sorted(queries, reverse=True)[:2]
                ],
                "repeated": _most_repeated(queries),
            }
        )
        print(
            f"  {label:<32}{rows[-1]['p50']:9.1f}{rows[-1]['p95']:9.1f}{len(queries):8d}"
            f"{rows[-1]['sql_ms']:8.1f}{rows[-1]['throughput']:7.1f}",
            file=sys.stderr,
            flush=True,
        )
        if not bare:
            bare, bare_url, bare_sessions = times, url, sessions[user]
    # The baseline is timed again after every page, and its two halves pooled, so that load
    # changing on the machine during the run reaches both sides of each ratio.
    bare += time_page(pool, bare_url, bare_sessions, args.requests, args.page_seconds)
    rows[0].update(p50=percentile(bare, 50) * 1000, p95=percentile(bare, 95) * 1000)
    return rows


# --- One size, in its own process ---------------------------------------------------------


def holds(cases_n: int, incidents_n: int) -> bool:
    """Whether the database holds an instance of this size (another size may have been built
    since in the same PostgreSQL database)."""
    from django.db import DatabaseError

    from aegis.cases.models import Case
    from aegis.incidents.models import Incident

    try:
        return Case.objects.count() == cases_n and Incident.objects.count() == incidents_n
    except DatabaseError:
        return False


def run_one(args: argparse.Namespace, cases_n: int, incidents_n: int) -> dict[str, Any]:
    home, url = instance_paths(args, cases_n, incidents_n)
    state_path = home / STATE_FILE
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    unlock = state.get("unlock") or secrets.token_urlsafe(32)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.update(
        AEGIS_HOME=str(home),
        AEGIS_DATABASE_URL=url,
        AEGIS_ALERT_SERVICE_UNLOCK=unlock,
        DJANGO_SETTINGS_MODULE="aegis.settings",
    )
    import django

    django.setup()
    reuse = bool(
        args.reuse
        and state.get("url") == url
        and state.get("complete")
        and "source" in state.get("facts", {})  # built with news monitoring
        and holds(cases_n, incidents_n)
    )
    if not reuse:
        from django.db import connection

        connection.close()
        fresh_database(args, url, home)
        state = {"url": url, "unlock": unlock, "complete": False}
        state_path.write_text(json.dumps(state))
    build_seconds = state.get("build_seconds")
    if reuse:
        from aegis import bootstrap

        bootstrap.migrate()  # an instance built by an older version: its new indexes
    if not reuse:
        from aegis import bootstrap
        from aegis.vault import services as vault
        from aegis.vault.keychain import unlocked

        start = time.perf_counter()
        bootstrap.migrate()
        recovery = bootstrap.create_organisation_keys(state["unlock"])
        with unlocked(vault.recovery_keychain(recovery)):
            facts = build(cases_n, incidents_n)
        build_seconds = time.perf_counter() - start
        if args.db == "postgres":
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # as autovacuum would soon after a load
        state.update(facts=facts, build_seconds=build_seconds, complete=True)
        state_path.write_text(json.dumps(state))
    print(
        f"\n{args.db}, {cases_n} cases, {incidents_n} incidents: "
        + ("reused" if reuse else f"built in {build_seconds:.0f} s")
        + f" ({home}); {args.requests} requests per page, {args.clients} client(s)",
        file=sys.stderr,
    )
    print(
        f"  {'page':<32}{'p50 ms':>9}{'p95 ms':>9}{'queries':>8}{'SQL ms':>8}{'req/s':>7}",
        file=sys.stderr,
    )
    rows = measure(args, state["facts"], cases_n, incidents_n)
    return {
        "db": args.db,
        "cases": cases_n,
        "incidents": incidents_n,
        "build_seconds": build_seconds,
        "reused": reuse,
        "requests": args.requests,
        "clients": args.clients,
        "rows": rows,
    }


# --- Report -------------------------------------------------------------------------------


def report(results: list[dict[str, Any]]) -> None:
    for result in results:
        rows = result["rows"]
        bare = rows[0]["p50"] or 1e-9
        print(
            f"\n{result['db']}, {result['cases']} cases, {result['incidents']} incidents "
            f"(build {result['build_seconds']:.0f} s"
            + (", reused" if result["reused"] else "")
            + f", {result.get('clients', 1)} client(s))"
        )
        print(
            f"  {'page':<32}{'p50 ms':>9}{'p95 ms':>9}{'queries':>8}{'SQL ms':>8}{'req/s':>7}"
            f"{'x bare':>8}"
        )
        for row in rows:
            flag = "  > 150 ms p95" if row["p95"] > TARGET_MS else ""
            if row.get("requests", 0) < result["requests"]:
                flag += f" (only {row['requests']} requests: slow)"
            print(
                f"  {row['page']:<32}{row['p50']:9.1f}{row['p95']:9.1f}{row['queries']:8d}"
                f"{row['sql_ms']:8.1f}{row.get('throughput', 0.0):7.1f}"
                f"{row['p50'] / bare:8.1f}{flag}"
            )
        slow = [row for row in rows if row["p95"] > TARGET_MS]
        if slow:
            print("\n  Pages over 150 ms p95: time in SQL (one request) and the slowest queries")
            for row in slow:
                print(f"  {row['page']}: {row['sql_ms']:.1f} ms in {row['queries']} queries")
                for ms, sql in row["slowest"]:
                    print(f"      {ms:8.1f} ms  {sql}")
                n, sql = row["repeated"]
                if n > 1:
                    print(f"      run {n} times: {sql}")
    if len(results) > 1:
        print("\nGrowth of p50 with size (x the smallest size's p50; bare page first)")
        sizes = [f"{r['cases']}c/{r['incidents']}i" for r in results]
        print(f"  {'page':<32}" + "".join(f"{s:>16}" for s in sizes))
        for n, row in enumerate(results[0]["rows"]):  # every size times the same pages
            base = row["p50"] or 1e-9
            cells = "".join(f"{r['rows'][n]['p50'] / base:15.1f}x" for r in results)
            print(f"  {row['page']:<32}{cells}")


def sizes(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("give whole numbers, e.g. 1000,10000") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError("give sizes of at least 1, e.g. 1000,10000")
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=sizes, default=[10_000], help="e.g. 10000 or 1000,10000")
    parser.add_argument("--incidents", type=sizes, help="as many sizes as --cases (default same)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--clients", type=int, default=1, help="concurrent clients (each its own process)"
    )
    parser.add_argument(
        "--server-workers",
        type=int,
        help="aegis serve's worker processes (default: its own, cores + 1, 4 threads each)",
    )
    parser.add_argument(
        "--page-seconds",
        type=float,
        default=30.0,
        help="time limit per page: a slower page stops after 3 requests (default 30)",
    )
    parser.add_argument(
        "--pages", help="only the pages whose label contains one of these, e.g. 'incident,search'"
    )
    parser.add_argument("--reuse", action="store_true", help="time a kept instance again")
    parser.add_argument("--home", help="where instances are kept (default ~/.cache/...)")
    parser.add_argument("--pg-name", help="PostgreSQL database name (one size only)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child: write its result here
    args = parser.parse_args()
    incidents = args.incidents or args.cases
    if len(incidents) != len(args.cases):
        parser.error("give as many --incidents sizes as --cases sizes")
    if args.pg_name and len(args.cases) > 1:
        parser.error("--pg-name names one database: give one size")
    args.requests = max(1, args.requests)
    if args.one:
        result = run_one(args, args.cases[0], incidents[0])
        Path(args.one).write_text(json.dumps(result))
        return 0
    import tempfile

    results = []
    for cases_n, incidents_n in zip(args.cases, incidents, strict=True):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [sys.executable, __file__, *sys.argv[1:], "--one", out.name]
            command += ["--cases", str(cases_n), "--incidents", str(incidents_n)]
            if subprocess.call(command) != 0:
                return 1
            results.append(json.loads(Path(out.name).read_text()))
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
