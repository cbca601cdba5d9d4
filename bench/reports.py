"""Public statistics at scale: /public/, the open-data export and the annual report over N
incidents, each as a ratio to a bare aggregate query over the same table in the same run.

    .venv/bin/python bench/reports.py [--incidents 2000] [--cases 500] [--db sqlite|postgres]
        [--reuse] [--home DIR] [--pg-name NAME] [--scale-instance]
    (or: aegis bench reports --incidents 1000000)

The instance is built by bench/scale.py's builder (bulk writes made of the services' own
building blocks: keys, sealed fields, acts, victims, perpetrators, sources; consents cycle
through every scope, so one person in five consents to public statistics, and verification
statuses cycle too). With --scale-instance it times the instance bench/scale.py built and
kept for the same sizes (one build serves both benchmarks). Timed, through Django's full
stack with the test client (no network):

* bare: one GROUP BY over the incidents table (the floor any statistics page stands on);
* fingerprint: the data version every view checks (counts and latest changes);
* /public/, cold: an instance's first view ever: every incident counted in SQL, every
  table protected, and stored;
* /public/, edited and withdrawn: the first view after a change of the data (one incident
  corrected; the consent of the person with the most incidents withdrawn): the parts of the
  data it touched counted again (`reports.kept`), every table protected, and stored
  (target <= 2 s at 1,000,000);
* /public/, stored: a view in another process (or after a restart): the release read from
  the database; cached: a view in the same process;
* export: /public/data.csv streamed to the end from the release (target <= 30 s; its memory
  must not grow with N);
* annual report: HTML and PDF of the current year.

Peak memory: Python's allocations during each phase (tracemalloc) and the process's peak
resident size. The default N is a smoke test; `--incidents 1000000` is the real run (hours
of building on 2 cores: run it on a machine of its own).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale


def _forget(stored: bool, kept: bool = False) -> None:
    """Forget this process's release, the stored one too if `stored`, and the kept counts
    too if `kept` (every incident is counted afresh: an instance's first view ever)."""
    from aegis.reports import release
    from aegis.reports.models import CountedPart, CountingState, StoredRelease

    release._CACHE.clear()
    if stored:
        StoredRelease.objects.all().delete()
    if kept:
        CountingState.objects.all().delete()
        CountedPart.objects.all().delete()


def _edit_an_incident() -> None:
    """As a correction of one incident does to what statistics see: its version moves."""
    from django.utils import timezone

    from aegis.incidents.models import Incident

    _forget(stored=False)
    last = Incident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    one = Incident.objects.filter(pk__gte=random.randint(0, last)).order_by("pk")[:1]
    Incident.objects.filter(pk__in=list(one.values_list("pk", flat=True))).update(
        updated_at=timezone.now()
    )


def _withdraw_a_consent() -> None:
    """A consent to public statistics withdrawn (or, every other time, given again): that
    person's incidents are counted again wherever they are."""
    from django.db.models import Count
    from django.utils import timezone

    from aegis.cases.models import ConsentRecord

    _forget(stored=False)
    from aegis.incidents.models import Victim

    # The person with the most incidents among those who consented: the costliest withdrawal.
    consents = ConsentRecord.objects.filter(scope="public_statistics")
    top = (
        Victim.objects.filter(person_id__in=consents.values("person_id"))
        .values("person_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "person_id")
        .first()
    )
    assert top is not None
    consent = consents.filter(person_id=top["person_id"]).order_by("pk").first()
    assert consent is not None
    consent.withdrawn_at = None if consent.withdrawn_at else timezone.now()
    consent.save(update_fields=["withdrawn_at"])


def timed(
    label: str, run: Callable[[], Any], results: dict[str, Any], before: Callable[[], None]
) -> None:
    """Time one run, then run it again under tracemalloc for its peak (tracemalloc slows
    Python several times over, so it never runs while timing). `before` sets the caches as
    the phase needs them, each time."""
    before()
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    before()
    tracemalloc.start()
    run()
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    results[label] = {"seconds": seconds, "peak_mb": peak / 2**20}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--home", default="")
    parser.add_argument("--pg-name", default="")
    parser.add_argument(
        "--scale-instance",
        action="store_true",
        help="time the instance bench/scale.py built and kept for these --cases, --incidents, "
        "--db, --home and --pg-name, instead of building one of its own",
    )
    args = parser.parse_args()
    if args.scale_instance:
        home, url = scale.instance_paths(args, args.cases, args.incidents)
        state_path = home / scale.STATE_FILE
        state = json.loads(state_path.read_text()) if state_path.exists() else {}
        if not state.get("complete"):
            parser.error(f"no complete instance of that size in {home}: build it with scale.py")
        args.reuse = True
    else:
        args.pg_name = args.pg_name or f"aegis_bench_reports_{args.incidents}i"
        home, url = scale.instance_paths(args, args.cases, args.incidents)
        home = home.with_name(f"reports-{home.name}")
        if args.db == "sqlite":
            url = f"sqlite:///{home / 'aegis.sqlite3'}"
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        state_path = home / "bench-reports.json"
        state = json.loads(state_path.read_text()) if state_path.exists() else {}
    os.environ.update(
        AEGIS_HOME=str(home),
        AEGIS_DATABASE_URL=url,
        AEGIS_ALERT_SERVICE_UNLOCK=state.get("unlock") or secrets.token_urlsafe(32),
        DJANGO_SETTINGS_MODULE="aegis.settings",
    )
    import django

    django.setup()
    reuse = args.reuse and state.get("complete") and scale.holds(args.cases, args.incidents)
    if args.scale_instance and not reuse:  # never rebuild (and so empty) scale.py's instance
        raise SystemExit(f"The database at {home} does not hold that many cases and incidents.")
    if not reuse:
        from django.db import connection

        from aegis import bootstrap
        from aegis.vault import services as vault
        from aegis.vault.keychain import unlocked

        connection.close()
        scale.fresh_database(args, url, home)
        state = {"unlock": os.environ["AEGIS_ALERT_SERVICE_UNLOCK"], "complete": False}
        start = time.perf_counter()
        bootstrap.migrate()
        recovery = bootstrap.create_organisation_keys(state["unlock"])
        with unlocked(vault.recovery_keychain(recovery)):
            scale.build(args.cases, args.incidents)
        if args.db == "postgres":
            with connection.cursor() as cursor:
                # As autovacuum soon does after a load: statistics, and the visibility map that
                # lets an index-only scan skip the table.
                cursor.execute("VACUUM ANALYZE")
        state.update(complete=True, build_seconds=time.perf_counter() - start)
        state_path.write_text(json.dumps(state))
    else:
        from aegis import bootstrap

        bootstrap.migrate()  # an instance built by an older version: its new tables

    from django.db.models import Count
    from django.test import Client

    from aegis import clock
    from aegis.incidents import selectors as incidents
    from aegis.reports import annual, release

    client = Client()
    results: dict[str, Any] = {}

    def bare() -> None:
        list(incidents.all_incidents().values("country").annotate(n=Count("pk")).order_by())

    def public() -> None:
        assert client.get("/public/").status_code == 200

    def export() -> None:
        response = client.get("/public/data.csv")
        for _chunk in response.streaming_content:
            pass

    def report() -> None:
        annual.pdf(annual.build(clock.today().year, "en"))

    bare()  # warm the caches once, as a running server would be
    import scipy.optimize  # noqa: F401  (loaded once by a running server)

    # A running server has shown a page before: its first request imports the URLconf (the
    # API's schemas are most of it) and compiles the templates. Without this the first timed
    # view carried one to three seconds of that, whatever N.
    public()

    def nothing() -> None:
        pass

    phases: list[tuple[str, Callable[[], Any], Callable[[], None]]] = [
        ("bare", bare, nothing),
        ("fingerprint", release._fingerprint, nothing),
        ("public, cold", public, lambda: _forget(stored=True, kept=True)),
        ("public, edited", public, _edit_an_incident),
        ("public, withdrawn", public, _withdraw_a_consent),
        ("public, stored", public, lambda: _forget(stored=False)),
        ("public, cached", public, nothing),
        ("export", export, nothing),
        ("annual", report, nothing),
    ]
    for label, run, before in phases:
        timed(label, run, results, before)
    base = results["bare"]["seconds"] or 1e-9
    print(f"reports benchmark: {args.incidents} incidents, {args.db}")
    if "build_seconds" in state:
        rate = args.incidents / state["build_seconds"]
        print(f"built in {state['build_seconds']:.0f} s ({rate:.0f} incidents a second)")
    print(f"{'phase':18} {'seconds':>10} {'x bare':>10} {'peak MB':>10}")
    for label, r in results.items():
        ratio = r["seconds"] / base
        print(f"{label:18} {r['seconds']:10.3f} {ratio:10.1f} {r['peak_mb']:10.1f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory: {rss:.0f} MB")
    print("targets at 1,000,000: /public/ <= 2 s, export <= 30 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
