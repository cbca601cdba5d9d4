"""The test databases are made from the models in one step, not by the ~140 migrations: those
rebuild every related model for each change and cost each test worker about 20 s of CPU a
run, twice (SQLite, then PostgreSQL). What the migrations also leave behind is put there
after it: every migration is recorded as applied (the tests that migrate back and forth start
from the newest, as on a migrated instance) and every data migration's forward function is
run (the shipped mechanisms, the news rule, reference counters), Aegis's own only.

`aegis init`, `aegis demo` and the tests that start them still migrate, and
tests/test_migrations.py checks that no model differs from its migrations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.special import RunPython
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_migrate
from django.test.utils import override_settings

_done: set[str] = set()
# The data migrations run on each database made here (by alias), for tests/test_migrations.py:
# a transactional test empties the tables they wrote, so their rows prove nothing later.
ran: dict[str, list[tuple[str, str]]] = {}


def _making_from_models() -> bool:
    """Whether Django is making a test database from the models (TEST["MIGRATE"] False): it
    turns every app's migrations off while it does."""
    modules = getattr(settings, "MIGRATION_MODULES", {})
    return bool(modules) and all(module is None for module in modules.values())


def _finish(sender: Any, using: str = "default", **kwargs: Any) -> None:
    if using in _done or not _making_from_models():
        return
    _done.add(using)
    connection = connections[using]
    with override_settings(MIGRATION_MODULES={}):
        loader = MigrationLoader(connection)
    plan = loader.graph.forwards_plan  # each leaf's plan, parents first
    ordered: list[tuple[str, str]] = []
    for leaf in loader.graph.leaf_nodes():
        ordered += [key for key in plan(leaf) if key not in ordered]
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    recorder.migration_qs.bulk_create(
        [recorder.Migration(app=app, name=name) for app, name in ordered]
    )
    apps = loader.project_state().apps
    ours = [key for key in ordered if loader.graph.nodes[key].__module__.startswith("aegis.")]
    ran[using] = []
    with connection.schema_editor() as editor:
        for key in ours:  # libraries' data migrations only convert rows of their older versions
            for operation in loader.graph.nodes[key].operations:
                if isinstance(operation, RunPython):
                    operation.code(apps, editor)
                    ran[using].append(key)


post_migrate.connect(_finish, dispatch_uid="tests.schema.finish")
