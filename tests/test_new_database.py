"""A new instance's database is made from the models (aegis.schema), not by its ~140
migrations. It must be the database the migrations make: the same tables, columns, types,
defaults and constraints, every migration recorded as applied (so that the next upgrade
migrates from there), and the same rows written by the data migrations. Checked on the
engine the suite runs on, in two databases of its own: one made by Django's own `migrate`,
one by what `aegis init` runs."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backups.test_postgresql import scratch_databases
from tests.test_cli import ADMIN, ADMIN_PASSWORD, aegis

URL = os.environ.get("AEGIS_DATABASE_URL", "")

pytestmark = pytest.mark.slow

# Runs inside an instance (`aegis shell -c`): what the database holds, names of constraints
# and indexes left out, and in each row what differs by the moment or order of making (ids,
# timestamps, the content types' ids).
DESCRIBE = """
import json, sys
from django.db import connection
described = {}
with connection.cursor() as cursor:
    introspection = connection.introspection
    for table in sorted(introspection.table_names(cursor)):
        columns = sorted(
            [column.name, str(column.type_code), column.null_ok, str(column.default)]
            for column in introspection.get_table_description(cursor, table)
        )
        constraints = sorted(
            json.dumps({k: v for k, v in c.items() if k != "definition"}, sort_keys=True)
            for c in introspection.get_constraints(cursor, table).values()
        )
        names = [column[0] for column in columns]
        kept = [n for n in names if not (n == "id" or n.endswith("_id") or n.endswith("_at"))]
        if table == "django_migrations":
            kept = ["app", "name"]
        chosen = ", ".join(connection.ops.quote_name(n) for n in kept) or "COUNT(*)"
        cursor.execute("SELECT " + chosen + " FROM " + connection.ops.quote_name(table))
        rows = sorted(json.dumps(list(row), default=str) for row in cursor.fetchall())
        described[table] = {"columns": columns, "constraints": constraints, "rows": rows}
sys.stdout.write("DESCRIBED" + json.dumps(described))
"""

MADE_AS_INIT_MAKES = "from aegis import bootstrap; bootstrap.migrate()"


def _described(home: Path, database_url: str | None) -> dict:
    extra = {"AEGIS_DATABASE_URL": database_url} if database_url else None
    result = aegis(home, "shell", "-c", DESCRIBE, extra_env=extra)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.split("DESCRIBED", 1)[1])


@pytest.fixture
def two_databases() -> Iterator[tuple[str | None, str | None]]:
    """Two empty databases on the suite's engine: URLs on PostgreSQL, None (each home's own
    SQLite file) otherwise."""
    if not URL.startswith("postgres"):
        yield None, None
        return
    with scratch_databases("new", "migrated", "made") as (migrated, made):
        yield migrated, made


def test_the_database_made_from_the_models_is_the_migrated_one(tmp_path, two_databases):
    migrated_url, made_url = two_databases
    migrated_home, made_home = tmp_path / "migrated", tmp_path / "made"
    for home in (migrated_home, made_home):
        home.mkdir()
    for home, url, code in (
        (migrated_home, migrated_url, "from django.core.management import call_command; "
         "call_command('migrate', verbosity=0)"),
        (made_home, made_url, MADE_AS_INIT_MAKES),
    ):  # fmt: skip
        extra = {"AEGIS_DATABASE_URL": url} if url else None
        result = aegis(home, "shell", "-c", code, extra_env=extra)
        assert result.returncode == 0, result.stderr[-2000:]
    migrated = _described(migrated_home, migrated_url)
    made = _described(made_home, made_url)

    if migrated_url:
        # Django's auth migrations made this through table's id a bigint, its model says an
        # integer; its rows (each role's few permissions) fit either.
        for described in (migrated, made):
            described["auth_group_permissions"]["columns"] = [
                column
                for column in described["auth_group_permissions"]["columns"]
                if column[0] != "id"
            ]
    assert sorted(made) == sorted(migrated)
    for table in migrated:
        assert made[table]["columns"] == migrated[table]["columns"], table
        assert made[table]["constraints"] == migrated[table]["constraints"], table
        assert made[table]["rows"] == migrated[table]["rows"], table
    # Not nothing compared: the migrations are recorded and a data migration's rows are there.
    assert len(made["django_migrations"]["rows"]) > 100
    assert made["advocacy_mechanism"]["rows"]


@pytest.fixture
def one_database() -> Iterator[str | None]:
    if not URL.startswith("postgres"):
        yield None
        return
    with scratch_databases("unfinished", "db") as (url,):
        yield url


def test_init_finishes_a_database_whose_making_was_cut_short(tmp_path, one_database):
    """Killed between the tables and the migrations' records (the second of the two steps),
    a new database has every table and no migration recorded: migrate would stop at the first
    table. `aegis init` again finishes it and sets the instance up."""
    extra = {"AEGIS_DATABASE_URL": one_database} if one_database else None
    cut_short = (
        "from unittest import mock; from aegis import schema\n"
        "with mock.patch.object(schema, 'finish', side_effect=SystemExit(9)):\n"
        "    schema.create_from_models()\n"
    )
    assert aegis(tmp_path, "shell", "-c", cut_short, extra_env=extra).returncode == 9
    tables = _described(tmp_path, one_database)
    assert "advocacy_mechanism" in tables
    assert not tables.get("django_migrations", {}).get("rows")

    password_file = tmp_path / "admin-password"
    password_file.write_text(ADMIN_PASSWORD + "\n")
    result = aegis(
        tmp_path, "init", "--admin-username", ADMIN, "--admin-password-file",
        str(password_file), "--no-input", extra_env=extra,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Aegis is initialised." in result.stdout
    finished = _described(tmp_path, one_database)
    assert len(finished["django_migrations"]["rows"]) > 100
    assert finished["advocacy_mechanism"]["rows"]
