"""A demo instance: organisation keys, one fictional person per role, and fictional
defenders, cases, incidents, evidence and anonymous reports from every area's demo module."""

from __future__ import annotations

import importlib

from django.db import transaction

from .accounts import services as accounts
from .audit import services as audit
from .bootstrap import create_organisation_keys, migrate, print_enrolment
from .cases import services as cases
from .roles import Role
from .support import services as support
from .vault import service_keys
from .vault import services as vault
from .vault.keychain import Keychain, unlocked
from .vault.selectors import keypair_for_user

DEMO_PASSWORD = "correct horse battery staple"
DEMO_PEOPLE = [
    ("amara", Role.ADMIN),
    ("lucia", Role.CASEWORKER),
    ("karim", Role.COORDINATOR),
    ("thandi", Role.RESPONDER),
    ("mei", Role.ANALYST),
    ("olusegun", Role.AUDITOR),
    ("rosa", Role.DEFENDER),
]
CASE_STAFF = {Role.CASEWORKER, Role.COORDINATOR}
# Order matters: incidents and evidence attach to the cases the cases demo creates.
AREA_DEMOS = [
    "aegis.cases.demo",
    "aegis.safety.demo",
    "aegis.incidents.demo",
    "aegis.risk.demo",
    "aegis.evidence.demo",
    "aegis.intake.demo",
    "aegis.alerts.demo",
    "aegis.retention.demo",
    "aegis.support.demo",
    "aegis.advocacy.demo",
    "aegis.exchange.demo",
    "aegis.monitoring.demo",
    "aegis.reports.demo",  # documented incidents, so that /public/ shows real numbers
]


def create_demo_instance() -> None:
    migrate()
    if vault.recovery_keypair() is not None:
        print("Demo data already present; serving it.")
        return
    # Convenience mode, not for production: the alert service's unlock secret is kept in
    # AEGIS_HOME/secrets, so the demo's worker starts with nobody typing it.
    recovery = create_organisation_keys(service_keys.write_demo_unlock_file())
    print(f"Organisation recovery key (demo only): {recovery}\n")
    print("Demo logins (fictional people). Sign in with the password and a backup code:")
    staff, responders = [], []
    for username, role in DEMO_PEOPLE:
        enrolment = accounts.create_user(username, DEMO_PASSWORD, role)
        print(f"- {role.value}")
        print_enrolment(enrolment, DEMO_PASSWORD)
        if role in CASE_STAFF:
            # Key ceremony: the recovery key holder seals the search index key to case staff.
            keypair = keypair_for_user(enrolment.user.pk)
            index_key_id = vault.index_key_id()
            assert keypair is not None and index_key_id is not None
            with unlocked(vault.recovery_keychain(recovery)):
                vault.grant(index_key_id, keypair)
            staff.append(enrolment.user)
        if role == Role.RESPONDER:
            responders.append(enrolment.user)
    # The alert service does not get the search key: its unlock secret is on this disk, so
    # inbound SMS are not matched to defenders in the demo.
    _create_area_data(staff, responders)
    # First signed checkpoints of the audit log and the grant ledger, as an auditor would
    # keep off the server.
    audit.take_checkpoint()
    support.checkpoint_ledger()


@transaction.atomic
def _create_area_data(staff: list, responders: list) -> None:
    caseworker = staff[0]
    keypair = keypair_for_user(caseworker.pk)
    assert keypair is not None
    chain = Keychain({keypair.pk: vault.unlock_user_keypair(keypair, DEMO_PASSWORD)}, caseworker.pk)
    cases.create_compartment("Intake team", "Reads anonymous reports", members=staff)
    # Its responders are reached by its alerts; they hold no key to its case files.
    compartment = cases.create_compartment(
        "Andes and Central America", members=[*staff, *responders]
    )
    with unlocked(chain):
        for module in AREA_DEMOS:
            importlib.import_module(module).create_demo_data(compartment, caseworker)
