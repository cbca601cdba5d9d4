"""The test databases are made from the models in one step, not by the ~140 migrations, as a
new instance's is (aegis.schema): those rebuild every related model for each change and cost
each test worker about 20 s of CPU a run, twice (SQLite, then PostgreSQL). Django makes the
tables (TEST["MIGRATE"] False); this finishes them as aegis.schema.finish does a new
instance's: every migration recorded as applied (the tests that migrate back and forth start
from the newest, as on a migrated instance) and every data migration of Aegis's own run.

tests/test_migrations.py checks that no model differs from its migrations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_migrate

from aegis import schema

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
    ran[using] = schema.finish(using)


post_migrate.connect(_finish, dispatch_uid="tests.schema.finish")
