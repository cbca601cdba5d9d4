"""`aegis recover` on a deactivated account: the keys are recovered, and it says the account
stays deactivated (it had said the person "can sign in again")."""

import pytest

from aegis import bootstrap
from aegis.accounts import lifecycle
from aegis.roles import Role
from aegis.vault import services as vault
from aegis.vault.selectors import keypair_for_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a new passphrase 123"


def test_recovering_a_deactivated_account_says_it_stays_deactivated(
    make_person, organisation, capsys
):
    admin, coordinator = make_person(Role.ADMIN), make_person(Role.COORDINATOR)
    lifecycle.deactivate(coordinator.user, actor=admin.user)
    name = coordinator.user.username
    # Recovered all the same (exit 0): reactivated first, the account had opened again with a
    # password someone else may know.
    assert bootstrap.recover_access(name, organisation, NEW_PASSWORD) == 0
    said = capsys.readouterr().out
    assert "can sign in again" not in said
    assert f"{name}'s keys were recovered" in said
    assert "deactivated" in said and "reactivates it" in said
    coordinator.user.refresh_from_db()
    assert not coordinator.user.is_active
    vault.unlock_user_keypair(keypair_for_user(coordinator.user.pk), NEW_PASSWORD)

    # Reactivated, the same person is told they can sign in.
    lifecycle.reactivate(coordinator.user, actor=admin.user)
    assert bootstrap.recover_access(name, organisation, NEW_PASSWORD + "4") == 0
    assert f"{name} can sign in again with the new password" in capsys.readouterr().out
