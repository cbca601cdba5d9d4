"""The wipe key: copies of a person's sealed private key that the disk keeps in blocks it freed
(a checkpointed write-ahead log, a backup's removed scratch copy, an SSD's remapped pages)
open with nothing after `aegis wipe`, the right password in hand; the key file's bytes are
overwritten before it is unlinked; keys sealed before the wipe key existed open and are
sealed under it at the first sign-in; a missing wipe key refuses sign-in in the usual words."""

from __future__ import annotations

import base64
import logging
import os

import pytest
from django.test import Client
from nacl.public import PrivateKey

from aegis.accounts import lifecycle, session_keys
from aegis.accounts import services as accounts
from aegis.accounts.forms import SignInForm
from aegis.accounts.models import ApiToken
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault import crypto, wipe_key
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked
from aegis.vault.models import Keypair
from aegis.vault.selectors import keypair_for_user
from tests.conftest import sign_in

# The wipe runs VACUUM on PostgreSQL, outside any transaction.
pytestmark = pytest.mark.django_db(transaction=True)

CARVED = ["sealed_private_key", "kdf_salt", "kdf_opslimit", "kdf_memlimit", "seal_version"]


def carve(keypair: Keypair) -> dict:
    """The row's sealing fields as a copy left on the disk keeps them."""
    return {f: getattr(keypair, f) for f in CARVED if hasattr(keypair, f)}


def opens(carved: dict, password: str) -> PrivateKey | None:
    """What whoever holds the copy, the password and the instance's folder as it is now (the
    wipe key where there is one) opens: the key from the password alone, and bound to the
    wipe key."""
    cost = crypto.KdfCost(int(carved["kdf_opslimit"]), int(carved["kdf_memlimit"]))
    argon = crypto.derive_key(password, bytes(carved["kdf_salt"]), cost)
    keys = [argon]
    if wipe_key.exists():
        keys.append(wipe_key.bind(argon, wipe_key.PASSWORD, wipe_key.key_file().read_bytes()))
    for key in keys:
        try:
            return PrivateKey(crypto.box_decrypt(key, bytes(carved["sealed_private_key"])))
        except crypto.DecryptionError:
            continue
    return None


def seal_as_before(keypair: Keypair, password: str) -> PrivateKey:
    """Seal the person's key as Aegis did before the wipe key existed (seal version 0)."""
    private_key = vault.unlock_user_keypair(keypair, password)
    cost = crypto.KdfCost(int(keypair.kdf_opslimit or 0), int(keypair.kdf_memlimit or 0))
    argon = crypto.derive_key(password, bytes(keypair.kdf_salt or b""), cost)
    Keypair.objects.filter(pk=keypair.pk).update(
        sealed_private_key=crypto.box_encrypt(argon, bytes(private_key)), seal_version=0
    )
    return private_key


def test_a_copy_of_a_sealed_key_opens_with_nothing_after_the_wipe(make_person):
    person = make_person(Role.CASEWORKER)
    keypair = keypair_for_user(person.user.pk)
    assert keypair is not None
    carved = carve(keypair)
    assert opens(carved, person.password) is not None  # before the wipe, with the folder

    vault.wipe()

    assert opens(carved, person.password) is None
    # Nor after `aegis init` makes a new wipe key.
    vault.current_wipe_key()
    assert wipe_key.exists()
    assert opens(carved, person.password) is None


def test_the_wipe_overwrites_the_key_file_before_unlinking_it(make_person):
    make_person(Role.CASEWORKER)
    path = wipe_key.key_file()
    old = path.read_bytes()
    assert len(old) == crypto.KEY_BYTES
    assert path.stat().st_mode & 0o777 == 0o600
    fd = os.open(path, os.O_RDONLY)  # a descriptor (or a link) kept to the file
    try:
        counts = vault.wipe()
        assert counts["wipe_key"] == 1
        assert not path.exists()
        left = os.pread(fd, 64, 0)
    finally:
        os.close(fd)
    assert len(left) == crypto.KEY_BYTES and left != old
    assert vault.wipe()["wipe_key"] == 0  # nothing left to destroy


def test_a_key_sealed_before_the_wipe_key_opens_and_is_sealed_under_it_at_sign_in(make_person):
    person = make_person(Role.CASEWORKER)
    keypair = keypair_for_user(person.user.pk)
    assert keypair is not None
    private_key = seal_as_before(keypair, person.password)
    old = carve(Keypair.objects.get(pk=keypair.pk))
    assert old["seal_version"] == 0

    client = sign_in(Client(), person)
    assert client.get("/").status_code == 200

    upgraded = Keypair.objects.get(pk=keypair.pk)
    assert upgraded.seal_version == wipe_key.SEAL_VERSION
    assert bytes(upgraded.kdf_salt or b"") == bytes(old["kdf_salt"])  # no second derivation
    assert bytes(upgraded.sealed_private_key or b"") != bytes(old["sealed_private_key"])
    assert bytes(vault.unlock_user_keypair(upgraded, person.password)) == bytes(private_key)
    # The key from the password alone opens it no more.
    argon = crypto.derive_key(
        person.password,
        bytes(old["kdf_salt"]),
        crypto.KdfCost(int(old["kdf_opslimit"]), int(old["kdf_memlimit"])),
    )
    with pytest.raises(crypto.DecryptionError):
        crypto.box_decrypt(argon, bytes(upgraded.sealed_private_key or b""))
    # A new copy of it opens with nothing after a wipe.
    carved = carve(upgraded)
    vault.wipe()
    assert opens(carved, person.password) is None


def test_without_the_wipe_key_sign_in_fails_in_the_usual_words_and_the_log_says_why(
    make_person, caplog
):
    person = make_person(Role.CASEWORKER)
    wipe_key.key_file().unlink()
    with caplog.at_level(logging.ERROR):
        response = Client().post(
            "/accounts/login/",
            {
                "username": person.user.username,
                "password": person.password,
                "code": person.next_backup_code(),
            },
        )
    assert response.status_code == 200
    assert response.context["error"] == SignInForm.FAILED_MESSAGE
    assert "wipe key" in caplog.text and str(wipe_key.key_file()) in caplog.text
    # No new wipe key replaces it while keys sealed under the old one remain.
    with pytest.raises(vault.WipeKeyMissing, match="wipe key"):
        vault.current_wipe_key()
    assert not wipe_key.exists()


def test_a_damaged_wipe_key_is_refused_like_a_missing_one(make_person):
    person = make_person(Role.CASEWORKER)
    wipe_key.key_file().write_bytes(b"short")
    keypair = keypair_for_user(person.user.pk)
    assert keypair is not None
    try:
        with pytest.raises(vault.WipeKeyMissing, match="missing or damaged"):
            vault.unlock_user_keypair(keypair, person.password)
        with pytest.raises(vault.WipeKeyMissing):
            vault.current_wipe_key()  # not replaced while keys sealed under it remain
    finally:
        wipe_key.key_file().unlink()


def test_session_and_token_copies_are_bound_to_the_wipe_key(make_person):
    person = make_person(Role.CASEWORKER)
    client = sign_in(Client(), person)
    session = client.session[session_keys.SESSION_FIELD]
    assert session[2] == wipe_key.SEAL_VERSION
    secret = base64.urlsafe_b64decode(client.cookies[session_keys.COOKIE].value)
    wrapped = base64.b64decode(session[1])
    with pytest.raises(crypto.DecryptionError):
        crypto.box_decrypt(secret, wrapped)  # the cookie alone opens nothing
    crypto.box_decrypt(wipe_key.bind(secret, wipe_key.SESSION), wrapped)

    with unlocked(person.keychain()) as chain:
        text = accounts.create_api_token(person.user, "script", chain)
    token_client = Client(headers={"Authorization": f"Bearer {text}"})
    assert token_client.get("/api/v1/tokens").status_code == 200
    token = ApiToken.objects.get(user=person.user)
    alone = crypto.derive_subkey(bytes.fromhex(text.rsplit("_", 1)[1]), b"aegis api token key")
    sealed = bytes(token.sealed_private_key or b"")
    with pytest.raises(crypto.DecryptionError):
        crypto.box_decrypt(alone, sealed)  # the token alone opens nothing
    raw = crypto.box_decrypt(wipe_key.bind(alone, wipe_key.API_TOKEN), sealed)
    # A token made before the wipe key existed works, and is sealed under it when used.
    ApiToken.objects.filter(pk=token.pk).update(sealed_private_key=crypto.box_encrypt(alone, raw))
    assert token_client.get("/api/v1/tokens").status_code == 200
    resealed = bytes(ApiToken.objects.get(pk=token.pk).sealed_private_key or b"")
    assert crypto.box_decrypt(wipe_key.bind(alone, wipe_key.API_TOKEN), resealed) == raw


def test_without_the_wipe_key_no_account_is_made_and_the_administrator_is_told(signed_in):
    client, admin = signed_in(Role.ADMIN)
    wipe_key.key_file().unlink()
    # The administrator's own session key was bound to it: the session ends, no error page.
    response = client.post(
        "/accounts/users/new/",
        {"username": "nadia", "role": "caseworker", "password": "nadia's first passphrase"},
    )
    assert response.status_code == 302
    with pytest.raises(RuleError, match="wipe key is missing or damaged"):
        lifecycle.invite_user(
            "nadia", "nadia's first passphrase", Role.CASEWORKER, actor_id=admin.user.pk
        )
    assert not accounts.User.objects.filter(username="nadia").exists()
    assert not wipe_key.exists()  # not replaced while keys sealed under it remain


def test_a_wipe_key_lost_for_good_is_replaced_by_a_recovery_with_the_recovery_key(
    make_person, organisation
):
    person = make_person(Role.CASEWORKER)
    keypair = keypair_for_user(person.user.pk)
    assert keypair is not None
    private_key = vault.unlock_user_keypair(keypair, person.password)
    wipe_key.key_file().unlink()
    with pytest.raises(vault.WipeKeyMissing):
        vault.unlock_user_keypair(keypair, person.password)

    vault.recover_user_keypair(keypair, organisation, "a new long passphrase 77")

    assert wipe_key.exists()
    reopened = vault.unlock_user_keypair(
        Keypair.objects.get(pk=keypair.pk), "a new long passphrase 77"
    )
    assert bytes(reopened) == bytes(private_key)


def test_after_a_new_wipe_key_the_service_keys_are_named_to_seal_again(
    make_person, organisation, tmp_path, capsys, monkeypatch
):
    """A wipe key lost for good, replaced by `aegis recover`: the alert service key stays
    sealed under the lost one. The recovery says so with the command that seals it again,
    and the worker says that instead of blaming the right unlock secret."""
    from aegis import bootstrap
    from aegis.vault import service_keys

    person = make_person(Role.CASEWORKER)
    service_keys.forget()
    assert service_keys.load_private_key()  # the right unlock secret opens it
    wipe_key.key_file().unlink()
    assert "aegis seal-service-key --recovery-key-file" in str(wipe_key.WipeKeyMissing())

    assert bootstrap.recover_access(person.user.username, organisation, "a new long pass 77!") == 0
    out = capsys.readouterr().out
    assert "aegis seal-service-key --recovery-key-file RECOVERY-KEY-FILE" in out
    assert "Receipt codes and API tokens" in out
    assert wipe_key.exists()

    service_keys.forget()
    with pytest.raises(service_keys.WipeKeyReplaced) as refused:
        service_keys.load_private_key()
    assert "does not open" not in str(refused.value)
    assert "aegis seal-service-key --recovery-key-file" in str(refused.value)
    usable, notice = service_keys.start_up_notice()
    assert not usable and "wipe key that was replaced" in notice
    # A second recovery makes no new wipe key, and says nothing of it.
    other = make_person(Role.CASEWORKER)
    assert bootstrap.recover_access(other.user.username, organisation, "a new long pass 78!") == 0
    assert "seal-service-key" not in capsys.readouterr().out

    # Sealed again with the recovery key, under a new unlock secret: the worker opens it.
    new_secret = tmp_path / "unlock"
    new_secret.write_text("a new unlock secret for the worker")
    assert bootstrap.seal_service_key(False, str(new_secret), organisation) == 0
    service_keys.forget()
    monkeypatch.setenv("AEGIS_ALERT_SERVICE_UNLOCK", "a new unlock secret for the worker")
    assert service_keys.start_up_notice()[0]
    # A wrong unlock secret is still named as one.
    service_keys.forget()
    monkeypatch.setenv("AEGIS_ALERT_SERVICE_UNLOCK", "not the unlock secret at all")
    with pytest.raises(service_keys.WrongUnlockSecret, match="does not open"):
        service_keys.load_private_key()
    service_keys.forget()
