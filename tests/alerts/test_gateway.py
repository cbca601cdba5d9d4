"""The SMS gateway's webhooks, posted to with the real test client as a gateway would: an
SMS keyword (panic, or the defender's duress word) from a defender's phone, and delivery
reports naming a sent message by the signed reference it carried (taken from what the
loopback gateway received)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from aegis import clock
from aegis.alerts import sending, services
from aegis.alerts.models import Alert, Delivery
from aegis.alerts.policies import StepInput, save_case_policy
from aegis.alerts.vocabulary import AlertKind, DeliveryError, DeliveryState
from aegis.cases import services as cases
from aegis.cases.models import Case
from aegis.roles import Role
from aegis.safety import selectors as safety_selectors
from aegis.safety import services as safety
from aegis.vault import service_keys
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked
from tests.conftest import api_client

from .conftest import CONTACT_EMAIL, CONTACT_PHONE, SECOND_PHONE

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
SECRET = "gateway-shared-secret-0123456789"
ROSA_PHONE = "+254711000111"
INBOUND = "/api/v1/alerts/gateway/inbound"
REPORT = "/api/v1/alerts/gateway/report"
NEUTRAL = {"received": True}


def gateway_client(secret: str = SECRET) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post(client: Client, url: str, payload: dict):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


@pytest.fixture
def gateway(team, organisation, settings):
    """The webhook secret set, Rosa's phone on her file, and the search key sealed to the
    alert service (a key ceremony with the recovery key), so the number can be looked up."""
    settings.AEGIS_SMS_WEBHOOK_SECRET = SECRET
    settings.VAULT_PHONE_REGION = "KE"  # "0711 000 111" on file is +254711000111
    keypair = service_keys.service_keypair()
    assert keypair is not None
    with unlocked(vault.recovery_keychain(organisation)):
        vault.grant(vault.index_key_id(), keypair)  # type: ignore[arg-type]
    with unlocked(team.lucia.keychain()):
        cases.update_person(
            team.person, actor_id=team.lucia.user.pk, reason="New phone", phone="0711 000 111"
        )
        draft = safety_selectors.draft_of(safety_selectors.current_version(team.person))
        draft.duress_word = "Girasol"
        safety.save_plan(team.person, draft, actor_id=team.lucia.user.pk)
    return team


# --- Inbound SMS --------------------------------------------------------------------------


def test_the_panic_keyword_from_a_defenders_phone_raises_a_panic(gateway, smtp, sms):
    with clock.frozen(START):
        response = post(gateway_client(), INBOUND, {"from": ROSA_PHONE, "text": " help! "})
        assert response.status_code == 200 and response.json() == NEUTRAL
        assert sending.deliver_due() == 3
    [alert] = Alert.objects.all()
    assert alert.kind == AlertKind.PANIC and alert.person == gateway.person
    assert alert.triggered_at == START and alert.triggered_by is None
    assert sorted(a for m in smtp.received for a in m.to) == sorted(
        ["thandi@example.org", CONTACT_EMAIL]
    )
    assert [m["to"] for m in sms.received] == [SECOND_PHONE]


def test_every_inbound_message_gets_the_same_answer(gateway, caplog):
    caplog.set_level(logging.DEBUG)
    client = gateway_client()
    answers = [
        post(client, INBOUND, {"from": "+254799999999", "text": "HELP"}),  # nobody's number
        post(client, INBOUND, {"from": ROSA_PHONE, "text": "hello, how are you"}),  # no keyword
        post(client, INBOUND, {"from": ROSA_PHONE, "text": ""}),
    ]
    assert [(a.status_code, a.json()) for a in answers] == [(200, NEUTRAL)] * 3
    assert not Alert.objects.exists()
    assert post(client, INBOUND, {"from": ROSA_PHONE, "text": "HELP"}).json() == NEUTRAL
    assert Alert.objects.count() == 1
    # The numbers are never written to the log, in any form.
    for digits in ("799999999", "711000111"):
        assert digits not in caplog.text


def test_the_duress_word_by_sms_raises_a_duress_alert(gateway):
    response = post(gateway_client(), INBOUND, {"from": "+254 711 000 111", "text": "girasol"})
    assert response.json() == NEUTRAL
    assert list(Alert.objects.values_list("kind", flat=True)) == [AlertKind.DURESS]


def test_the_same_message_sent_again_raises_one_alert(gateway):
    message = {"from": ROSA_PHONE, "text": "HELP", "id": "gw-msg-881"}
    with clock.frozen(START):
        for _ in range(3):
            assert post(gateway_client(), INBOUND, message).json() == NEUTRAL
    assert Alert.objects.count() == 1
    # Texted again while that alert is open and recent: as a second press of the button, the
    # same alert (its ladder is already reaching people); 15 minutes on, a new one.
    with clock.frozen(START + timedelta(minutes=10)):
        post(gateway_client(), INBOUND, {**message, "id": "gw-msg-882"})
    assert Alert.objects.count() == 1
    with clock.frozen(START + timedelta(minutes=16)):
        post(gateway_client(), INBOUND, {**message, "id": "gw-msg-883"})
    assert Alert.objects.count() == 2
    # The duress word is never folded into an open panic: it says more than "help".
    with clock.frozen(START + timedelta(minutes=17)):
        post(gateway_client(), INBOUND, {**message, "text": "Girasol", "id": "gw-msg-884"})
    assert Alert.objects.filter(kind=AlertKind.DURESS).count() == 1


def test_the_panic_keyword_is_a_setting(gateway, settings):
    settings.AEGIS_SMS_PANIC_KEYWORD = "Msaada"
    post(gateway_client(), INBOUND, {"from": ROSA_PHONE, "text": "HELP"})
    assert not Alert.objects.exists()
    post(gateway_client(), INBOUND, {"from": ROSA_PHONE, "text": "MSAADA"})
    assert Alert.objects.get().kind == AlertKind.PANIC


def test_without_the_search_key_nothing_is_raised_and_the_answer_is_the_same(
    team, settings, caplog
):
    settings.AEGIS_SMS_WEBHOOK_SECRET = SECRET
    response = post(gateway_client(), INBOUND, {"from": ROSA_PHONE, "text": "HELP"})
    assert (response.status_code, response.json()) == (200, NEUTRAL)
    assert not Alert.objects.exists()
    assert "does not hold the search key" in caplog.text


# --- Who may post -------------------------------------------------------------------------


def test_only_the_gateway_secret_is_accepted(gateway, make_person):
    message = {"from": ROSA_PHONE, "text": "HELP"}
    without = post(Client(), INBOUND, message)
    # The gateway's secret is asked for, not a person's token (which it had been told to make).
    assert without.status_code == 401 and "AEGIS_SMS_WEBHOOK_SECRET" in without.json()["detail"]
    assert post(gateway_client("not-the-secret"), INBOUND, message).status_code == 403
    assert post(gateway_client(SECRET[:-1]), INBOUND, message).status_code == 403
    # A signed-in person's API token is not the gateway's secret, whatever their role.
    for role in (Role.DEFENDER, Role.RESPONDER, Role.ADMIN):
        assert post(api_client(make_person(role)), INBOUND, message).status_code == 403
    assert post(gateway_client(), REPORT, {"ref": "x", "status": "delivered"}).status_code == 404
    assert post(Client(), REPORT, {"ref": "x", "status": "delivered"}).status_code == 401
    assert not Alert.objects.exists()


def test_an_empty_secret_setting_refuses_everything(gateway, settings):
    settings.AEGIS_SMS_WEBHOOK_SECRET = ""
    for secret in (SECRET, "", " "):
        response = post(gateway_client(secret), INBOUND, {"from": ROSA_PHONE, "text": "HELP"})
        assert response.status_code in (401, 403)
    assert (
        post(gateway_client(SECRET), INBOUND, {"from": ROSA_PHONE, "text": "HELP"}).status_code
        == 403
    )
    assert not Alert.objects.exists()


def test_malformed_messages_are_refused_plainly(gateway):
    client = gateway_client()
    assert post(client, INBOUND, {"text": "HELP"}).status_code == 422
    assert post(client, INBOUND, {"from": ROSA_PHONE, "text": "x" * 1601}).status_code == 422
    assert client.post(INBOUND, data="not json", content_type="application/json").status_code in (
        400,
        422,
    )
    assert not Alert.objects.exists()


# --- Delivery reports ---------------------------------------------------------------------


def fresh(item: Delivery) -> Delivery:
    """The row as stored now, without reading its encrypted address."""
    return Delivery.objects.only("state", "delivered_at", "last_error").get(pk=item.pk)


def sent_sms(team, sms) -> tuple[Delivery, str]:
    """Raise a panic, send it, and return the SMS delivery with the ref its message carried."""
    services.raise_alert(team.person, AlertKind.PANIC, actor_id=team.rosa.user.pk)
    sending.deliver_due()
    [message] = sms.to(SECOND_PHONE)
    return Delivery.objects.get(channel="sms", state=DeliveryState.SENT), message["ref"]


def test_delivered_moves_a_sent_sms_to_delivered(gateway, smtp, sms):
    with clock.frozen(START):
        item, ref = sent_sms(gateway, sms)
        clock.advance(timedelta(seconds=7))
        response = post(gateway_client(), REPORT, {"ref": ref, "status": "delivered"})
        assert (response.status_code, response.json()) == (200, NEUTRAL)
    item = fresh(item)
    assert item.state == DeliveryState.DELIVERED
    assert item.delivered_at == START + timedelta(seconds=7)
    # Reports of intermediate states, or a late "failed", never move it back.
    for status in ("sent", "queued", "failed", "FAILED"):
        assert post(gateway_client(), REPORT, {"ref": ref, "status": status}).status_code == 200
    item = fresh(item)
    assert item.state == DeliveryState.DELIVERED


def test_an_acknowledged_delivery_stays_acknowledged(gateway, smtp, sms):
    with clock.frozen(START):
        item, ref = sent_sms(gateway, sms)
        services.acknowledge(item.pk)
        clock.advance(timedelta(minutes=1))
        post(gateway_client(), REPORT, {"ref": ref, "status": "delivered"})
        post(gateway_client(), REPORT, {"ref": ref, "status": "failed"})
    item = fresh(item)
    assert item.state == DeliveryState.ACKNOWLEDGED
    assert item.delivered_at == START + timedelta(minutes=1)


def test_a_failed_report_falls_back_to_the_next_channel(gateway, smtp, sms):
    case = Case.objects.get(person=gateway.person)
    save_case_policy(
        case,
        [StepInput(1, 10, ["contacts"], ["sms", "email"])],
        actor=gateway.karim.user,
    )
    with clock.frozen(START):
        services.raise_alert(gateway.person, AlertKind.PANIC)
        assert sending.deliver_due() == 2  # an SMS to each contact
        [message] = sms.to(CONTACT_PHONE)
        response = post(gateway_client(), REPORT, {"ref": message["ref"], "status": "failed"})
        assert response.status_code == 200
        assert sending.deliver_due() == 1
    failed = Delivery.objects.get(channel="sms", contact_index=1)
    assert failed.state == DeliveryState.FAILED
    assert failed.last_error == DeliveryError.CHANNEL_REFUSED
    assert [m.to for m in smtp.received] == [[CONTACT_EMAIL]]
    assert Delivery.objects.get(channel="email").state == DeliveryState.SENT


def test_a_tampered_or_foreign_reference_changes_nothing(gateway, smtp, sms):
    from aegis.alerts.delivery import ack_token

    item, ref = sent_sms(gateway, sms)
    for bad in (ref[:-2] + "xx", ack_token(item), "", "1"):
        response = post(gateway_client(), REPORT, {"ref": bad, "status": "delivered"})
        assert response.status_code == 404, bad
    item = fresh(item)
    assert item.state == DeliveryState.SENT and item.delivered_at is None


def test_a_secret_too_short_to_be_unguessable_refuses_everything(gateway, settings):
    """The webhook cannot slow a guesser (its one caller cannot be told from one without the
    caller's address, never kept), so a short secret closes it, in words, even when sent."""
    short = SECRET[:31]
    settings.AEGIS_SMS_WEBHOOK_SECRET = short
    response = post(gateway_client(short), INBOUND, {"from": ROSA_PHONE, "text": "HELP"})
    assert response.status_code == 403
    assert "shorter than 32 characters" in response.json()["detail"]
    assert not Alert.objects.exists()
    settings.AEGIS_SMS_WEBHOOK_SECRET = SECRET
    response = post(gateway_client(), INBOUND, {"from": ROSA_PHONE, "text": "HELP"})
    assert (response.status_code, response.json()) == (200, NEUTRAL)


def test_a_short_secret_is_said_wherever_django_checks_run(settings):
    """Not only by `aegis serve`: migrate, the worker and `aegis check` say it too."""
    from django.core import checks

    settings.AEGIS_SMS_WEBHOOK_SECRET = "short"
    assert "aegis.alerts.W001" in [m.id for m in checks.run_checks()]
    settings.AEGIS_SMS_WEBHOOK_SECRET = SECRET
    assert "aegis.alerts.W001" not in [m.id for m in checks.run_checks()]
