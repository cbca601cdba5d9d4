"""Signing in with password + second factor, the throttle, session keys, password change, tokens."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from aegis import clock
from aegis.accounts import throttle
from aegis.accounts.forms import SignInForm
from aegis.accounts.models import ApiToken
from aegis.audit.models import AuditEntry
from aegis.roles import Role
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked
from aegis.vault.selectors import keypair_for_user
from tests.conftest import sign_in
from tests.vaultapp.models import ProtectedNote
from tests.vaultapp.services import create_note

pytestmark = pytest.mark.django_db


def attempt(client, username, password, code):
    return client.post(
        "/accounts/login/", {"username": username, "password": password, "code": code}
    )


def error_text(response):
    match = re.search(r'<p class="error" role="alert">(.*?)</p>', response.content.decode(), re.S)
    return match.group(1).strip() if match else None


def totp_now(user):
    device = TOTPDevice.objects.get(user=user)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def test_real_totp_code_signs_in(make_person):
    person = make_person(Role.ANALYST)
    response = attempt(Client(), person.user.username, person.password, totp_now(person.user))
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEntry.objects.filter(action="login", actor_id=person.user.pk).exists()


def test_a_backup_code_made_only_of_digits_signs_in_and_an_authenticator_code_still_does(
    make_person,
):
    from django_otp.plugins.otp_static.models import StaticToken

    person = make_person(Role.CASEWORKER)
    # django-otp's backup codes are 8 base-32 characters: now and then all of them digits.
    StaticToken.objects.filter(token=person.enrolment.backup_codes[0]).update(token="23456723")
    response = attempt(Client(), person.user.username, person.password, "2345 6723")
    assert response.status_code == 302, error_text(response)
    assert not StaticToken.objects.filter(token="23456723").exists()  # it works once
    again = attempt(Client(), person.user.username, person.password, "23456723")
    assert again.status_code == 200 and error_text(again) == str(SignInForm.FAILED_MESSAGE)
    response = attempt(Client(), person.user.username, person.password, totp_now(person.user))
    assert response.status_code == 302


def test_every_failure_looks_the_same(make_person):
    person = make_person(Role.CASEWORKER)
    name, good_code = person.user.username, person.enrolment.backup_codes[0]
    responses = [
        attempt(Client(), name, "wrong password here", good_code),  # wrong password
        attempt(Client(), name, person.password, "000000"),  # wrong code
        attempt(Client(), name, "wrong password here", "000000"),  # both wrong
        attempt(Client(), "nobody-by-this-name", person.password, good_code),  # unknown user
    ]
    texts = {error_text(r) for r in responses}
    assert texts == {str(SignInForm.FAILED_MESSAGE)}
    assert {r.status_code for r in responses} == {200}
    assert AuditEntry.objects.filter(action="login.failed").count() == 4
    # The name typed is kept for the next try, known or not; never the password or the code.
    for response, typed in zip(responses, [name, name, name, "nobody-by-this-name"], strict=True):
        page = response.content.decode()
        assert f'value="{typed}"' in page
        assert "wrong password here" not in page and person.password not in page
        assert good_code not in page and "000000" not in page


def test_repeated_failures_hold_back_new_browsers_but_never_the_owners_own(make_person):
    person = make_person(Role.CASEWORKER)
    name = person.user.username
    own = Client()  # the owner's browser: one earlier sign-in gives it its own bucket
    assert attempt(own, name, person.password, person.next_backup_code()).status_code == 302
    device = own.cookies[throttle.DEVICE_COOKIE]
    assert device["path"] == "/accounts/login/" and device["httponly"]
    assert device["samesite"] == "Strict" and name not in device.value
    own.post("/accounts/logout/")
    start = timezone.now()
    with clock.frozen(start):
        for _ in range(throttle.failure_limit()):
            assert attempt(Client(), name, "a guessed password 1", "123456").status_code == 200
        # From any other browser even the right details wait, unchecked, so a guesser
        # learns nothing from them.
        held = attempt(Client(), name, person.password, person.next_backup_code())
        assert held.status_code == 429
        assert error_text(held) == SignInForm.wait_message(1)
        assert "password" not in error_text(held).lower()
        assert throttle.failures(throttle.bucket_of(name)) == throttle.failure_limit()
        # The owner's own browser is not held back.
        assert attempt(own, name, person.password, person.next_backup_code()).status_code == 302
        clock.advance(timedelta(seconds=1))
        later = attempt(Client(), name, person.password, person.next_backup_code())
        assert later.status_code == 302
    # A correct password with the second factor lifts the wait it was made under.
    assert throttle.failures(throttle.bucket_of(name)) == 0


def test_expired_session_says_so_and_forgets_the_key(make_person):
    client = sign_in(Client(), make_person(Role.CASEWORKER))
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "Your session has ended" in response.content.decode()


def test_session_without_key_cookie_is_ended(make_person):
    client = sign_in(Client(), make_person(Role.CASEWORKER))
    del client.cookies["aegis_key"]
    response = client.get("/", follow=True)
    assert "Your session has ended" in response.content.decode()


def test_logout_deletes_the_session_half_of_the_key(make_person):
    client = sign_in(Client(), make_person(Role.CASEWORKER))
    assert Session.objects.count() == 1
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert Session.objects.filter(session_data__contains="aegis_wrapped_key").count() == 0
    assert client.cookies["aegis_key"].value == ""
    assert client.get("/").status_code == 302


def test_password_change_reseals_the_private_key(make_person):
    person = make_person(Role.CASEWORKER)
    keypair = keypair_for_user(person.user.pk)
    with unlocked(person.keychain()):
        note = create_note(holders=[keypair], name="Protected", phone="", body="")
    client = sign_in(Client(), person)
    new = "an entirely new passphrase 9"
    mismatch = client.post(
        "/accounts/password/",
        {"old_password": person.password, "new_password": new, "new_password_again": new + "x"},
    )
    assert "not the same" in mismatch.content.decode()
    wrong = client.post(
        "/accounts/password/",
        {"old_password": "wrong one", "new_password": new, "new_password_again": new},
    )
    assert "This is not your password." in wrong.content.decode()
    ok = client.post(
        "/accounts/password/",
        {"old_password": person.password, "new_password": new, "new_password_again": new},
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 200  # still signed in, with the new cookie
    keypair.refresh_from_db()
    with pytest.raises(vault.WrongPassphrase):
        vault.unlock_user_keypair(keypair, person.password)
    person.password = new
    with unlocked(person.keychain()):
        assert ProtectedNote.objects.get(pk=note.pk).name == "Protected"


def test_api_token_carries_its_own_key_copy_and_revoking_removes_it(make_person):
    person = make_person(Role.CASEWORKER)
    keypair = keypair_for_user(person.user.pk)
    with unlocked(person.keychain()):
        note = create_note(holders=[keypair], name="Via token", phone="", body="")
    client = sign_in(Client(), person)
    # The password is asked again: a session left open is no way to a lasting token.
    refused = client.post("/accounts/tokens/", {"label": "phone app", "password": "guess"})
    assert "This is not your password." in refused.content.decode()
    assert not ApiToken.objects.filter(user=person.user).exists()
    form = {"label": "phone app", "password": person.password}
    page = client.post("/accounts/tokens/", form).content.decode()
    token = re.search(r'<code class="token">(aegis_[0-9a-f_]+)</code>', page).group(1)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    me = api.get("/api/v1/me")
    assert me.status_code == 200 and me.json() == {
        "username": person.user.username,
        "role": "caseworker",
    }
    from aegis.accounts.services import authenticate_token

    _, chain = authenticate_token(token)
    with unlocked(chain):
        assert ProtectedNote.objects.get(pk=note.pk).name == "Via token"
    token_id = api.get("/api/v1/tokens").json()[0]["id"]
    assert api.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert api.get("/api/v1/me").status_code == 401
    assert authenticate_token(token) is None
    assert (
        Client(headers={"Authorization": "Bearer aegis_00_11"}).get("/api/v1/me").status_code == 401
    )


def test_admin_creates_a_person_with_a_role(signed_in):
    client, _ = signed_in(Role.ADMIN)
    weak = client.post(
        "/accounts/users/new/", {"username": "nadia", "role": "caseworker", "password": "short"}
    )
    assert "too short" in weak.content.decode()
    response = client.post(
        "/accounts/users/new/",
        {"username": "nadia", "role": "caseworker", "password": "nadia's first passphrase"},
    )
    body = response.content.decode()
    assert "Account created for <bdi>nadia</bdi>" in body
    # The person sets up their own authenticator: the administrator sees no secret or codes.
    assert "Backup codes" not in body and "otpauth" not in body
    again = client.post(
        "/accounts/users/new/",
        {"username": "NADIA", "role": "analyst", "password": "another passphrase 77"},
    )
    assert "already has this username" in again.content.decode()
    assert "nadia" in client.get("/accounts/users/").content.decode()


def test_a_username_that_is_an_email_address_is_refused(signed_in):
    """Usernames are stored in clear and a defender's account is linked to their record: the
    form says so, and refuses an email address (a person's name and where to find them)."""
    from django.contrib.auth import get_user_model

    client, _ = signed_in(Role.ADMIN)
    page = client.get("/accounts/users/new/").content.decode()
    assert "Stored unencrypted" in page and "email address" in page
    refused = client.post(
        "/accounts/users/new/",
        {"username": "nadia.haddad@ngo.example", "role": "defender", "password": "a passphrase 77"},
    )
    assert "cannot be an email address" in refused.content.decode()
    assert not get_user_model().objects.filter(username__contains="@").exists()
    # An "@" that does not make an email address is still a username, as before.
    kept = client.post(
        "/accounts/users/new/",
        {"username": "field@team", "role": "caseworker", "password": "a passphrase 77"},
    )
    assert "Account created for <bdi>field@team</bdi>" in kept.content.decode()


def test_the_first_administrator_and_the_service_refuse_the_same_usernames(db, capsys):
    """`aegis init` checks the first administrator's username before it migrates or makes a
    key, and every other way of creating an account (the API, the demo) goes through the
    service, which refuses what the form refuses."""
    from aegis import bootstrap
    from aegis.accounts import services as accounts
    from aegis.rules import RuleError

    password = "a passphrase that is long enough 77"
    for wrong in ("nadia.haddad@ngo.example", "nadia haddad"):
        assert bootstrap._first_administrator(wrong, password, interactive=False) is None
        assert "The username is not accepted" in capsys.readouterr().err
        with pytest.raises(RuleError):
            accounts.create_user(wrong, password, Role.ADMIN)
    assert bootstrap._first_administrator("nadia", password, interactive=False) == (
        "nadia",
        password,
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_drops_the_axes_tables_and_their_user_agents():
    """Installations that ran django-axes lose its tables, which kept user agents."""
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("aegis.accounts.migrations.0002_sign_in_throttle_no_axes")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE axes_accessattempt (id integer PRIMARY KEY, user_agent varchar(255))"
        )
        cursor.execute(
            "CREATE TABLE axes_accessattemptexpiration (id integer PRIMARY KEY, "
            "access_attempt_id integer REFERENCES axes_accessattempt (id))"
        )
        cursor.execute("CREATE TABLE axes_accesslog (id integer PRIMARY KEY, user_agent text)")
        cursor.execute("INSERT INTO axes_accessattempt VALUES (1, 'Mozilla/5.0 needle')")
        cursor.execute("INSERT INTO axes_accessattemptexpiration VALUES (1, 1)")
        cursor.execute("INSERT INTO axes_accesslog VALUES (1, 'Mozilla/5.0 needle')")
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('axes', '0001_initial', CURRENT_TIMESTAMP)"
        )
    with connection.schema_editor() as editor:
        migration.drop_axes_tables(apps, editor)
        migration.drop_axes_tables(apps, editor)  # again, as where axes never ran
    assert not [t for t in connection.introspection.table_names() if t.startswith("axes_")]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'axes'")
        assert cursor.fetchone()[0] == 0


def test_wrong_codes_from_elsewhere_do_not_hold_back_the_owners_code(make_person):
    """django-otp's own throttle held an authenticator back for every browser after a wrong
    code (2^n seconds, growing without end): whoever had the password could keep the owner
    out. The sign-in throttle, per browser, is the one that slows guessing."""
    person = make_person(Role.ANALYST)
    right = totp_now(person.user)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    attacker = Client()
    for _ in range(2):
        assert attempt(attacker, person.user.username, person.password, wrong).status_code == 200
    for _ in range(2):  # backup codes likewise
        assert (
            attempt(attacker, person.user.username, person.password, "aaaa2222").status_code == 200
        )
    owner = attempt(Client(), person.user.username, person.password, right)
    assert owner.status_code == 302, error_text(owner)
    owner = attempt(Client(), person.user.username, person.password, person.next_backup_code())
    assert owner.status_code == 302, error_text(owner)


def test_retyping_the_password_has_a_throttle_of_its_own(make_person):
    """Guesses at the sign-in page (the account's shared bucket) hold nothing back for the
    signed-in owner, whose own wrong retypes are throttled in their session's bucket."""
    person = make_person(Role.CASEWORKER)
    owner = sign_in(Client(), person)
    for _ in range(throttle.failure_limit() + 2):
        attempt(Client(), person.user.username, "guess", "123456")
    made = owner.post("/accounts/tokens/", {"label": "app", "password": person.password})
    assert '<code class="token">' in made.content.decode()
    for _ in range(throttle.failure_limit() + 1):
        page = owner.post("/accounts/tokens/", {"label": "app", "password": "guess"})
    assert "Too many wrong passwords" in page.content.decode()
    page = owner.post("/accounts/tokens/", {"label": "app", "password": person.password})
    assert "Too many wrong passwords" in page.content.decode()  # the right one waits too
    changed = owner.post(
        "/accounts/password/",
        {
            "old_password": person.password,
            "new_password": "a brand new phrase 1",
            "new_password_again": "a brand new phrase 1",
        },
    )
    assert "Too many wrong passwords" in changed.content.decode()


def test_the_password_rules_are_shown_before_a_refusal_in_the_readers_language(signed_in):
    """The rules had appeared only once a password was refused. They sit under the new
    password's field (not its repetition), tied to it for screen readers."""
    pages = (
        ("/accounts/password/", "new_password", Role.CASEWORKER),
        ("/accounts/users/new/", "password", Role.ADMIN),
    )
    for path, field, role in pages:
        client, _ = signed_in(role)
        body = client.get(path).content.decode()
        assert "at least 12 characters" in body
        assert re.search(rf'id="id_{field}"[^>]*aria-describedby="id_{field}_helptext"', body) or (
            re.search(rf'aria-describedby="id_{field}_helptext"[^>]*id="id_{field}"', body)
        )
        assert 'id="id_new_password_again_helptext"' not in body
        spanish = client.get(path, headers={"accept-language": "es"}).content.decode()
        assert "12 caracteres" in spanish and "at least 12" not in spanish


def test_changing_ones_password_stops_every_api_token(make_person):
    """A person changes a password they fear is known; a token taken with it (a copy of their
    key) must stop too, and the page says so before they change it."""
    from tests.conftest import api_client

    person = make_person(Role.CASEWORKER)
    api = api_client(person)
    assert api.get("/api/v1/me").status_code == 200
    client = sign_in(Client(), person)
    page = client.get("/accounts/password/").content.decode()
    assert "Your API tokens stop working" in page
    new = "an entirely new passphrase 9"
    changed = client.post(
        "/accounts/password/",
        {"old_password": person.password, "new_password": new, "new_password_again": new},
    )
    assert changed.status_code == 302
    assert api.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_a_new_persons_role_group_is_read_once_and_made_where_missing(make_person):
    """Creating a person reads their role's group in one query (it had rewritten every
    role's group and permissions each time: about 25 queries a person); a group that is
    missing is made, with its permissions, before the person joins it."""
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aegis.accounts.services import role_group
    from aegis.roles import ROLE_PERMISSIONS

    make_person(Role.ANALYST)  # every role's group exists, as after migrate
    with CaptureQueriesContext(connection) as queries:
        assert role_group(Role.CASEWORKER).name == Role.CASEWORKER.value
    assert len(queries) == 1
    Group.objects.filter(name=Role.AUDITOR.value).delete()
    auditor = make_person(Role.AUDITOR).user
    assert list(auditor.groups.values_list("name", flat=True)) == [Role.AUDITOR.value]
    granted = {p.split(".", 1)[1] for p in auditor.get_all_permissions()}
    assert granted == ROLE_PERMISSIONS[Role.AUDITOR]
