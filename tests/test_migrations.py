"""The test databases and a new instance's are made from the models (aegis.schema,
tests/schema.py), not by the migrations: a model changed without its migration fails here,
and the database made from the models is finished as a migrated one. (The migrations hold no
raw SQL, so the schema they make is the one their state describes; tests/test_new_database.py
checks that a database made either way has the same tables, columns and constraints.)"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations.special import RunPython
from django.db.migrations.recorder import MigrationRecorder

from tests import schema


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    # Exits with status 1 (SystemExit) where a model differs from its migrations' state.
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


@pytest.mark.django_db
def test_the_database_made_from_the_models_is_finished_as_a_migrated_one():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    assert executor.migration_plan(leaves) == []  # every migration recorded as applied
    applied = MigrationRecorder(connection).applied_migrations()
    assert set(executor.loader.graph.nodes) <= set(applied)
    # Aegis's data migrations were run on it (what they wrote may since have been emptied by
    # a transactional test: their rows prove nothing here).
    data_migrations = [
        key
        for key, migration in executor.loader.graph.nodes.items()
        if migration.__module__.startswith("aegis.")
        and any(isinstance(operation, RunPython) for operation in migration.operations)
    ]
    assert ("advocacy", "0002_mechanisms") in data_migrations
    if not schema.ran.get(connection.alias):
        pytest.skip("the database was kept from an earlier run (--reuse-db): nothing was made")
    assert sorted(set(schema.ran[connection.alias])) == sorted(data_migrations)
