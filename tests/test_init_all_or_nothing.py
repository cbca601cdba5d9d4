"""`aegis init` writes the organisation's keys and the first administrator together or not
at all: keys without their administrator had left an instance that said it was initialised,
that nobody could sign in to, and whose public form sealed reports to an unseen recovery key."""

import pytest

from aegis import bootstrap
from aegis.accounts.models import User
from aegis.vault import selectors as vault_selectors
from aegis.vault.models import Keypair

pytestmark = pytest.mark.django_db

PASSWORD = "a passphrase that is long enough 77"


def test_a_first_administrator_that_cannot_be_created_leaves_no_keys(monkeypatch):
    monkeypatch.setattr(bootstrap, "migrate", lambda: None)  # the test database is migrated

    def fails(*args, **kwargs):
        raise RuntimeError("the account could not be written")

    monkeypatch.setattr(bootstrap.accounts, "create_user", fails)
    with pytest.raises(RuntimeError):
        bootstrap.init_instance("nadia", PASSWORD, interactive=False)
    assert not Keypair.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)  # the wipe empties SQLite's log, outside any transaction
def test_a_taken_username_is_refused_before_anything_is_written(organisation, capsys):
    """After a wipe the accounts stay, keyless: a first administrator with one of their names
    had failed on the database's unique constraint after the new keys were made."""
    User.objects.create_user(username="ana", password=PASSWORD)
    assert bootstrap.wipe_instance(confirmed=True) == 0
    assert vault_selectors.wiped()
    capsys.readouterr()
    for name in ("ana", "ANA"):  # sign-in does not tell them apart either
        assert bootstrap.init_instance(name, PASSWORD, interactive=False) == 2
        err = capsys.readouterr().err
        assert f"someone already has the username {name!r}" in err
        assert "before the wipe" in err
    assert vault_selectors.wiped()
    assert not Keypair.objects.exclude(kind=Keypair.Kind.USER).exists()


def test_a_taken_username_is_asked_again_in_interactive_mode(db, monkeypatch, capsys):
    User.objects.create_user(username="ana", password=PASSWORD)
    answers = iter(["", "ana", "bea"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    passwords = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr(bootstrap.getpass, "getpass", lambda prompt: next(passwords))
    assert bootstrap._first_administrator("ana", None, interactive=True) == ("bea", PASSWORD)
    out = capsys.readouterr().out
    # Said for 'ana' (given, then typed), not for the empty answer, which is just asked again.
    assert out.count("someone already has the username 'ana'") == 2
    assert out.count("not accepted") == 2
