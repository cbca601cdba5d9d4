"""The alert service key: its private key lives outside the database, opens what is sealed
to it with nobody signed in, and is destroyed by `aegis wipe`."""

import pytest

from aegis import bootstrap
from aegis.accounts.roles import Role
from aegis.vault import service_keys
from aegis.vault.keychain import NoKeyAccess, unlocked
from aegis.vault.models import Keypair
from aegis.vault.selectors import keypair_for_user
from tests.seizure import find
from tests.vaultapp.models import ProtectedNote
from tests.vaultapp.services import create_note

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_opens_what_is_sealed_to_the_service_key(make_person, settings):
    lucia = make_person(Role.CASEWORKER)
    service = service_keys.service_keypair()
    assert service is not None and service.sealed_private_key is None  # nothing in the database
    with unlocked(lucia.keychain()):
        note = create_note(
            holders=[keypair_for_user(lucia.user.pk), service],
            name="Emergency contact",
            phone="+57 300 111 2222",
            body="",
        )
    with unlocked(service_keys.service_keychain()):
        assert ProtectedNote.objects.get(pk=note.pk).phone == "+57 300 111 2222"
    private = bytes(service_keys.load_private_key())
    assert find([private]) == []


def test_the_key_can_come_from_the_environment(make_person, monkeypatch, settings):
    import base64

    raw = base64.b64encode(bytes(service_keys.load_private_key())).decode()
    for path in (settings.AEGIS_HOME / "secrets").glob("*_service_key"):
        path.rename(path.with_suffix(".moved"))
    with pytest.raises(service_keys.ServiceKeyMissing, match="AEGIS_ALERTS_SERVICE_KEY"):
        service_keys.service_keychain()
    monkeypatch.setenv("AEGIS_ALERTS_SERVICE_KEY", raw)
    assert service_keys.service_keychain().private_keys
    for path in (settings.AEGIS_HOME / "secrets").glob("*.moved"):
        path.rename(path.with_suffix(""))


def test_wipe_destroys_the_service_key_file(make_person, settings):
    lucia = make_person(Role.CASEWORKER)
    service = Keypair.objects.get(kind="service", name="alerts")
    with unlocked(lucia.keychain()):
        note = create_note(holders=[service], name="Contact", phone="", body="")
    key_file = settings.AEGIS_HOME / "secrets" / "alerts_service_key"
    assert key_file.exists()
    held_before = service_keys.service_keychain()  # even a copy taken before the wipe is useless
    assert bootstrap.wipe_instance(confirmed=True) == 0
    assert not key_file.exists()
    with pytest.raises(service_keys.ServiceKeyMissing):
        service_keys.service_keychain()
    with unlocked(held_before), pytest.raises(NoKeyAccess):
        _ = ProtectedNote.objects.get(pk=note.pk).name
