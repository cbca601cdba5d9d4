"""The duress word, typed at a check-in or after the password at sign-in, raises one silent
alert, and what the defender sees is byte for byte what a normal check-in or sign-in shows,
apart from tokens (CSRF values, CSP nonces, cookie values)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from aegis import clock
from aegis.accounts import throttle
from aegis.accounts.forms import SignInForm
from aegis.alerts import checkins
from aegis.alerts.models import Alert, CheckIn
from aegis.alerts.vocabulary import AlertKind
from aegis.safety import selectors as safety_selectors
from aegis.safety import services as safety
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DURESS = "Girasol"
_TOKENS = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken"'),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
]


def without_tokens(response) -> tuple[int, str, list[tuple[str, str]], list[str]]:
    """Status, body, headers (but cookies) and the names of the cookies set."""
    body = response.content.decode()
    for pattern, blank in _TOKENS:
        body = pattern.sub(blank, body)
    headers = sorted((k, v) for k, v in response.headers.items() if k.lower() != "set-cookie")
    return response.status_code, body, headers, sorted(response.cookies)


@pytest.fixture
def duress_plan(team):
    with unlocked(team.lucia.keychain()):
        draft = safety_selectors.draft_of(safety_selectors.current_version(team.person))
        draft.duress_word = DURESS
        draft.checkin_interval_hours = 24
        safety.save_plan(team.person, draft, actor_id=team.lucia.user.pk)
    return team


def duress_alerts() -> list[Alert]:
    return list(Alert.objects.filter(kind=AlertKind.DURESS))


# --- At a check-in ------------------------------------------------------------------------


def test_a_duress_check_in_looks_exactly_like_a_normal_one(duress_plan):
    team = duress_plan
    client = sign_in(Client(), team.rosa)
    url = reverse("alerts:checkin")
    with clock.frozen(START):
        normal = client.post(url, {"word": "sunny"})
        normal_page = client.get(normal["Location"])
        assert Alert.objects.count() == 0
        duress = client.post(url, {"word": "  girasol! "})  # typed loosely, as under stress
        duress_page = client.get(duress["Location"])
    assert normal.status_code == 302
    assert without_tokens(duress) == without_tokens(normal)
    assert without_tokens(duress_page) == without_tokens(normal_page)
    assert "Thank you. Your check-in is recorded." in duress_page.content.decode()
    [alert] = duress_alerts()
    assert Alert.objects.count() == 1
    assert alert.person == team.person and alert.triggered_by == team.rosa.user
    assert alert.triggered_at == START and not alert.is_drill
    # Both check-ins are stored alike: the alert is the only trace of the duress word.
    assert list(CheckIn.objects.values_list("person_id", "checked_in_at")) == [
        (team.person.pk, START),
        (team.person.pk, START),
    ]


def test_an_empty_or_other_word_raises_nothing(duress_plan):
    for word in ("", "   ", "girasoles", "sol"):
        checkins.check_in(duress_plan.person, word, actor_id=None)
    assert not Alert.objects.exists()
    assert CheckIn.objects.count() == 4


def test_without_a_duress_word_in_the_plan_nothing_matches(team):
    checkins.check_in(team.person, DURESS, actor_id=None)
    assert not Alert.objects.exists()


# --- At sign-in ---------------------------------------------------------------------------


def attempt(client: Client, username: str, password: str, code: str):
    return client.post(
        "/accounts/login/", {"username": username, "password": password, "code": code}
    )


def error_text(response) -> str | None:
    match = re.search(r'<p class="error" role="alert">(.*?)</p>', response.content.decode(), re.S)
    return match.group(1).strip() if match else None


def failures(username: str) -> int:
    """Failed sign-ins counted for the account from browsers it has not used before."""
    return throttle.failures(throttle.bucket_of(username))


def test_signing_in_with_the_duress_word_looks_like_a_normal_sign_in(duress_plan):
    rosa = duress_plan.rosa
    name = rosa.user.username
    normal_client, duress_client = Client(), Client()
    normal = attempt(normal_client, name, rosa.password, rosa.next_backup_code())
    assert normal.status_code == 302 and not Alert.objects.exists()
    duress = attempt(duress_client, name, f"{rosa.password} {DURESS}", rosa.next_backup_code())
    assert without_tokens(duress) == without_tokens(normal)
    for path in ("/", reverse("alerts:checkin"), reverse("safety:mine")):
        assert without_tokens(duress_client.get(path)) == without_tokens(normal_client.get(path))
    [alert] = duress_alerts()
    assert Alert.objects.count() == 1
    assert alert.person == duress_plan.person and alert.triggered_by == rosa.user
    assert failures(name) == 0  # a duress sign-in is not a failed one


def test_a_wrong_last_word_is_the_usual_failure_and_counts(duress_plan):
    rosa = duress_plan.rosa
    name = rosa.user.username
    wrong = attempt(Client(), name, f"{rosa.password} sunflower", rosa.next_backup_code())
    plain = attempt(Client(), name, "not the password at all", rosa.next_backup_code())
    assert wrong.status_code == plain.status_code == 200
    assert error_text(wrong) == error_text(plain) == str(SignInForm.FAILED_MESSAGE)
    assert failures(name) == 2
    # The duress word after a wrong password, or with a wrong code, fails as usual too.
    assert (
        attempt(Client(), name, f"wrong password {DURESS}", rosa.next_backup_code()).status_code
        == 200
    )
    assert attempt(Client(), name, f"{rosa.password} {DURESS}", "000000").status_code == 200
    assert failures(name) == 4
    assert not Alert.objects.exists()


def test_a_held_back_sign_in_with_the_duress_word_raises_nothing(duress_plan):
    rosa = duress_plan.rosa
    with clock.frozen(START):
        for _ in range(throttle.failure_limit()):
            attempt(Client(), rosa.user.username, "not the password at all", "000000")
        held = attempt(
            Client(), rosa.user.username, f"{rosa.password} {DURESS}", rosa.next_backup_code()
        )
    assert held.status_code == 429
    assert error_text(held) == SignInForm.wait_message(1)
    assert not Alert.objects.exists()


def test_a_normal_sign_in_with_a_passphrase_raises_nothing(duress_plan):
    rosa = duress_plan.rosa
    assert " " in rosa.password  # the test passphrase has spaces: the whole text is tried first
    assert (
        attempt(Client(), rosa.user.username, rosa.password, rosa.next_backup_code()).status_code
        == 302
    )
    # Staff have no duress word: "<password> <word>" is simply a wrong password for them.
    lucia = duress_plan.lucia
    response = attempt(
        Client(), lucia.user.username, f"{lucia.password} {DURESS}", lucia.next_backup_code()
    )
    assert error_text(response) == str(SignInForm.FAILED_MESSAGE)
    assert not Alert.objects.exists()


def test_a_password_that_ends_in_the_duress_word_signs_in_plainly(duress_plan):
    """The whole text is tried first: when it is the password, it is a normal sign-in."""
    rosa = duress_plan.rosa
    new = f"my long passphrase {DURESS}"
    client = sign_in(Client(), rosa)
    changed = client.post(
        reverse("accounts:password"),
        {"old_password": rosa.password, "new_password": new, "new_password_again": new},
    )
    assert changed.status_code == 302
    assert attempt(Client(), rosa.user.username, new, rosa.next_backup_code()).status_code == 302
    assert not Alert.objects.exists()
