"""Shared fixtures: people of every role created through the real services, and clients
signed in through the real sign-in form (password + second factor)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from aegis import bootstrap
from aegis.accounts import services as accounts
from aegis.roles import Role
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, unlocked
from aegis.vault.selectors import keypair_for_user
from tests import schema  # noqa: F401  (finishes the test databases made from the models)
from tests.browser import async_unsafe_allowed, browser  # noqa: F401  (shared fixtures)

PASSWORD = "a long test passphrase 42"

# Property tests must not fail because the machine is slow or busy: no per-example deadline
# and no health check that times the generator. On CI the examples are also the same each run
# (derandomized, no example database), so a failure there is a real one and repeats. Loaded
# here, before any test module applies its own @settings on top of the profile.
_PATIENT = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
hypothesis_settings.register_profile("dev", **_PATIENT)
hypothesis_settings.register_profile(
    "ci", **_PATIENT, derandomize=True, database=None, print_blob=True
)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
)


def _delete_flush(original):
    """PostgreSQL empties the tables after each transactional test with one TRUNCATE of every
    table (~120): that makes new files for each and costs seconds a test, where deleting the
    few rows a test leaves costs a fraction of one. Django's foreign keys are deferrable, so
    the rows go in any order inside the flush's transaction. Sequence resets and cascades
    (not used by the suite's flushes) keep Django's TRUNCATE."""

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return original(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return ["SET CONSTRAINTS ALL DEFERRED;"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};"
            for t in tables
        ]

    return sql_flush


if os.environ.get("AEGIS_DATABASE_URL", "").startswith("postgres"):
    from django.db.backends.postgresql.operations import DatabaseOperations

    DatabaseOperations.sql_flush = _delete_flush(DatabaseOperations.sql_flush)  # type: ignore[method-assign]


# Modules whose module fixture builds a whole instance (20-50 s): each runs on one xdist
# worker, so the instance is built once, not once per worker. (xdist's own `xdist_group`
# mark renames node ids, which pytest 9 no longer reads.)
ONE_WORKER_MODULES = frozenset(
    {
        "tests/backups/test_cli.py",
        "tests/test_cli.py",
        "tests/test_offline_attack.py",
        "tests/test_unlock_cli.py",
    }
)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`-n 2` as xdist's default ("load"), each test its own unit of work, except that the
    tests of a module in ONE_WORKER_MODULES go to one worker together."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesSharingAnInstance(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER_MODULES else nodeid

    return ModulesSharingAnInstance(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test` runs the suite twice, on SQLite then on PostgreSQL. A test marked
    `engine_independent` checks something no database engine changes (a model's scores, a
    PDF's layout, the message catalogues), so it runs once, in the SQLite pass."""
    if not os.environ.get("AEGIS_DATABASE_URL", "").startswith("postgres"):
        return
    once = pytest.mark.skip(reason="does not depend on the database: runs in the SQLite pass")
    for item in items:
        if item.get_closest_marker("engine_independent"):
            item.add_marker(once)


@dataclass
class Person:
    enrolment: accounts.Enrolment
    password: str = PASSWORD

    @property
    def user(self) -> accounts.User:
        return self.enrolment.user

    def keychain(self) -> Keychain:
        keypair = keypair_for_user(self.user.pk)
        assert keypair is not None
        return Keychain(
            {keypair.pk: vault.unlock_user_keypair(keypair, self.password)}, self.user.pk
        )

    def next_backup_code(self) -> str:
        return self.enrolment.backup_codes.pop(0)


@pytest.fixture(autouse=True)
def _language_as_it_was() -> Iterator[None]:
    """A test's request in Arabic (the test client runs LocaleMiddleware in this thread, and
    nothing deactivates it) must not leave the next test's numbers and messages in Arabic."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_relay_connection_kept() -> Iterator[None]:
    """Email connections the alert sender keeps open (email_channel.relays) are closed after
    each test: the next test's relay may be another server on the same port."""
    yield
    from aegis.alerts.email_channel import relays

    relays.close_all()


@pytest.fixture
def organisation(db) -> str:
    """Organisation keys; returns the recovery key text."""
    return bootstrap.create_organisation_keys()


@pytest.fixture
def make_person(db, organisation) -> Callable[..., Person]:
    counter = iter(range(10_000))

    def make(
        role: Role = Role.CASEWORKER, username: str | None = None, index_key: bool = True
    ) -> Person:
        name = username or f"{role.value}{next(counter)}"
        person = Person(accounts.create_user(name, PASSWORD, role))
        if index_key and role in {Role.CASEWORKER, Role.COORDINATOR}:
            keypair = keypair_for_user(person.user.pk)
            with unlocked(vault.recovery_keychain(organisation)):
                vault.grant(vault.index_key_id(), keypair)  # type: ignore[arg-type]
        return person

    return make


def api_client(person: Person) -> Client:
    """A client carrying a fresh API token of `person` (it unlocks their key copy)."""
    with unlocked(person.keychain()) as chain:
        token = accounts.create_api_token(person.user, "test", chain)
    return Client(headers={"Authorization": f"Bearer {token}"})


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def comparable(response, url: str) -> tuple[int, str]:
    """Status and body without the per-request CSRF token and the requested address (the
    language form echoes it), so an outsider's answer can be compared with a missing one's."""
    body = _CSRF.sub('name="csrfmiddlewaretoken" value=""', response.content.decode())
    return response.status_code, body.replace(url, "<url>")


def sign_in(client: Client, person: Person) -> Client:
    response = client.post(
        "/accounts/login/",
        {
            "username": person.user.username,
            "password": person.password,
            "code": person.next_backup_code(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


@pytest.fixture
def signed_in(make_person) -> Callable[[Role], tuple[Client, Person]]:
    def make(role: Role) -> tuple[Client, Person]:
        person = make_person(role)
        return sign_in(Client(), person), person

    return make


@pytest.fixture
def caseworker_keys(make_person) -> Iterator[Keychain]:
    person = make_person(Role.CASEWORKER)
    with unlocked(person.keychain()) as chain:
        yield chain


@pytest.fixture
def make_compartment(db):
    """A compartment whose members are the given people."""
    from aegis.cases import services as cases

    counter = iter(range(10_000))

    def make(*people: Person, name: str | None = None):
        return cases.create_compartment(
            name or f"compartment-{next(counter)}", members=[p.user for p in people]
        )

    return make


@pytest.fixture
def make_case(db):
    """A case about a new person, opened by `person` inside `compartment` (person's keys)."""
    from aegis.cases import services as cases

    counter = iter(range(10_000))

    def make(compartment, person: Person, **fields):
        n = next(counter)
        with unlocked(person.keychain()):
            subject = cases.create_person(
                compartment,
                actor_id=person.user.pk,
                pseudonym=f"Defender {n}",
                legal_name=fields.pop("legal_name", f"Legal Name {n}"),
                country="CO",
                region="CO-ANT",
                sector="land_environment",
            )
            return cases.open_case(
                compartment,
                subject_kind="person",
                person=subject,
                actor_id=person.user.pk,
                summary=fields.pop("summary", f"Summary {n}"),
                **fields,
            )

    return make
