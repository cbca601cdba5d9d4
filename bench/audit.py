"""Checking the audit log's integrity: the walk of `aegis audit verify` and of the page's check.

    .venv/bin/python bench/audit.py [--entries 200000] [--db sqlite|postgres]
    (or: aegis bench audit --entries 1000000)

A throwaway instance (`aegis init` in a temporary AEGIS_HOME, on a SQLite file there or on a
PostgreSQL database of its own, aegis_bench_audit, made and dropped on the server of
AEGIS_BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test) gets --entries audit
entries, chained under the instance's key with the MAC the application writes (inserted in
batches: one `record` call per entry would take minutes). Then, in the same process:
(a) the floor: the same rows read as plain tuples and one keyed BLAKE2b computed over each
    canonical row, what any walk must do;
(b) selectors.verify_chain, the walk of `aegis audit verify`;
(c) a check as the worker runs one for the auditor's page (integrity.run_slice, a slice of
    SLICE entries at a time, less the task queue between slices), recording its progress
    about once a second.
Each as seconds, microseconds an entry and a ratio to (a). The page checks in the request up
to AEGIS_AUDIT_CHECK_IN_PAGE entries; the time (b) takes for that many is printed beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from _common import drop_pg_database, fresh_pg_database, throwaway_instance

BATCH = 5_000
REPEATS = 3


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def build(count: int) -> None:
    from django.utils import timezone

    from aegis.audit.models import CHAIN, AuditEntry, AuditHead

    head = AuditHead.objects.get(pk=1)
    seq, prev, now = head.seq, head.entry_hash, timezone.now()
    rows: list[AuditEntry] = []
    for i in range(count):
        seq += 1
        entry = AuditEntry(
            seq=seq, at=now, actor_id=i % 50, action="login", object_type="user",
            object_id=str(i % 50), prev_hash=prev,
        )  # fmt: skip
        entry.entry_hash = prev = CHAIN.mac(seq, entry.mac_fields(), entry.prev_hash)
        rows.append(entry)
        if len(rows) == BATCH:
            AuditEntry.objects.bulk_create(rows)
            rows = []
    AuditEntry.objects.bulk_create(rows)
    AuditHead.objects.filter(pk=1).update(seq=seq, entry_hash=prev)


def floor() -> int:
    """Read every entry as a tuple and compute its keyed BLAKE2b: no checks, no progress."""
    from aegis.audit.models import CHAIN, LINKED, AuditEntry

    key, done = CHAIN.key(), 0
    rows = AuditEntry.objects.order_by("seq").values_list("seq", *LINKED, "prev_hash")
    for seq, at, actor, action, kind, object_id, prev in rows.iterator(2000):
        canonical = json.dumps(
            [CHAIN.name, seq, [at.isoformat(), actor, action, kind, object_id], prev],
            separators=(",", ":"),
        )
        hashlib.blake2b(canonical.encode(), key=key, digest_size=32).hexdigest()
        done += 1
    return done


def page_check() -> tuple[str, int]:
    from django.test import override_settings

    from aegis.audit import integrity, services
    from aegis.audit.models import AuditCheck

    with override_settings(AEGIS_AUDIT_CHECK_IN_PAGE=0):  # to the worker's path
        check = services.request_check(None)
    # As the worker's tasks run it, a slice each, less the queue between them.
    while (state := integrity.run_slice(check.pk, integrity.SLICE)) == AuditCheck.State.CHECKING:
        pass
    return state, AuditCheck.objects.get(pk=check.pk).checked


PG_DATABASE = "aegis_bench_audit"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000, help="audit entries")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    if args.entries < 1:
        print("--entries must be at least 1")
        return 2
    url = ""
    if args.db == "postgres":
        found, why = fresh_pg_database(PG_DATABASE)
        if found is None:
            print(f"PostgreSQL is unreachable ({why}): nothing measured.")
            return 2
        url = found
    try:
        return measure(args.entries, url)
    finally:
        if url:
            drop_pg_database(PG_DATABASE)


def measure(entries: int, database_url: str) -> int:
    with throwaway_instance("audit", secrets.token_hex(16), database_url):
        from django.conf import settings
        from django.db import connection

        from aegis.audit import selectors

        took, _ = timed(lambda: build(entries))
        if database_url:  # the statistics autovacuum would have gathered by now
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE audit_auditentry")
        total = selectors.entries_to_check()
        print(f"  {total:,} entries written in {took:.0f} s")
        runs: dict[str, list[float]] = {"floor": [], "verify": [], "page": []}
        for _ in range(REPEATS):  # interleaved, so that drift hits all three alike
            seconds, done = timed(floor)
            assert done == total
            runs["floor"].append(seconds)
            seconds, (checked, problem) = timed(selectors.verify_chain)
            assert checked == total and problem is None, problem
            runs["verify"].append(seconds)
            seconds, (state, checked) = timed(page_check)
            assert (state, checked) == ("intact", total), (state, checked)
            runs["page"].append(seconds)
        base = statistics.median(runs["floor"])
        names = {
            "floor": "(a) rows read and hashed, the floor",
            "verify": "(b) aegis audit verify's walk",
            "page": "(c) the page's check, in the worker",
        }
        print(f"  medians of {REPEATS} runs:")
        for name, label in names.items():
            seconds = statistics.median(runs[name])
            print(
                f"  {label:38s} {seconds:7.2f} s  {1e6 * seconds / total:6.1f} µs an entry"
                f"  x{seconds / base:.2f} of (a)"
            )
        walk = statistics.median(runs["verify"]) / total
        limit = settings.AEGIS_AUDIT_CHECK_IN_PAGE
        print(
            f"  in the request (up to {limit:,} entries): {limit * walk:.2f} s at most;"
            f" a million entries: {1e6 * walk:.1f} s (in the worker)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
