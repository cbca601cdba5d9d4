"""Seizure test: protected values stored through the services never appear in the raw
database (file, WAL, rows) or the media folder."""

import secrets

import pytest
from django.test import Client
from django.urls import reverse

from aegis.accounts import channels
from aegis.roles import Role
from aegis.vault import service_keys
from aegis.vault.keychain import unlocked
from aegis.vault.selectors import keypair_for_user
from tests.conftest import sign_in
from tests.seizure import find
from tests.vaultapp.services import create_note

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_canaries_never_reach_disk_in_clear(make_person):
    lucia = make_person(Role.CASEWORKER)
    karim = make_person(Role.COORDINATOR)
    canaries = [f"Canary{i:02d}-{secrets.token_hex(8)}" for i in range(50)]
    holders = [keypair_for_user(lucia.user.pk), keypair_for_user(karim.user.pk)]
    with unlocked(lucia.keychain()):
        for i in range(0, 48, 3):
            create_note(
                holders=holders,
                name=canaries[i],
                phone=canaries[i + 1],
                body=canaries[i + 2],
                country="CO",
            )
        create_note(
            holders=holders, name=canaries[48], phone="", body=canaries[49] * 200
        )  # long text
    # Signing in keeps an unwrapped key in the session: it must not be there in clear either.
    client = sign_in(Client(), lucia)
    assert client.get("/").status_code == 200
    private_key = bytes(lucia.keychain().private_keys[holders[0].pk])

    needles = [c.encode() for c in canaries] + [private_key, lucia.password.encode()]
    assert find(needles) == []
    # Usernames are stored in clear: this proves the scan does see plaintext.
    assert find([lucia.user.username.encode()]) != []


def test_staff_contact_channels_never_reach_disk_in_clear(make_person):
    """Written by the person on their own page and by the administrator on theirs."""
    responder = make_person(Role.RESPONDER)
    coordinator = make_person(Role.COORDINATOR)
    admin = make_person(Role.ADMIN)
    token = secrets.token_hex(6)
    mine = {
        "email": f"canary-{token}@example.org",
        "phone": f"+57 300 {int(token[:6], 16) % 10**7:07d}",
        "signal": "+57 311 555 0199",
        "matrix": f"@canary{token}:example.org",
    }
    theirs = {"email": f"other-canary-{token}@example.org", "phone": "+44 7700 900123"}
    person_page = sign_in(Client(), responder)
    assert person_page.post(reverse("accounts:contact"), mine).status_code == 302
    admin_page = sign_in(Client(), admin)
    url = reverse("accounts:user-contact", args=[coordinator.user.pk])
    assert admin_page.post(url, theirs).status_code == 302
    with unlocked(service_keys.service_keychain()):
        assert channels.addresses_of(responder.user).by_channel["email"] == mine["email"]
        assert channels.addresses_of(coordinator.user).by_channel["sms"] == theirs["phone"]
    needles = [v.encode() for v in (*mine.values(), *theirs.values())]
    assert find(needles) == []
