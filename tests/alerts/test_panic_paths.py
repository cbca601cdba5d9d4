"""The defender's "Ask for help" page: the ways to raise an alert that need no sign-in, presses
over and over, and a press after the session ended (its token), or refused (said so)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from aegis.vault import service_keys
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked
from tests.conftest import api_client, sign_in

pytestmark = pytest.mark.django_db


def test_the_help_page_tells_the_ways_that_need_no_sign_in(team, settings, organisation):
    settings.AEGIS_SMS_PANIC_KEYWORD = "AUXILIO"
    settings.AEGIS_SMS_WEBHOOK_SECRET = ""
    client = sign_in(Client(), team.rosa)
    without_sms = client.get(reverse("alerts:panic")).content.decode()
    assert "When you cannot sign in" in without_sms
    assert "a missed check-in alerts your support team by itself" in without_sms
    assert "AUXILIO" not in without_sms  # no promise the gateway cannot keep
    settings.AEGIS_SMS_WEBHOOK_SECRET = "gateway secret"  # too short: the webhook is closed
    assert "AUXILIO" not in client.get(reverse("alerts:panic")).content.decode()
    settings.AEGIS_SMS_WEBHOOK_SECRET = "a gateway secret of 32 characters"
    # Nor until the alert service holds the search key: it could not tell who texted.
    assert "AUXILIO" not in client.get(reverse("alerts:panic")).content.decode()
    keypair = service_keys.service_keypair()
    assert keypair is not None
    with unlocked(vault.recovery_keychain(organisation)):
        vault.grant(vault.index_key_id(), keypair)  # the key ceremony
    with_sms = client.get(reverse("alerts:panic")).content.decode()
    assert "Send a text message with only the word <strong>AUXILIO</strong>" in with_sms
    # The duress word is told in person only, never on a page someone may be made to show.
    assert "duress" not in with_sms.lower()


def test_pressing_panic_again_while_the_alert_is_open_sends_nothing_more(team):
    """Pressed again (on the page or through the API) while the person's panic alert is open
    and under 15 minutes old, the button gives that alert: its ladder is already reaching
    people, and a button pressed over and over had sent every contact a message per press.
    A resolved alert is never reused, and a press 15 minutes on is a new alert."""
    import datetime

    from aegis import clock
    from aegis.alerts import services
    from aegis.alerts.models import Alert, Delivery

    start = datetime.datetime(2026, 5, 4, 10, tzinfo=datetime.UTC)
    page, api = sign_in(Client(), team.rosa), api_client(team.rosa)
    with clock.frozen(start):
        page.post(reverse("alerts:panic"))
    [first] = Alert.objects.all()
    sent = Delivery.objects.count()
    with clock.frozen(start + datetime.timedelta(minutes=14)):
        page.post(reverse("alerts:panic"))
        assert api.post("/api/v1/alerts/panic").status_code == 201
    assert list(Alert.objects.all()) == [first] and Delivery.objects.count() == sent
    with clock.frozen(start + datetime.timedelta(minutes=16)):
        page.post(reverse("alerts:panic"))
    assert Alert.objects.count() == 2
    with clock.frozen(start + datetime.timedelta(minutes=17)):
        with unlocked(team.thandi.keychain()):
            for alert in Alert.objects.all():
                services.resolve(alert, "Safe.", actor=team.thandi.user)
        page.post(reverse("alerts:panic"))
    assert Alert.objects.count() == 3
    # Acknowledged (the ladder stopped), a press 5 minutes on alerts again: things may have
    # got worse, or whoever acknowledged may not be who they seem.
    with clock.frozen(start + datetime.timedelta(minutes=20)):
        third = Alert.objects.order_by("pk").last()
        services.acknowledge(Delivery.objects.filter(alert=third).order_by("pk").first().pk)
        page.post(reverse("alerts:panic"))
    assert Alert.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_presses_the_worker_raises_are_one_alert(team, monkeypatch):
    """Where this process cannot raise the alert (no service key: the worker raises it), the
    presses queued meanwhile are one alert too, not one per press."""
    from django.core.management import call_command

    from aegis.alerts.models import Alert
    from aegis.vault import service_keys

    unlock = service_keys.supplied_unlock()
    assert unlock is not None
    monkeypatch.delenv("AEGIS_ALERT_SERVICE_UNLOCK")
    service_keys.forget()  # this process was given no unlock secret
    page, api = sign_in(Client(), team.rosa), api_client(team.rosa)
    for _ in range(3):
        page.post(reverse("alerts:panic"))
        assert api.post("/api/v1/alerts/panic").status_code == 201
    assert not Alert.objects.exists()
    monkeypatch.setenv("AEGIS_ALERT_SERVICE_UNLOCK", unlock.secret)
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0.1")
    [alert] = Alert.objects.all()
    assert alert.kind == "panic" and alert.person_id == team.person.pk


def test_a_press_that_cannot_look_for_the_open_alert_still_raises_one(team, monkeypatch):
    """Where the look for an open alert fails (a locked database), the press is raised or
    deferred as any other, never refused: the SMS gateway had got an error."""
    from django.db import OperationalError

    from aegis.alerts import services
    from aegis.alerts.models import Alert

    def locked(person):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "_open_panic", locked)
    services.raise_panic(team.person, actor_id=None)
    assert Alert.objects.filter(kind="panic", person=team.person).count() == 1


# --- A press after the session ended --------------------------------------------------------

NOT_SENT = "Your alert was NOT sent: sign in and press the button again."
NOT_RECORDED = "Your check-in was NOT recorded: sign in and check in again."


def _field(page: str, name: str) -> str:
    import re

    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None, name
    return found.group(1)


def _open_page(client: Client, name: str) -> dict[str, str]:
    """The form's hidden fields, as the browser holds them with the page open."""
    page = client.get(reverse(name)).content.decode()
    fields = {"csrfmiddlewaretoken": _field(page, "csrfmiddlewaretoken")}
    if name == "alerts:panic":
        fields["panic_token"] = _field(page, "panic_token")
    return fields


def _strict(person) -> Client:
    """Signed in, then with the form check on, as a browser has it."""
    client = sign_in(Client(), person)
    client.handler.enforce_csrf_checks = True
    return client


def _end_sessions() -> None:
    """30 idle minutes later: the session's row has expired."""
    import datetime

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))


def _panic_alerts(team):
    from aegis.alerts.models import Alert

    return list(Alert.objects.filter(kind="panic", person=team.person))


def test_a_press_after_the_session_ended_raises_the_alert(team):
    """The page left open past the idle timeout: the press still raises the alert, as the
    signed-in press does (one alert, the same audit entry), and the browser sees only the
    neutral page, with no note that the session ended."""
    from aegis.audit.models import AuditEntry

    client = _strict(team.rosa)
    fields = _open_page(client, "alerts:panic")
    _end_sessions()
    response = client.post(reverse("alerts:panic"), fields)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your request has been received." in page
    assert "Your session has ended" not in page and NOT_SENT not in page
    assert team.rosa.user.username not in page  # nothing of the account's
    [alert] = _panic_alerts(team)
    assert alert.triggered_by_id == team.rosa.user.pk
    entry = AuditEntry.objects.get(object_type="alert", object_id=str(alert.pk))
    assert (entry.action, entry.actor_id) == ("record.create", team.rosa.user.pk)
    # Pressed again (or the page reloaded): the open alert, not a second one.
    assert client.post(reverse("alerts:panic"), fields).status_code == 200
    assert len(_panic_alerts(team)) == 1


def _refused(client: Client, fields: dict[str, str], team) -> None:
    response = client.post(reverse("alerts:panic"), fields)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/alerts/panic/"
    assert NOT_SENT in client.get(response["Location"]).content.decode()
    assert _panic_alerts(team) == []


@pytest.mark.parametrize("how", ["missing", "tampered", "expired", "other user", "other salt"])
def test_a_press_whose_token_does_not_hold_says_the_alert_was_not_sent(team, how):
    import datetime

    from django.core import signing

    from aegis import clock
    from aegis.alerts import delivery, panic_tokens

    client = _strict(team.rosa)
    start = clock.now()
    with clock.frozen(start):
        fields = _open_page(client, "alerts:panic")
    token = fields["panic_token"]
    stamp = panic_tokens._stamp(team.lucia.user)
    fields["panic_token"] = {
        "missing": "",
        "tampered": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "expired": token,
        # Signed for this defender, but bound to another account's password and devices.
        "other user": signing.dumps(
            {"u": team.rosa.user.pk, "s": stamp, "t": int(start.timestamp())},
            salt=panic_tokens.SALT,
        ),
        "other salt": signing.dumps({"d": team.rosa.user.pk}, salt=delivery.ACK_SALT),
    }[how]
    _end_sessions()
    with clock.frozen(start + datetime.timedelta(hours=13 if how == "expired" else 1)):
        _refused(client, fields, team)
    # Signed in again from that page, the defender lands on the button.
    login = client.get("/accounts/login/?next=/alerts/panic/")
    fields = {
        "csrfmiddlewaretoken": _field(login.content.decode(), "csrfmiddlewaretoken"),
        "username": team.rosa.user.username,
        "password": team.rosa.password,
        "code": team.rosa.next_backup_code(),
    }
    signed_in = client.post("/accounts/login/?next=/alerts/panic/", fields)
    assert signed_in["Location"] == "/alerts/panic/"


def test_the_token_lasts_12_hours_in_the_browser_it_was_shown_in(team, settings):
    """The page's token is bound to a secret in a cookie of its own, sent to the panic page
    only and unreadable by scripts; the press from that browser raises the alert for 12
    hours after the page was shown, and not after."""
    import datetime

    from aegis import clock

    settings.SESSION_COOKIE_SECURE = True
    client = _strict(team.rosa)
    start = clock.now()
    with clock.frozen(start):
        fields = _open_page(client, "alerts:panic")
    cookie = client.cookies["aegis_panic"]
    assert cookie["path"] == "/alerts/panic/" and cookie["samesite"] == "Strict"
    assert cookie["httponly"] and cookie["secure"] and cookie["max-age"] == 12 * 3600
    assert cookie.value not in fields["panic_token"]
    _end_sessions()
    with clock.frozen(start + datetime.timedelta(hours=12, minutes=1)):
        _refused(client, fields, team)
    with clock.frozen(start + datetime.timedelta(hours=11, minutes=59)):
        assert client.post(reverse("alerts:panic"), fields).status_code == 200
    assert len(_panic_alerts(team)) == 1


def test_every_tab_of_the_browser_keeps_its_token(team):
    """The browser's secret is kept from page to page: a second tab opened later does not
    end the first one's token."""
    client = _strict(team.rosa)
    first = _open_page(client, "alerts:panic")
    secret = client.cookies["aegis_panic"].value
    second = _open_page(client, "alerts:panic")
    assert client.cookies["aegis_panic"].value == secret
    _end_sessions()
    assert client.post(reverse("alerts:panic"), first).status_code == 200
    # The second tab's press joins the alert the first one raised.
    assert client.post(reverse("alerts:panic"), second).status_code == 200
    assert len(_panic_alerts(team)) == 1


def _other_browser(fields: dict[str, str]) -> tuple[Client, dict[str, str]]:
    """Another browser, given the page's token (a copy of a cached page, or of the token):
    it has its own form-check cookie, from the sign-in page."""
    client = Client(enforce_csrf_checks=True)
    login = client.get("/accounts/login/").content.decode()
    csrf = _field(login, "csrfmiddlewaretoken")
    return client, {"csrfmiddlewaretoken": csrf, "panic_token": fields["panic_token"]}


def test_a_token_copied_to_another_browser_raises_nothing(team):
    """Whoever copies the token (from a seized phone's page, or a cached copy) cannot raise
    the alert from another browser, nor from the same one without its cookie; every press
    is refused as a bad token is, and again after each acknowledgement."""
    client = _strict(team.rosa)
    fields = _open_page(client, "alerts:panic")
    _end_sessions()
    other, copied = _other_browser(fields)
    _refused(other, copied, team)
    del client.cookies["aegis_panic"]
    _refused(client, fields, team)


def test_signing_out_ends_the_open_page(team):
    """An explicit sign-out deletes the browser's secret: the page left open raises nothing
    any more, from that browser or any other."""
    client = _strict(team.rosa)
    fields = _open_page(client, "alerts:panic")
    signed_out = client.post(
        "/accounts/logout/", {"csrfmiddlewaretoken": fields["csrfmiddlewaretoken"]}
    )
    assert signed_out.status_code == 302
    deleted = signed_out.cookies["aegis_panic"]
    assert deleted.value == "" and deleted["path"] == "/alerts/panic/"
    _refused(client, fields, team)
    other, copied = _other_browser(fields)
    _refused(other, copied, team)


def test_refused_presses_tell_nothing_of_the_account(team):
    """A token that no longer holds because the account was deactivated, or is no longer a
    defender's, is answered exactly as a forged one: the answer says only that no alert was
    sent. Neither answer is kept in the browser's cache."""
    from aegis.accounts import lifecycle
    from aegis.cases.models import Person

    def answer(fields: dict[str, str], client: Client) -> tuple:
        response = client.post(reverse("alerts:panic"), fields)
        page = client.get(response["Location"]).content.decode()
        page = page.replace(_field(page, "csrfmiddlewaretoken"), "")
        return (
            response.status_code,
            response["Location"],
            "no-store" in response["Cache-Control"],
            sorted(k for k in response.cookies if k != "messages"),
            page,
        )

    client = _strict(team.rosa)
    fields = _open_page(client, "alerts:panic")
    _end_sessions()
    forged = answer({**fields, "panic_token": fields["panic_token"][:-2] + "xx"}, client)
    assert forged[:3] == (302, "/accounts/login/?next=/alerts/panic/", True)
    lifecycle.deactivate(team.rosa.user, actor=team.karim.user)
    assert answer(fields, client) == forged
    lifecycle.reactivate(team.rosa.user, actor=team.karim.user)
    client = _strict(team.rosa)
    fields = _open_page(client, "alerts:panic")
    _end_sessions()
    Person.objects.filter(pk=team.person.pk).update(account=None)
    assert answer(fields, client) == forged
    assert _panic_alerts(team) == []


def test_the_panic_page_and_its_answers_are_not_cached(team):
    client = _strict(team.rosa)
    page = client.get(reverse("alerts:panic"))
    assert "no-store" in page["Cache-Control"]
    fields = _open_page(client, "alerts:panic")
    _end_sessions()
    sent = client.post(reverse("alerts:panic"), fields)
    assert sent.status_code == 200 and "no-store" in sent["Cache-Control"]


def test_a_deactivated_account_or_a_new_password_ends_the_open_page(team):
    from aegis.accounts import lifecycle

    client = _strict(team.rosa)
    fields = _open_page(client, "alerts:panic")
    user = team.rosa.user
    lifecycle.deactivate(user, actor=team.karim.user)  # ends the session too
    _refused(client, fields, team)
    lifecycle.reactivate(user, actor=team.karim.user)
    client = _strict(team.rosa)
    fields = _open_page(client, "alerts:panic")
    _end_sessions()
    user.set_password("a new password of some length")
    user.save(update_fields=["password"])
    _refused(client, fields, team)


def test_a_refused_form_check_says_the_alert_was_not_sent(team):
    """Without the cookie the form came with (a restarted browser), the form check refuses
    the press before any view: its page says no alert was sent, and how to send one."""
    client = _strict(team.rosa)
    fields = _open_page(client, "alerts:panic")
    _end_sessions()
    del client.cookies["csrftoken"]
    response = client.post(reverse("alerts:panic"), fields)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your alert was NOT sent" in page and 'href="/alerts/panic/"' in page
    assert _panic_alerts(team) == []


def test_a_check_in_after_the_session_ended_is_not_recorded_whatever_the_word(team):
    """A check-in says the defender is fine, so no token records one: a page left open on a
    seized phone must not say so. A duress word is answered exactly as any other word."""
    from aegis.alerts.models import Alert, CheckIn
    from aegis.safety import selectors as safety_selectors
    from aegis.safety import services as safety

    with unlocked(team.lucia.keychain()):
        draft = safety_selectors.draft_of(safety_selectors.current_version(team.person))
        draft.duress_word = "Girasol"
        safety.save_plan(team.person, draft, actor_id=team.lucia.user.pk)
    answers = []
    for word in ("", "Girasol"):
        client = _strict(team.rosa)
        fields = _open_page(client, "alerts:checkin")
        _end_sessions()
        response = client.post(reverse("alerts:checkin"), {**fields, "word": word})
        assert response["Location"] == "/accounts/login/?next=/alerts/check-in/"
        page = client.get(response["Location"]).content.decode()
        assert NOT_RECORDED in page
        answers.append((response.status_code, response["Location"], NOT_RECORDED in page))
    assert answers[0] == answers[1]
    assert not CheckIn.objects.exists() and not Alert.objects.exists()


def test_signed_out_visits_are_sent_to_sign_in_as_before(team):
    """Opening the pages signed out (no form sent) says nothing about an alert."""
    for name in ("alerts:panic", "alerts:checkin"):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={reverse(name)}"
        page = Client().get(response["Location"]).content.decode()
        assert NOT_SENT not in page and NOT_RECORDED not in page


def test_a_defender_asked_for_a_new_password_still_reaches_the_panic_button(team):
    """An administrator's "require a password change" holds every other page until it is
    done; the panic button does not wait on a form, signed in or from a page left open."""
    client = sign_in(Client(), team.rosa)
    type(team.rosa.user).objects.filter(pk=team.rosa.user.pk).update(must_change_password=True)
    assert client.get(reverse("alerts:checkin"))["Location"] == reverse("accounts:password")
    assert client.get(reverse("alerts:panic")).status_code == 200
    sent = client.post(reverse("alerts:panic"), _open_page(client, "alerts:panic"))
    assert sent["Location"].startswith(reverse("alerts:panic")) and len(_panic_alerts(team)) == 1
    assert client.get(sent["Location"]).status_code == 200
    # And from the page left open past the session's end.
    client = _strict(team.rosa)
    fields = _open_page(client, "alerts:panic")
    _end_sessions()
    assert client.post(reverse("alerts:panic"), fields).status_code == 200
    assert len(_panic_alerts(team)) == 1  # the same alert, pressed again within its window


def test_a_press_whose_redirect_never_came_leaves_the_button_for_next_time(team):
    """The neutral page answers the press's redirect only: a phone locked at once, and the
    page opened again later, shows the button, not "received" over nothing new."""
    import datetime

    from aegis import clock

    client = sign_in(Client(), team.rosa)
    start = datetime.datetime(2026, 3, 2, 3, 0, tzinfo=datetime.UTC)
    with clock.frozen(start):
        pressed = client.post(reverse("alerts:panic"))
        assert pressed["Location"] == reverse("alerts:panic")
        clock.advance(datetime.timedelta(minutes=1))
        later = client.get(reverse("alerts:panic")).content.decode()
    assert "Your request has been received." not in later and "<button" in later
