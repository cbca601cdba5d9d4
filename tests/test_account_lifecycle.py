"""The administrator's account lifecycle (each action audited) and the person's own
authenticator set-up and password change at first sign-in."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from aegis.accounts import throttle
from aegis.accounts.forms import SignInForm
from aegis.accounts.models import ApiToken, User
from aegis.audit.models import AuditEntry
from aegis.cases.models import CompartmentMember
from aegis.roles import Role
from aegis.vault import services as vault
from aegis.vault.models import KeyWrap
from aegis.vault.selectors import keypair_for_user
from tests.conftest import PASSWORD, api_client, sign_in

pytestmark = pytest.mark.django_db


def audited(action: str, user: User) -> bool:
    return AuditEntry.objects.filter(action=action, object_id=str(user.pk)).exists()


def act(admin: Client, user: User, action: str):
    return admin.post(reverse("accounts:user-action", args=[user.pk, action]))


def totp_code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def test_deactivating_ends_sessions_and_tokens_but_keeps_key_wraps(
    signed_in, make_person, make_compartment, make_case
):
    admin, _ = signed_in(Role.ADMIN)
    worker = make_person(Role.CASEWORKER)
    make_case(make_compartment(worker), worker)  # record keys wrapped to the worker
    session = sign_in(Client(), worker)
    api = api_client(worker)
    assert session.get("/").status_code == 200 and api.get("/api/v1/me").status_code == 200
    keypair = keypair_for_user(worker.user.pk)
    wraps = KeyWrap.objects.filter(keypair=keypair).count()
    assert wraps > 0
    tokens = [
        str(pk) for pk in ApiToken.objects.filter(user=worker.user).values_list("pk", flat=True)
    ]
    assert tokens

    response = act(admin, worker.user, "deactivate")
    assert response.status_code == 302
    assert session.get("/").status_code == 302  # back to the sign-in page
    assert api.get("/api/v1/me").status_code == 401
    # Each token's end is in the log, as when a token is revoked any other way.
    revoked = AuditEntry.objects.filter(action="token.revoke", object_id__in=tokens)
    assert revoked.count() == len(tokens)
    assert KeyWrap.objects.filter(keypair=keypair).count() == wraps
    assert audited("user.deactivate", worker.user)
    assert sign_in_status(worker) == 200  # refused while deactivated

    act(admin, worker.user, "reactivate")
    assert audited("user.reactivate", worker.user)
    client = sign_in(Client(), worker)
    assert client.get("/cases/").status_code == 200


def test_actions_that_stop_a_colleagues_work_ask_first(signed_in, make_person):
    """Deactivate, reset two-factor and require a password change had acted at one click on
    the person's page: a wrong row signed a colleague out everywhere. Their buttons lead to
    a question; only its button acts. Unlock and reactivate stay at one click."""
    admin, _ = signed_in(Role.ADMIN)
    worker = make_person(Role.CASEWORKER, "wanjiru")
    page = admin.get(reverse("accounts:user", args=[worker.user.pk])).content.decode()
    for action, question in (
        ("deactivate", "Deactivate wanjiru?"),
        ("reset-2fa", "Reset the two-factor sign-in of wanjiru?"),
        ("require-password", "Require wanjiru to change their password?"),
    ):
        url = reverse("accounts:user-action", args=[worker.user.pk, action])
        assert f'href="{url}"' in page, action
        asked = admin.get(url)
        assert asked.status_code == 200 and question in asked.content.decode()
    worker.user.refresh_from_db()
    assert worker.user.is_active and not worker.user.must_change_password
    assert not worker.user.must_enrol and not audited("user.deactivate", worker.user)
    assert act(admin, worker.user, "deactivate").status_code == 302
    worker.user.refresh_from_db()
    assert not worker.user.is_active
    unlock = admin.get(reverse("accounts:user-action", args=[worker.user.pk, "unlock"]))
    assert unlock.status_code == 302, "nothing to ask: back to the person's page"


def sign_in_status(person) -> int:
    response = Client().post(
        "/accounts/login/",
        {"username": person.user.username, "password": PASSWORD, "code": person.next_backup_code()},
    )
    return response.status_code


def test_the_administrator_cannot_lock_themselves_out(signed_in):
    admin, person = signed_in(Role.ADMIN)
    response = act(admin, person.user, "deactivate")
    assert User.objects.get(pk=person.user.pk).is_active
    assert "your own account" in admin.get(response["Location"]).content.decode()


def test_role_change_shows_and_removes_compartment_keys(
    signed_in, make_person, make_compartment, make_case
):
    admin, _ = signed_in(Role.ADMIN)
    worker = make_person(Role.CASEWORKER)
    compartment = make_compartment(worker, name="Northern desk")
    make_case(compartment, worker)
    keypair = keypair_for_user(worker.user.pk)
    assert KeyWrap.objects.filter(keypair=keypair, data_key_id=vault.index_key_id()).exists()

    url = reverse("accounts:user-role", args=[worker.user.pk])
    preview = admin.get(url, {"role": "analyst"}).content.decode()
    assert "Northern desk" in preview and "search key is deleted" in preview
    assert worker.user.groups.get().name == "caseworker"  # a preview changes nothing

    admin.post(url, {"role": "analyst", "leave_compartments": "on"})
    user = User.objects.get(pk=worker.user.pk)
    assert user.role == Role.ANALYST
    assert not CompartmentMember.objects.filter(user=user).exists()
    assert not KeyWrap.objects.filter(keypair=keypair).exists()  # the administrator read nothing
    assert audited("user.role_change", user)


def test_role_change_to_a_case_role_says_a_coordinator_adds_them(signed_in, make_person):
    admin, _ = signed_in(Role.ADMIN)
    analyst = make_person(Role.ANALYST)
    url = reverse("accounts:user-role", args=[analyst.user.pk])
    assert "a coordinator adds them" in admin.get(url, {"role": "caseworker"}).content.decode()


def assert_no_link_sends_back(client: Client, page: str, form: str) -> None:
    """Until the form is done every other page sends the person back to it: the page they
    see offers no link that would (the menu, the account links), only the logo's."""
    links = set(re.findall(r'<a [^>]*href="(/[^"#]*)"', page)) - {"/", reverse("dashboard")}
    for link in links:
        answer = client.get(html.unescape(link))
        assert answer.get("Location") != form, link


def test_new_person_enrols_themselves_and_then_changes_password(signed_in):
    admin, _ = signed_in(Role.ADMIN)
    first = "nadia's first passphrase"
    seen_by_admin = admin.post(
        reverse("accounts:user-create"),
        {"username": "nadia", "role": "caseworker", "password": first},
    ).content.decode()
    nadia = User.objects.get(username="nadia")
    assert nadia.must_enrol and nadia.must_change_password
    assert not TOTPDevice.objects.filter(user=nadia).exists()

    client = Client()
    signing_in = client.post(
        "/accounts/login/", {"username": "nadia", "password": first, "code": ""}
    )
    assert signing_in.status_code == 302
    assert client.get("/cases/")["Location"] == reverse("accounts:enrol")  # nowhere else
    page = client.get(reverse("accounts:enrol")).content.decode()
    assert_no_link_sends_back(client, page, reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(user=nadia, confirmed=False)
    secret = re.search(r'<code class="token">([A-Z2-7]+)</code>', page).group(1)
    assert "<svg" in page and secret not in seen_by_admin
    wrong = client.post(reverse("accounts:enrol"), {"code": "000000"}).content.decode()
    assert "does not match" in wrong
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    # django-otp holds a device back a second after a wrong code; a person would wait.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)

    done = client.post(reverse("accounts:enrol"), {"code": totp_code(device)}).content.decode()
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done)
    assert len(codes) == 10 and not any(c in seen_by_admin for c in codes)
    assert audited("user.2fa_enrol", nadia)

    # Enrolled, but the first password still has to go before any other page opens.
    assert client.get("/cases/")["Location"] == reverse("accounts:password")
    page = client.get(reverse("accounts:password")).content.decode()
    assert_no_link_sends_back(client, page, reverse("accounts:password"))
    # Typed again as the new one, it would stay the administrator's: refused, on its input.
    kept = client.post(
        reverse("accounts:password"),
        {"old_password": first, "new_password": first, "new_password_again": first},
    )
    assert kept.status_code == 200
    assert "Choose a new password: this one is your current password." in html.unescape(
        kept.content.decode()
    )
    assert User.objects.get(pk=nadia.pk).must_change_password
    changed = client.post(
        reverse("accounts:password"),
        {
            "old_password": first,
            "new_password": "nadia's own passphrase 9",
            "new_password_again": "nadia's own passphrase 9",
        },
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    assert not User.objects.get(pk=nadia.pk).must_change_password
    # The admin's pages afterwards show the state, never the secret.
    detail = admin.get(reverse("accounts:user", args=[nadia.pk])).content.decode()
    assert "Set up" in detail and secret not in detail


def test_reset_two_factor_ends_sessions_and_asks_for_a_new_enrolment(signed_in, make_person):
    admin, _ = signed_in(Role.ADMIN)
    worker = make_person(Role.RESPONDER)
    session = sign_in(Client(), worker)
    old_code = worker.next_backup_code()
    response = act(admin, worker.user, "reset-2fa")
    assert "otpauth" not in admin.get(response["Location"]).content.decode()
    assert not TOTPDevice.objects.filter(user=worker.user).exists()
    assert not StaticDevice.objects.filter(user=worker.user).exists()
    assert session.get("/").status_code == 302
    assert audited("user.2fa_reset", worker.user)
    client = Client()
    client.post(
        "/accounts/login/",
        {"username": worker.user.username, "password": PASSWORD, "code": old_code},
    )
    assert client.get("/")["Location"] == reverse("accounts:enrol")


def test_unlock_forgets_failures_from_every_browser(signed_in, make_person):
    admin, _ = signed_in(Role.ADMIN)
    person = make_person(Role.ANALYST)
    name = person.user.username
    for _ in range(throttle.failure_limit() + 1):
        Client().post("/accounts/login/", {"username": name, "password": "guess", "code": "1"})
    assert throttle.failures(throttle.bucket_of(name)) > 0
    act(admin, person.user, "unlock")
    assert throttle.failures(throttle.bucket_of(name)) == 0
    assert audited("user.unlock", person.user)
    assert sign_in_status(person) == 302


def test_required_password_change_reaches_an_open_session(signed_in, make_person):
    admin, _ = signed_in(Role.ADMIN)
    person = make_person(Role.AUDITOR)
    session = sign_in(Client(), person)
    act(admin, person.user, "require-password")
    assert audited("user.password_change_required", person.user)
    assert session.get("/")["Location"] == reverse("accounts:password")
    assert session.get(reverse("accounts:password")).status_code == 200


def test_the_code_field_takes_backup_codes_and_says_so(make_person):
    field = SignInForm().fields["code"]
    assert "backup code" in str(field.label) and "letters" in str(field.help_text)
    page = Client().get("/accounts/login/").content.decode()
    assert 'inputmode="numeric"' not in page and "letters and digits" in page
    person = make_person(Role.ANALYST)
    code = person.next_backup_code()
    assert not code.isdigit()
    assert sign_in_status_with(person, code) == 302


def sign_in_status_with(person, code: str) -> int:
    response = Client().post(
        "/accounts/login/", {"username": person.user.username, "password": PASSWORD, "code": code}
    )
    return response.status_code


def test_a_responder_leaving_alert_work_is_offered_to_leave_compartments(
    signed_in, make_person, make_compartment
):
    admin, _ = signed_in(Role.ADMIN)
    responder = make_person(Role.RESPONDER)
    make_compartment(responder, name="Alert desk")
    url = reverse("accounts:user-role", args=[responder.user.pk])
    assert "Alert desk" in admin.get(url, {"role": "auditor"}).content.decode()
    admin.post(url, {"role": "auditor"})  # the box left unticked: memberships stay
    assert CompartmentMember.objects.filter(user=responder.user).exists()
    assert User.objects.get(pk=responder.user.pk).role == Role.AUDITOR


def test_the_first_own_password_comes_with_a_new_key(
    signed_in, make_person, make_compartment, make_case
):
    """The administrator chose the first password: a copy of the key's row sealed under it,
    kept by whoever knew it, must open nothing sealed to the person after they chose their
    own. Their keys are sealed again to a new key, and tokens holding the old one go."""
    from nacl.public import PrivateKey

    from aegis.accounts.models import ApiToken
    from aegis.vault import crypto

    admin, _ = signed_in(Role.ADMIN)
    worker = make_person(Role.CASEWORKER)
    case = make_case(make_compartment(worker), worker)
    keypair = keypair_for_user(worker.user.pk)
    old_public, kept = bytes(keypair.public_key), vault.unlock_user_keypair(keypair, PASSWORD)
    client = sign_in(Client(), worker)
    api_client(worker)
    act(admin, worker.user, "require-password")
    assert not ApiToken.objects.filter(user=worker.user).exists()  # revoked with the demand
    api = api_client(worker)  # one made in between (as from a script) goes at the change
    new_password = "a passphrase of my own 42"
    changed = client.post(
        reverse("accounts:password"),
        {
            "old_password": PASSWORD,
            "new_password": new_password,
            "new_password_again": new_password,
        },
    )
    assert changed.status_code == 302
    keypair.refresh_from_db()
    assert bytes(keypair.public_key) != old_public and audited("key.replace", worker.user)
    wraps = list(KeyWrap.objects.filter(keypair=keypair))
    assert wraps
    for wrap in wraps:
        with pytest.raises(Exception):
            crypto.unseal(kept, bytes(wrap.sealed_key))
    new_key = vault.unlock_user_keypair(keypair, new_password)
    assert isinstance(new_key, PrivateKey)
    for wrap in wraps:
        crypto.unseal(new_key, bytes(wrap.sealed_key))
    assert api.get("/api/v1/me").status_code == 401
    # The person reads their cases as before, in this session and the next.
    legal_name = client.get(reverse("cases:person", args=[case.person_id])).content.decode()
    assert "Legal Name" in legal_name
    assert "Summary" in client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    # A later change of their own password keeps the key (nothing to replace).
    client.post(
        reverse("accounts:password"),
        {
            "old_password": new_password,
            "new_password": "yet another one 77",
            "new_password_again": "yet another one 77",
        },
    )
    keypair.refresh_from_db()
    assert bytes(keypair.public_key) == bytes(new_key.public_key)


def test_the_role_change_arrow_points_the_reading_way(signed_in, make_person):
    admin, _ = signed_in(Role.ADMIN)
    analyst = make_person(Role.ANALYST)
    url = reverse("accounts:user-role", args=[analyst.user.pk])
    assert " → <strong>" in admin.get(url, {"role": "auditor"}).content.decode()
    admin.cookies["django_language"] = "ar"
    assert " ← <strong>" in admin.get(url, {"role": "auditor"}).content.decode()


def test_a_responder_given_a_case_role_is_added_again_with_every_key(
    signed_in, make_person, make_compartment, make_case
):
    """A responder holds only a compartment's alert keys. Promoted while staying a member,
    they opened no case, grant or referral, and adding them again did nothing."""
    from aegis.cases import services as cases
    from aegis.vault.keychain import unlocked

    admin, _ = signed_in(Role.ADMIN)
    worker = make_person(Role.CASEWORKER)
    responder = make_person(Role.RESPONDER)
    compartment = make_compartment(worker, name="Northern desk")
    case = make_case(compartment, worker)
    with unlocked(worker.keychain()):
        cases.add_member(compartment, responder.user, actor_id=worker.user.pk)
    keypair = keypair_for_user(responder.user.pk)
    assert not KeyWrap.objects.filter(keypair=keypair, data_key_id=case.data_key_id).exists()

    url = reverse("accounts:user-role", args=[responder.user.pk])
    preview = admin.get(url, {"role": "coordinator"}).content.decode()
    assert "only the alert keys" in preview and "Northern desk" in preview
    admin.post(url, {"role": "coordinator"})  # the form's box unticked: they leave all the same
    user = User.objects.get(pk=responder.user.pk)
    assert user.role == Role.COORDINATOR
    assert not CompartmentMember.objects.filter(user=user).exists()

    with unlocked(worker.keychain()):
        cases.admit_member(compartment, user, actor=worker.user)
    assert KeyWrap.objects.filter(keypair=keypair, data_key_id=case.data_key_id).exists()
