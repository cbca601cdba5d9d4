"""A demo instance: organisation keys and one fictional person per role."""

from __future__ import annotations

from .accounts import services as accounts
from .accounts.roles import Role
from .bootstrap import create_organisation_keys, migrate, print_enrolment
from .vault import services as vault
from .vault.keychain import unlocked
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


def create_demo_instance() -> None:
    migrate()
    if vault.recovery_keypair() is not None:
        print("Demo data already present; serving it.")
        return
    recovery = create_organisation_keys()
    print(f"Organisation recovery key (demo only): {recovery}\n")
    print("Demo logins (fictional people). Sign in with the password and a backup code:")
    for username, role in DEMO_PEOPLE:
        enrolment = accounts.create_user(username, DEMO_PASSWORD, role)
        print(f"- {role.value}")
        print_enrolment(enrolment, DEMO_PASSWORD)
        if role in {Role.CASEWORKER, Role.COORDINATOR}:
            # Key ceremony: the recovery key holder seals the search index key to case staff.
            keypair = keypair_for_user(enrolment.user.pk)
            index_key_id = vault.index_key_id()
            assert keypair is not None and index_key_id is not None
            with unlocked(vault.recovery_keychain(recovery)):
                vault.grant(index_key_id, keypair)
