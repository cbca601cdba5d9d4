"""The alert service key: sealed at rest under an unlock secret that only reaches the
process's memory, opens what is sealed to it with nobody signed in, and is destroyed by
`aegis wipe`."""

import base64

import pytest

from aegis import bootstrap
from aegis.roles import Role
from aegis.vault import service_keys, wipe_key
from aegis.vault import services as vault
from aegis.vault.keychain import NoKeyAccess, unlocked
from aegis.vault.models import Keypair
from aegis.vault.selectors import keypair_for_user
from tests.seizure import find
from tests.vaultapp.models import ProtectedNote
from tests.vaultapp.services import create_note

pytestmark = pytest.mark.django_db(transaction=True)

UNLOCK = "AEGIS_ALERT_SERVICE_UNLOCK"


@pytest.fixture
def no_unlock_secret(monkeypatch):
    """A process that was given no unlock secret (and holds no key opened earlier)."""
    monkeypatch.delenv(UNLOCK, raising=False)
    monkeypatch.delenv(f"{UNLOCK}_FILE", raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    service_keys.forget()
    yield monkeypatch
    service_keys.forget()


def secrets_folder_bytes(settings) -> list[bytes]:
    folder = settings.AEGIS_HOME / "secrets"
    return [p.read_bytes() for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_the_worker_opens_what_is_sealed_to_the_service_key(make_person, settings):
    lucia = make_person(Role.CASEWORKER)
    service = service_keys.service_keypair()
    assert service is not None and service.sealed_private_key is not None  # sealed only
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
    unlock = service_keys.supplied_unlock()
    assert unlock is not None
    needles = [private, base64.b64encode(private), unlock.secret.encode()]
    assert find(needles) == []
    assert not any(n in blob for n in needles for blob in secrets_folder_bytes(settings))
    assert not (settings.AEGIS_HOME / "secrets" / "alerts_service_key").exists()


@pytest.mark.django_db  # nothing here reads the database file or wipes it
def test_without_its_unlock_secret_a_process_opens_nothing(organisation, no_unlock_secret):
    with pytest.raises(service_keys.ServiceKeyMissing, match=UNLOCK) as missing:
        service_keys.service_keychain()
    assert "aegis-alert-unlock" in str(missing.value)  # says how to supply it
    no_unlock_secret.setenv(UNLOCK, "not the unlock secret at all")
    with pytest.raises(service_keys.WrongUnlockSecret, match=f"from {UNLOCK} does not open"):
        service_keys.service_keychain()


@pytest.mark.django_db  # nothing here reads the database file or wipes it
def test_the_unlock_secret_comes_from_a_file_or_a_systemd_credential(
    organisation, no_unlock_secret, tmp_path
):
    secret = "test unlock secret, never on disk"
    (tmp_path / "tmpfs").mkdir()
    (tmp_path / "tmpfs" / "unlock").write_text(secret + "\n")
    no_unlock_secret.setenv(f"{UNLOCK}_FILE", str(tmp_path / "tmpfs" / "unlock"))
    assert service_keys.service_keychain().private_keys
    assert service_keys.supplied_unlock().source.startswith(f"{UNLOCK}_FILE")
    service_keys.forget()
    no_unlock_secret.delenv(f"{UNLOCK}_FILE")
    (tmp_path / "credentials").mkdir()
    (tmp_path / "credentials" / "aegis-alert-unlock").write_text(secret)
    no_unlock_secret.setenv("CREDENTIALS_DIRECTORY", str(tmp_path / "credentials"))
    assert service_keys.service_keychain().private_keys
    assert service_keys.unlock_on_disk() is None
    # The same file kept inside AEGIS_HOME works, but is named as readable from the disk.
    inside = service_keys.demo_unlock_file().parent / "unlock"
    inside.parent.mkdir(parents=True, exist_ok=True)
    inside.write_text(secret)
    try:
        no_unlock_secret.delenv("CREDENTIALS_DIRECTORY")
        no_unlock_secret.setenv(f"{UNLOCK}_FILE", str(inside))
        assert "inside AEGIS_HOME" in (service_keys.unlock_on_disk() or "")
        usable, notice = service_keys.start_up_notice()
        assert usable and notice.startswith("NOT FOR PRODUCTION")
        assert bootstrap.grant_search_key_to_alert_service(organisation) == 2
    finally:
        inside.unlink()


def test_wipe_destroys_the_service_key(make_person, settings):
    lucia = make_person(Role.CASEWORKER)
    service = Keypair.objects.get(kind="service", name="alerts")
    with unlocked(lucia.keychain()):
        note = create_note(holders=[service], name="Contact", phone="", body="")
    held_before = service_keys.service_keychain()  # even a copy taken before the wipe is useless
    assert bootstrap.wipe_instance(confirmed=True) == 0
    # The wipe deletes the service keypair with its sealed private key ('aegis init' makes
    # a new one).
    assert not Keypair.objects.filter(pk=service.pk, sealed_private_key__isnull=False).exists()
    with pytest.raises(service_keys.ServiceKeyMissing):
        service_keys.service_keychain()
    with unlocked(held_before), pytest.raises(NoKeyAccess):
        _ = ProtectedNote.objects.get(pk=note.pk).name


def test_wipe_destroys_the_demo_unlock_file(organisation, settings):
    demo_file = service_keys.demo_unlock_file()
    service_keys.write_demo_unlock_file()
    assert demo_file.exists()
    assert bootstrap.wipe_instance(confirmed=True) == 0
    assert not demo_file.exists()


@pytest.mark.django_db  # nothing here reads the database file or wipes it
def test_the_demo_convenience_mode_never_gets_the_search_key(organisation, capsys):
    demo_secret = service_keys.write_demo_unlock_file()
    try:
        service_keys.seal_service_key(service_keys.ALERTS, demo_secret)
        usable, notice = service_keys.start_up_notice()
        assert usable and notice.startswith("NOT FOR PRODUCTION") and "demo" in notice
        assert bootstrap.grant_search_key_to_alert_service(organisation) == 2
        assert "demo's convenience mode" in capsys.readouterr().err
    finally:
        service_keys.demo_unlock_file().unlink()
        service_keys.forget()


def older_instance(tmp_path) -> bytes:
    """The state an instance made before sealing is in: the private key in clear in
    AEGIS_HOME/secrets, nothing sealed in the database."""
    private = service_keys.load_private_key()
    path = service_keys._legacy_key_file(service_keys.ALERTS)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(base64.b64encode(bytes(private)).decode())
    Keypair.objects.filter(kind="service").update(
        sealed_private_key=None, kdf_salt=None, recovery_sealed_private_key=None
    )
    service_keys.forget()
    return bytes(private)


def test_an_older_instance_key_is_sealed_and_its_file_destroyed(organisation, tmp_path, capsys):
    private = older_instance(tmp_path)
    legacy = service_keys.unsealed_key_file()
    assert legacy is not None
    with pytest.raises(service_keys.ServiceKeyMissing, match="aegis seal-service-key"):
        service_keys.service_keychain()
    assert bootstrap.grant_search_key_to_alert_service(organisation) == 2
    assert "stored unsealed" in capsys.readouterr().err
    # `aegis init` on it seals it under the unlock secret supplied to the process.
    assert bootstrap.init_instance(None, None, interactive=False) == 0
    assert "is now sealed; the file was destroyed" in capsys.readouterr().out
    assert not legacy.exists()
    service_keys.forget()
    assert bytes(service_keys.load_private_key()) == private
    assert bootstrap.grant_search_key_to_alert_service(organisation) == 0


@pytest.mark.django_db  # nothing here reads the database file or wipes it
def test_a_lost_unlock_secret_is_replaced_with_the_recovery_key(
    organisation, no_unlock_secret, tmp_path, capsys
):
    new_secret = tmp_path / "new-unlock"
    new_secret.write_text("a new unlock secret for the worker")
    with pytest.raises(service_keys.ServiceKeyMissing):
        service_keys.service_keychain()
    assert bootstrap.seal_service_key(False, str(new_secret), "AAAA-BBBB") == 1
    assert bootstrap.seal_service_key(False, str(new_secret), None) == 2  # neither secret
    assert bootstrap.seal_service_key(False, str(new_secret), organisation) == 0
    assert "sealed under a new unlock secret" in capsys.readouterr().out
    service_keys.forget()
    no_unlock_secret.setenv(UNLOCK, "a new unlock secret for the worker")
    assert service_keys.service_keychain().private_keys
    # Generated when none is given, and shown once.
    assert bootstrap.seal_service_key(False) == 0
    out = capsys.readouterr().out
    assert "shown only this once" in out
    generated = out.split("shown only this once:")[1].split()[0]
    service_keys.forget()
    no_unlock_secret.setenv(UNLOCK, generated)
    assert service_keys.service_keychain().private_keys
    assert vault.recovery_keychain(organisation)  # the recovery key is unchanged


@pytest.mark.django_db  # nothing here reads the database file or wipes it
def test_the_ceremony_refuses_when_an_unlock_file_inside_aegis_home_opens_the_key(
    organisation, no_unlock_secret, capsys
):
    """Run from an admin's shell that has no unlock secret: its environment says nothing of
    the worker's, but the file the worker reads inside AEGIS_HOME opens the key."""
    inside = service_keys.demo_unlock_file().parent / "worker-unlock"
    inside.parent.mkdir(parents=True, exist_ok=True)
    inside.write_text("test unlock secret, never on disk\n")
    try:
        assert bootstrap.grant_search_key_to_alert_service(organisation) == 2
        assert str(inside) in capsys.readouterr().err
        assert not service_keys.holds_search_key()
    finally:
        inside.unlink()
    assert bootstrap.grant_search_key_to_alert_service(organisation) == 0
    assert service_keys.holds_search_key()


@pytest.mark.django_db  # nothing here reads the database file or wipes it
def test_a_service_whose_unlock_file_is_inside_aegis_home_drops_the_search_key_at_start(
    organisation, no_unlock_secret, tmp_path
):
    from aegis.audit.models import AuditEntry

    secret = "test unlock secret, never on disk"
    no_unlock_secret.setenv(UNLOCK, secret)  # the ceremony's shell: in memory only
    assert bootstrap.grant_search_key_to_alert_service(organisation) == 0
    assert service_keys.holds_search_key()
    # The worker, though, reads its unlock secret from a file inside AEGIS_HOME.
    inside = service_keys.demo_unlock_file().parent / "worker-unlock"
    inside.parent.mkdir(parents=True, exist_ok=True)
    inside.write_text(secret)
    service_keys.forget()
    no_unlock_secret.delenv(UNLOCK)
    no_unlock_secret.setenv(f"{UNLOCK}_FILE", str(inside))
    revoked = AuditEntry.objects.filter(action="key.revoke").count()
    try:
        usable, notice = service_keys.start_up_notice()
    finally:
        inside.unlink()
    assert usable and notice.startswith("NOT FOR PRODUCTION")
    assert "search key" in notice and "taken back" in notice
    assert "aegis grant-search-key --alert-service" in notice  # what the operator does
    assert not service_keys.holds_search_key()
    assert AuditEntry.objects.filter(action="key.revoke").count() == revoked + 1
    # Supplied from outside AEGIS_HOME, the service keeps a grant given again.
    (tmp_path / "unlock").write_text(secret)
    no_unlock_secret.setenv(f"{UNLOCK}_FILE", str(tmp_path / "unlock"))
    service_keys.forget()
    assert bootstrap.grant_search_key_to_alert_service(organisation) == 0
    usable, notice = service_keys.start_up_notice()
    assert usable and "unlocked" in notice
    assert service_keys.holds_search_key()


def test_the_ceremony_refuses_in_words_without_the_wipe_key(
    organisation, no_unlock_secret, tmp_path, capsys
):
    """`aegis grant-search-key --alert-service` with the wipe key moved away: the files
    inside AEGIS_HOME cannot be tried as the unlock secret, so it refuses, and says why."""
    secret = "test unlock secret, never on disk"
    (tmp_path / "unlock").write_text(secret)
    no_unlock_secret.setenv(f"{UNLOCK}_FILE", str(tmp_path / "unlock"))
    text_file = service_keys.demo_unlock_file().parent / "notes.txt"
    text_file.write_text("a line of text kept in the secrets folder")
    moved = tmp_path / "wipe_key"
    wipe_key.key_file().rename(moved)
    try:
        # Exit 2, not an exception (the traceback the command had ended with). What else is
        # on stderr depends on the logging earlier tests left set up.
        assert bootstrap.grant_search_key_to_alert_service(organisation) == 2
        assert "Refused: The wipe key" in capsys.readouterr().err
        assert not service_keys.holds_search_key()
    finally:
        moved.rename(wipe_key.key_file())
        text_file.unlink()
    assert bootstrap.grant_search_key_to_alert_service(organisation) == 0
