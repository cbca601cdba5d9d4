"""After a wipe and a new `aegis init`, the accounts from before are listed as they are: their
keys were destroyed, so they can never sign in again. They had been listed as Active, with a
two-factor set-up "at their next sign-in" that could never come."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from aegis.roles import Role
from aegis.vault import services as vault
from tests.conftest import sign_in

# The wipe runs VACUUM on PostgreSQL, outside any transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_an_account_whose_key_the_wipe_destroyed_says_so(make_person, organisation):
    before = make_person(Role.CASEWORKER, "wanjiru")
    vault.wipe()
    admin = sign_in(Client(), make_person(Role.ADMIN, "newadmin"))
    listed = admin.get(reverse("accounts:users")).content.decode()
    row = listed[listed.index("wanjiru") :]
    assert "key destroyed by the wipe" in row[: row.index("</tr>")]
    row = listed[listed.index("newadmin") :]
    assert "key destroyed" not in row[: row.index("</tr>")]
    page = admin.get(reverse("accounts:user", args=[before.user.pk])).content.decode()
    assert "Their key was destroyed by the wipe: they can never sign in again." in page
    assert ">Active<" not in page


def test_the_health_check_says_the_keys_were_wiped(make_person, organisation):
    """Nothing can be read or sent after a wipe until `aegis init`: a monitor watching
    /healthz had still been told all was well."""
    assert Client().get("/healthz").json() == {"status": "ok", "database": "ok", "keys": "ok"}
    vault.wipe()
    answer = Client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "degraded", "database": "ok", "keys": "wiped"}


def test_a_backup_after_a_wipe_says_the_instance_was_wiped(organisation, tmp_path):
    """It had said the instance had no recovery key "yet", as of one never set up."""
    from aegis.backups.errors import BackupError
    from aegis.backups.services import create_backup

    vault.wipe()
    with pytest.raises(BackupError, match="This instance was wiped"):
        create_backup(tmp_path / "after.age")
    assert not (tmp_path / "after.age").exists()
