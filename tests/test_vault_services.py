"""The key hierarchy through the services and a real model with protected fields."""

import pytest
from django.db import transaction

from aegis.roles import Role
from aegis.vault import keychain
from aegis.vault import services as vault
from aegis.vault.fields import blind_index
from aegis.vault.keychain import NoKeyAccess, VaultLocked, unlocked
from aegis.vault.selectors import keypair_for_user
from tests.vaultapp.models import ProtectedNote
from tests.vaultapp.services import create_note


def _note_for(person, **fields):
    keypair = keypair_for_user(person.user.pk)
    with unlocked(person.keychain()):
        return create_note(
            holders=[keypair],
            name=fields.get("name", "Ana María Pérez"),
            phone=fields.get("phone", "+57 300 123 4567"),
            body=fields.get("body", "Threat received"),
        )


def test_fields_read_and_write_transparently_once_unlocked(make_person):
    lucia = make_person(Role.CASEWORKER)
    note = _note_for(lucia)
    with unlocked(lucia.keychain()):
        fresh = ProtectedNote.objects.get(pk=note.pk)
        assert (fresh.name, fresh.phone, fresh.body) == (
            "Ana María Pérez",
            "+57 300 123 4567",
            "Threat received",
        )
        fresh.body = "Second threat received"
        fresh.save()
        assert ProtectedNote.objects.get(pk=note.pk).body == "Second threat received"


def test_locked_context_refuses_with_clear_error(make_person):
    note = _note_for(make_person(Role.CASEWORKER))
    fresh = ProtectedNote.objects.get(pk=note.pk)
    with pytest.raises(VaultLocked, match="Sign in again"):
        _ = fresh.name
    with pytest.raises(VaultLocked), transaction.atomic():
        ProtectedNote(data_key=fresh.data_key, name="x", phone="", body="").save()
    assert ProtectedNote.objects.count() == 1  # nothing half-written


def test_other_member_cannot_open_until_granted_and_after_revoke(make_person):
    lucia, karim = make_person(Role.CASEWORKER), make_person(Role.COORDINATOR)
    note = _note_for(lucia)
    karim_pair = keypair_for_user(karim.user.pk)
    with unlocked(karim.keychain()), pytest.raises(NoKeyAccess):
        _ = ProtectedNote.objects.get(pk=note.pk).name
    with unlocked(lucia.keychain()):
        vault.grant(note.data_key_id, karim_pair, actor_id=lucia.user.pk)
    with unlocked(karim.keychain()):
        assert ProtectedNote.objects.get(pk=note.pk).name == "Ana María Pérez"
    vault.revoke(note.data_key_id, karim_pair, actor_id=lucia.user.pk)
    with unlocked(karim.keychain()), pytest.raises(NoKeyAccess):
        _ = ProtectedNote.objects.get(pk=note.pk).name


def test_grant_requires_holding_the_key(make_person):
    lucia, karim = make_person(Role.CASEWORKER), make_person(Role.COORDINATOR)
    note = _note_for(lucia)
    with unlocked(karim.keychain()), pytest.raises(NoKeyAccess):
        vault.grant(note.data_key_id, keypair_for_user(karim.user.pk))


def test_ciphertext_is_bound_to_its_field_and_record(make_person):
    lucia = make_person(Role.CASEWORKER)
    first, second = _note_for(lucia, name="First"), _note_for(lucia, name="Second")
    raw = ProtectedNote.objects.filter(pk=first.pk).values_list("name", "body").get()
    # Swap ciphertext between fields of one record, and between records.
    ProtectedNote.objects.filter(pk=first.pk).update(body=raw[0])
    ProtectedNote.objects.filter(pk=second.pk).update(name=raw[0])
    with unlocked(lucia.keychain()):
        with pytest.raises(Exception, match="authenticate"):
            _ = ProtectedNote.objects.get(pk=first.pk).body
        with pytest.raises(Exception, match="authenticate"):
            _ = ProtectedNote.objects.get(pk=second.pk).name


def test_blind_index_finds_exact_matches_after_normalisation(make_person):
    lucia = make_person(Role.CASEWORKER)
    note = _note_for(lucia, name="José Pérez", phone="+57 300 123 4567")
    _note_for(lucia, name="Josefina Pérez", phone="+57 300 999 0000")
    with unlocked(lucia.keychain()):
        by_name = ProtectedNote.objects.filter(name_index=blind_index("name", "  jose   PEREZ "))
        by_phone = ProtectedNote.objects.filter(
            phone_index=blind_index("phone", "0057-300-123-4567")
        )
        assert list(by_name) == [note] == list(by_phone)
    assert ProtectedNote.objects.get(pk=note.pk).name_index != ""


def test_blind_index_needs_the_index_key(make_person):
    admin = make_person(Role.ADMIN)
    with unlocked(admin.keychain()), pytest.raises(NoKeyAccess):
        blind_index("name", "José Pérez")


def test_shredding_one_record(make_person):
    lucia = make_person(Role.CASEWORKER)
    kept, shredded = _note_for(lucia, name="Kept"), _note_for(lucia, name="Shredded")
    vault.shred(shredded.data_key_id, actor_id=lucia.user.pk)
    with unlocked(lucia.keychain()):
        assert ProtectedNote.objects.get(pk=kept.pk).name == "Kept"
        with pytest.raises(NoKeyAccess):
            _ = ProtectedNote.objects.get(pk=shredded.pk).name


def test_recovery_key_restores_access_after_forgotten_password(make_person, organisation):
    lucia = make_person(Role.CASEWORKER)
    note = _note_for(lucia)
    keypair = keypair_for_user(lucia.user.pk)
    with pytest.raises(vault.WrongPassphrase):
        vault.recover_user_keypair(
            keypair, vault.format_recovery_key(vault.crypto.new_keypair()), "new pass phrase 123"
        )
    vault.recover_user_keypair(keypair, organisation, "a brand new passphrase 7")
    lucia.password = "a brand new passphrase 7"
    with unlocked(lucia.keychain()):
        assert ProtectedNote.objects.get(pk=note.pk).name == "Ana María Pérez"


def test_wrong_password_does_not_unlock(make_person):
    lucia = make_person(Role.CASEWORKER)
    with pytest.raises(vault.WrongPassphrase):
        vault.unlock_user_keypair(keypair_for_user(lucia.user.pk), "not the password")


def test_no_context_outside_unlocked_block(make_person):
    lucia = make_person(Role.CASEWORKER)
    with unlocked(lucia.keychain()):
        assert keychain.current_or_none() is not None
    assert keychain.current_or_none() is None


def test_opening_a_record_is_audited_once_per_context(make_person):
    from aegis.audit.models import AuditEntry

    lucia = make_person(Role.CASEWORKER)
    note = _note_for(lucia)
    with unlocked(lucia.keychain()):
        fresh = ProtectedNote.objects.get(pk=note.pk)
        _ = (fresh.name, fresh.body, fresh.phone)
        blind_index("name", "Ana")
    opened = AuditEntry.objects.filter(action="record.open")
    assert [(e.actor_id, e.object_type, e.object_id) for e in opened] == [
        (lucia.user.pk, "note", str(note.data_key_id))
    ]


def test_admin_cannot_read_case_contents(make_person):
    lucia, admin = make_person(Role.CASEWORKER), make_person(Role.ADMIN)
    note = _note_for(lucia)
    with unlocked(admin.keychain()):
        with pytest.raises(NoKeyAccess):
            _ = ProtectedNote.objects.get(pk=note.pk).name
        with pytest.raises(NoKeyAccess):
            blind_index("name", "Ana María Pérez")


def test_many_keys_open_in_slices_and_pass_to_a_newcomer_in_one_grant(make_person, monkeypatch):
    """Keychain.open asks for its keys in slices (SQLite takes at most 32,766 values in one
    query), and grant_all seals every key a newcomer lacks at once, in one audit entry, or
    none where the caller lacks one."""
    from aegis.audit.models import AuditEntry
    from aegis.vault.keychain import Keychain
    from aegis.vault.models import KeyWrap

    monkeypatch.setattr(keychain, "OPEN_AT_ONCE", 2)
    lucia, karim = make_person(Role.CASEWORKER), make_person(Role.COORDINATOR)
    notes = [_note_for(lucia, name=f"Person {i}") for i in range(5)]
    key_ids = [note.data_key_id for note in notes]
    chain = Keychain(dict(lucia.keychain().private_keys), lucia.user.pk)
    chain.open(key_ids)
    assert all(chain.holds(key_id) for key_id in key_ids)

    karim_pair = keypair_for_user(karim.user.pk)
    with unlocked(lucia.keychain()):
        vault.grant(key_ids[0], karim_pair, actor_id=lucia.user.pk)  # one held already
        before = AuditEntry.objects.filter(action="key.grant").count()
        assert vault.grant_all(key_ids, karim_pair, actor_id=lucia.user.pk) == 4
    assert AuditEntry.objects.filter(action="key.grant").count() == before + 1
    with unlocked(karim.keychain()):
        assert [ProtectedNote.objects.get(pk=n.pk).name for n in notes] == [
            f"Person {i}" for i in range(5)
        ]

    # A caller who lacks one of the keys seals none of them.
    pedro = make_person(Role.CASEWORKER)
    stranger = _note_for(pedro, name="Not Lucía's")
    newcomer_pair = keypair_for_user(make_person(Role.CASEWORKER).user.pk)
    with unlocked(lucia.keychain()), pytest.raises(NoKeyAccess):
        vault.grant_all([*key_ids, stranger.data_key_id], newcomer_pair, actor_id=lucia.user.pk)
    assert not KeyWrap.objects.filter(
        keypair=newcomer_pair, data_key_id__in=[*key_ids, stranger.data_key_id]
    ).exists()


def test_a_wrap_sealed_to_a_replaced_key_is_refused_not_a_failure(make_person):
    """A grant that read a person's public key just before it was replaced seals to a key
    they no longer hold: opening it refuses that key (as one never given) and a later
    replacement passes over it, instead of a failed page or a password page that never
    lets them through."""
    from aegis.vault import crypto
    from aegis.vault.keychain import Keychain, NoKeyAccess
    from aegis.vault.models import DataKey, KeyWrap

    person = make_person(Role.CASEWORKER)
    keypair = keypair_for_user(person.user.pk)
    stray = DataKey.objects.create(purpose="test")
    KeyWrap.objects.create(
        data_key=stray,
        keypair=keypair,
        sealed_key=crypto.seal(bytes(crypto.new_keypair().public_key), crypto.random_key()),
    )
    own = vault.unlock_user_keypair(keypair, person.password)
    chain = Keychain({keypair.pk: own})
    with pytest.raises(NoKeyAccess):
        chain.data_key(stray.id)
    new = vault.replace_user_keypair(keypair, own, "another passphrase 12")
    assert bytes(keypair.public_key) == bytes(new.public_key)
