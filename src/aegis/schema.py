"""A new instance's database, made from the models in one step.

Django's migrate rebuilds every related model at each change of Aegis's ~140 migrations:
about 20 s of CPU on an empty database here, a minute or more on a slow laptop, nearly all of
it spent on models in memory, not on the database. A database with no table yet is made as
Django makes a test database (TEST["MIGRATE"] False): every table from the models at once,
then every migration recorded as applied, so that an upgrade migrates from there, and every
data migration of Aegis's own run on it (the shipped mechanisms, the news rule, the reference
counters; the libraries' only convert rows of their older versions). A database that has
tables is migrated as before. The test databases are made by the same two steps
(tests/schema.py), and tests/test_migrations.py holds the models to their migrations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps as installed
from django.core.management import call_command
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.special import RunPython
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import override_settings


def is_empty(using: str = "default") -> bool:
    """Whether the database holds no table at all (a shared database with other tables is
    migrated, as it always was)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def create_from_models(
    using: str = "default", stdout: Any = None, step: Callable[[], object] = lambda: None
) -> list[tuple[str, str]]:
    """Every table made from the models (one transaction), then `finish`. Returns the data
    migrations run. Django's migrate writes a "Creating table" line to `stdout` per table;
    `step` is called after each data migration."""
    every_app_unmigrated = {config.label: None for config in installed.get_app_configs()}
    with override_settings(MIGRATION_MODULES=every_app_unmigrated):
        call_command(
            "migrate",
            database=using,
            run_syncdb=True,
            interactive=False,
            verbosity=1,
            stdout=stdout,
        )
    return finish(using, step)


def steps(using: str = "default") -> int:
    """How many steps `create_from_models` takes: a table each, then a data migration each."""
    tables = _tables(connections[using])
    loader = _loader(using)
    return len(tables) + len(_data_migrations(loader, _ordered(loader)))


def unfinished(using: str = "default") -> bool:
    """Whether every model's table is there and no Aegis migration is recorded: a database
    made from the models by a run that stopped before `finish` (killed, a power cut), which
    migrate would stop on at the first table. `finish` completes it."""
    connection = connections[using]
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
    if not present >= set(_tables(connection)):
        return False
    return not _recorded(connection, _loader(using))


def finish(
    using: str = "default", step: Callable[[], object] = lambda: None
) -> list[tuple[str, str]]:
    """Record every migration as applied and run Aegis's data migrations' forward functions,
    against the final models, in one transaction; nothing where an Aegis migration is already
    recorded. Returns the data migrations run, each once per RunPython it holds."""
    connection = connections[using]
    loader = _loader(using)
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    if _recorded(connection, loader):
        return []
    models = loader.project_state().apps
    ordered = _ordered(loader)
    ran: list[tuple[str, str]] = []
    # The schema editor is the transaction: SQLite's cannot be opened inside another one.
    with connection.schema_editor() as editor:
        recorder.migration_qs.bulk_create(
            [recorder.Migration(app=app, name=name) for app, name in ordered]
        )
        for key, operation in _data_migrations(loader, ordered):
            operation.code(models, editor)
            ran.append(key)
            step()
    return ran


def _tables(connection: Any) -> list[str]:
    """The table of each model migrate makes ("Creating table" once each)."""
    return [
        model._meta.db_table
        for model in installed.get_models()
        if model._meta.can_migrate(connection)
    ]


def _recorded(connection: Any, loader: MigrationLoader) -> bool:
    """Whether any of Aegis's migrations is recorded as applied."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return False
    ours = {app for app, name in loader.graph.nodes if _is_aegis(loader, (app, name))}
    return recorder.migration_qs.filter(app__in=ours).exists()


def _loader(using: str) -> MigrationLoader:
    with override_settings(MIGRATION_MODULES={}):  # as shipped, whatever is overridden now
        return MigrationLoader(connections[using])


def _ordered(loader: MigrationLoader) -> list[tuple[str, str]]:
    """Every migration, each after the ones it depends on."""
    ordered: dict[tuple[str, str], None] = {}  # a set that keeps the first order
    for leaf in loader.graph.leaf_nodes():
        ordered.update(dict.fromkeys(loader.graph.forwards_plan(leaf)))
    return list(ordered)


def _is_aegis(loader: MigrationLoader, key: tuple[str, str]) -> bool:
    return loader.graph.nodes[key].__module__.startswith("aegis.")


def _data_migrations(
    loader: MigrationLoader, ordered: list[tuple[str, str]]
) -> list[tuple[tuple[str, str], RunPython]]:
    """Aegis's data migrations, in the order `ordered` (_ordered) gives."""
    return [
        (key, operation)
        for key in ordered
        if _is_aegis(loader, key)
        for operation in loader.graph.nodes[key].operations
        if isinstance(operation, RunPython)
    ]
