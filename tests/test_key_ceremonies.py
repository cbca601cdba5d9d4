"""Offline recovery and the search key ceremony, as `aegis recover` and
`aegis grant-search-key` run them."""

import pytest

from aegis import bootstrap
from aegis.roles import Role
from aegis.vault import services as vault
from aegis.vault.fields import blind_index
from aegis.vault.keychain import NoKeyAccess, unlocked
from aegis.vault.selectors import keypair_for_user

pytestmark = pytest.mark.django_db


def test_recover_access_with_the_recovery_key(make_person, organisation, capsys):
    from aegis.accounts.models import ApiToken
    from tests.conftest import api_client

    person = make_person(Role.RESPONDER)
    name = person.user.username
    api = api_client(person)  # a token made before: it stops, as on a password change
    assert bootstrap.recover_access("nobody", organisation, "a new passphrase 123") == 2
    assert bootstrap.recover_access(name, organisation, "short") == 2
    wrong = vault.format_recovery_key(vault.crypto.new_keypair())
    assert bootstrap.recover_access(name, wrong, "a new passphrase 123") == 1
    assert "not this organisation's recovery key" in capsys.readouterr().err
    assert bootstrap.recover_access(name, organisation, "a new passphrase 123") == 0
    person.user.refresh_from_db()
    assert person.user.check_password("a new passphrase 123")
    vault.unlock_user_keypair(keypair_for_user(person.user.pk), "a new passphrase 123")
    # The operator typed it: the person chooses their own at sign-in, with a new key.
    assert person.user.must_change_password
    assert not ApiToken.objects.filter(user=person.user).exists()
    assert api.get("/api/v1/me").status_code == 401


def test_search_key_ceremony(make_person, organisation):
    caseworker = make_person(Role.CASEWORKER, index_key=False)
    analyst = make_person(Role.ANALYST)
    with unlocked(caseworker.keychain()), pytest.raises(NoKeyAccess):
        blind_index("name", "Ana")
    assert bootstrap.grant_search_key(analyst.user.username, organisation) == 2
    assert bootstrap.grant_search_key(caseworker.user.username, "AAAA-BBBB") == 1
    assert bootstrap.grant_search_key(caseworker.user.username, organisation) == 0
    with unlocked(caseworker.keychain()):
        assert len(blind_index("name", "Ana")) == 32


def test_a_ceremony_that_cannot_happen_says_so_before_the_recovery_key_is_asked(
    make_person, organisation, capsys, monkeypatch
):
    """The alert service refused only after the key was typed, and a person who held the
    search key already was told they "can now search" (nothing was granted or audited)."""
    from aegis import cli
    from aegis.audit.models import AuditEntry

    def asked(*_args):
        raise AssertionError("the recovery key was asked for")

    monkeypatch.setattr(cli, "_secret_input", asked)
    analyst = make_person(Role.ANALYST)
    assert cli.main(["grant-search-key", "--username", analyst.user.username]) == 2
    assert "Only caseworkers and coordinators" in capsys.readouterr().err
    holder = make_person(Role.CASEWORKER)  # given the search key when made
    grants = AuditEntry.objects.filter(action="key.grant").count()
    assert cli.main(["grant-search-key", "--username", holder.user.username]) == 0
    assert "holds the search key already: nothing to do" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="key.grant").count() == grants


def test_alert_service_search_key_ceremony(organisation, capsys):
    """Inbound SMS need the alert service to hold the search key: only by this ceremony."""
    from aegis.cli import main
    from aegis.vault import service_keys

    with unlocked(service_keys.service_keychain()), pytest.raises(NoKeyAccess):
        blind_index("phone", "+254722555031")
    assert bootstrap.grant_search_key_to_alert_service("AAAA-BBBB") == 1
    assert main(["grant-search-key"]) == 2  # neither a person nor the service named
    assert bootstrap.grant_search_key_to_alert_service(organisation) == 0
    assert "inbound SMS" in capsys.readouterr().out
    with unlocked(service_keys.service_keychain()):
        assert len(blind_index("phone", "+254722555031")) == 32
    # Asked again: said before any key is asked for.
    assert main(["grant-search-key", "--alert-service", "--recovery-key-file", "/nonexistent"]) == 0
    assert "holds the search key already" in capsys.readouterr().out
