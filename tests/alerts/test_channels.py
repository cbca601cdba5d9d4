"""Signal, Matrix, ntfy and webhooks through apprise, each against a loopback HTTP server
standing in for the service: the neutral message with its acknowledgement link arrives
(marked [DRILL] for a drill), a refusing service gives CHANNEL_REFUSED, and a channel
without its settings gives NOT_CONFIGURED."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from django.test import Client

from aegis import clock
from aegis.alerts import sending, services
from aegis.alerts.models import Alert, Delivery
from aegis.alerts.vocabulary import AlertKind, AlertStatus, Channel, DeliveryError, DeliveryState
from aegis.safety import services as safety
from aegis.safety.drafts import ContactDraft, PlanDraft
from aegis.vault.keychain import unlocked

from .conftest import ACK_LINK, SECOND_PHONE
from .standins import Answer, Request, StandIn, StandIns, Step, case_policy, partner

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
NEUTRAL = "Aegis: someone you support needs you. Open: "
SIGNAL_FROM = "+15550001111"
CONTACT_SIGNAL = "+254711000222"


@pytest.fixture
def stand_in() -> Iterator[Callable[[Answer], StandIn]]:
    with StandIns() as start:
        yield start


def _check_message(text: str, team: Any, *, drill: bool) -> str:
    """The text is neutral, marked exactly when it is a drill; returns its ack path."""
    assert NEUTRAL in text, text
    assert ("[DRILL]" in text) is drill, text
    for secret in (team.person.pseudonym, "Legal Name", "Achieng", "Peter", "Amina"):
        assert secret not in text
    match = ACK_LINK.search(text)
    assert match, text
    return f"/ack/{match.group(1)}/"


def _acknowledge(path: str, alert: Alert) -> Delivery:
    with clock.frozen(START):  # while the alert's link is open (it ends with the alert)
        assert Client().post(path).status_code == 200
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    return alert.deliveries.get(state=DeliveryState.ACKNOWLEDGED)


def _raise(team: Any, *, drill: bool = False) -> Alert:
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC, is_drill=drill)
        sending.deliver_due()
    return alert


def _partner_ladder(team: Any, channel: str, address: str) -> None:
    desk = partner("Regional protection desk", channel, address)
    case_policy(team.person, Step(10, "partners", partners=(desk,)))


# --- Signal ---------------------------------------------------------------------------------


def _signal_contacts(team: Any) -> None:
    """A new plan version whose first contact is on Signal; the second has a phone only."""
    draft = PlanDraft(
        language="en",
        contacts=[
            ContactDraft(name="Amina Yusuf", signal=CONTACT_SIGNAL),
            ContactDraft(name="Peter Mwangi", phone=SECOND_PHONE),
        ],
    )
    with unlocked(team.lucia.keychain()):
        safety.save_plan(team.person, draft, actor_id=team.lucia.user.pk)
    case_policy(team.person, Step(10, "contacts", channels="signal,sms"))


def _signal_server(stand_in: Any, settings: Any, status: int = 201) -> Any:
    server = stand_in(lambda r: (status, {"timestamp": "1"}) if r.path == "/v2/send" else (404, {}))
    settings.AEGIS_SIGNAL_REST_URL = server.url
    settings.AEGIS_SIGNAL_FROM = SIGNAL_FROM
    return server


@pytest.mark.parametrize("drill", [False, True], ids=["real", "drill"])
def test_signal_reaches_a_contact_through_the_rest_server(team, sms, stand_in, settings, drill):
    server = _signal_server(stand_in, settings)
    _signal_contacts(team)
    alert = _raise(team, drill=drill)
    [sent] = server.posted("/v2/send")
    assert sent["number"] == SIGNAL_FROM and sent["recipients"] == [CONTACT_SIGNAL]
    path = _check_message(sent["message"], team, drill=drill)
    [text] = [m["message"] for m in sms.to(SECOND_PHONE)]
    _check_message(text, team, drill=drill)
    acked = _acknowledge(path, alert)
    assert acked.channel == Channel.SIGNAL and acked.contact_index == 1


def test_a_refusing_signal_server_falls_back_to_the_next_channel(team, sms, stand_in, settings):
    server = _signal_server(stand_in, settings, status=400)
    draft = PlanDraft(
        language="en",
        contacts=[ContactDraft(name="Amina Yusuf", signal=CONTACT_SIGNAL, phone=SECOND_PHONE)],
    )
    with unlocked(team.lucia.keychain()):
        safety.save_plan(team.person, draft, actor_id=team.lucia.user.pk)
    case_policy(team.person, Step(10, "contacts", channels="signal,sms"))
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        assert sending.deliver_due() == 0
        signal = alert.deliveries.get(channel=Channel.SIGNAL)
        assert (signal.state, signal.last_error) == (
            DeliveryState.QUEUED,
            DeliveryError.CHANNEL_REFUSED,
        )
        for seconds in (30, 60):
            clock.advance(timedelta(seconds=seconds))
            sending.deliver_due()
    signal = alert.deliveries.get(channel=Channel.SIGNAL)
    assert (signal.state, signal.attempts) == (DeliveryState.FAILED, 3)
    assert len(server.posted("/v2/send")) == 3
    fallback = alert.deliveries.get(channel=Channel.SMS)
    assert fallback.state == DeliveryState.SENT and len(sms.to(SECOND_PHONE)) == 1


# --- Matrix ---------------------------------------------------------------------------------

MATRIX = "/_matrix/client/v3"
ROOM = "!desk:example.org"


def _homeserver(request: Request) -> tuple[int, Any]:
    """Just enough of the client-server API: password login, join, send, logout."""
    path = request.path.split("?")[0]
    if path == f"{MATRIX}/login":
        body = request.json()
        if body["identifier"]["user"] == "aegis" and body["password"] == "s3cret word":
            return 200, {"access_token": "t0ken", "user_id": "@aegis:example.org"}
        return 403, {"errcode": "M_FORBIDDEN", "error": "Invalid password"}
    if request.headers.get("Authorization") != "Bearer t0ken":
        return 401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Unknown token"}
    if path == f"{MATRIX}/account/whoami":
        return 200, {"user_id": "@aegis:example.org"}
    if path.startswith(f"{MATRIX}/join/"):
        return 200, {"room_id": unquote(path.rsplit("/", 1)[1])}
    if path.startswith(f"{MATRIX}/rooms/") and "/send/m.room.message/" in path:
        return 200, {"event_id": "$event"}
    if path == f"{MATRIX}/logout":
        return 200, {}
    return 404, {"errcode": "M_NOT_FOUND", "error": "Not found"}


def _room_messages(server: Any) -> list[dict[str, Any]]:
    prefix = f"{MATRIX}/rooms/{ROOM.replace('!', '%21').replace(':', '%3A')}/send/m.room.message/"
    return [r.json() for r in server.received if r.method == "PUT" and r.path.startswith(prefix)]


@pytest.mark.parametrize(
    ("login", "drill"),
    [("aegis:s3cret%20word", False), ("t0ken", True)],
    ids=["password-login", "access-token-drill"],
)
def test_matrix_posts_into_the_partners_room(team, stand_in, settings, login, drill):
    server = stand_in(_homeserver)
    settings.AEGIS_MATRIX_URL = f"http://{login}@127.0.0.1:{server.port}"
    _partner_ladder(team, Channel.MATRIX, ROOM)
    alert = _raise(team, drill=drill)
    joins = [r.path for r in server.received if r.path.startswith(f"{MATRIX}/join/")]
    assert [unquote(p) for p in joins] == [f"{MATRIX}/join/{ROOM}"]
    [event] = _room_messages(server)
    assert event["msgtype"] == "m.text"
    acked = _acknowledge(_check_message(event["body"], team, drill=drill), alert)
    assert acked.channel == Channel.MATRIX and acked.partner is not None


def test_a_homeserver_refusing_the_login_gives_channel_refused(team, stand_in, settings):
    server = stand_in(_homeserver)
    settings.AEGIS_MATRIX_URL = f"http://aegis:wrong@127.0.0.1:{server.port}"
    _partner_ladder(team, Channel.MATRIX, ROOM)
    alert = _raise(team)
    assert not _room_messages(server)
    [item] = alert.deliveries.all()
    assert (item.state, item.last_error) == (DeliveryState.QUEUED, DeliveryError.CHANNEL_REFUSED)


# --- ntfy -----------------------------------------------------------------------------------

TOPIC = "aegis-desk-7f3a9c"


@pytest.mark.parametrize("drill", [False, True], ids=["real", "drill"])
def test_ntfy_publishes_to_the_partners_topic(team, stand_in, settings, drill):
    server = stand_in(lambda r: (200, {"id": "m1", "topic": TOPIC}))
    settings.AEGIS_NTFY_URL = server.url
    _partner_ladder(team, Channel.NTFY, TOPIC)
    alert = _raise(team, drill=drill)
    [published] = server.posted("/")
    assert published["topic"] == TOPIC
    assert published["title"] == ("[DRILL] Aegis alert" if drill else "Aegis alert")
    acked = _acknowledge(_check_message(published["message"], team, drill=drill), alert)
    assert acked.channel == Channel.NTFY


def test_an_ntfy_topic_on_another_server_is_reached_at_its_own_address(team, stand_in, settings):
    server = stand_in(lambda r: (200, {"id": "m1", "topic": TOPIC}))
    settings.AEGIS_NTFY_URL = ""
    _partner_ladder(team, Channel.NTFY, f"{server.url}/{TOPIC}")
    alert = _raise(team)
    [published] = server.posted("/")
    assert published["topic"] == TOPIC
    _check_message(published["message"], team, drill=False)
    assert alert.deliveries.get().state == DeliveryState.SENT


def test_a_refusing_ntfy_server_gives_channel_refused(team, stand_in, settings):
    server = stand_in(lambda r: (403, {"code": 40301, "error": "forbidden"}))
    settings.AEGIS_NTFY_URL = server.url
    _partner_ladder(team, Channel.NTFY, TOPIC)
    alert = _raise(team)
    assert len(server.received) == 1
    [item] = alert.deliveries.all()
    assert item.last_error == DeliveryError.CHANNEL_REFUSED and item.sent_at is None


# --- Webhooks -------------------------------------------------------------------------------


@pytest.mark.parametrize("drill", [False, True], ids=["real", "drill"])
def test_a_webhook_receives_json_at_the_partners_own_address(team, stand_in, drill):
    server = stand_in(lambda r: (200, {"ok": True}))
    _partner_ladder(team, Channel.WEBHOOK, f"{server.url}/hooks/aegis?key=k-19&team=east")
    alert = _raise(team, drill=drill)
    [request] = server.received
    assert request.method == "POST"
    assert request.path == "/hooks/aegis?key=k-19&team=east", "the partner's query is kept"
    body = request.json()
    assert body["title"] == ("[DRILL] Aegis alert" if drill else "Aegis alert")
    acked = _acknowledge(_check_message(body["message"], team, drill=drill), alert)
    assert acked.channel == Channel.WEBHOOK


def test_a_refusing_webhook_gives_channel_refused(team, stand_in):
    server = stand_in(lambda r: (500, {"error": "down"}))
    _partner_ladder(team, Channel.WEBHOOK, f"{server.url}/hooks/aegis")
    alert = _raise(team)
    assert len(server.received) == 1
    [item] = alert.deliveries.all()
    assert (item.state, item.last_error) == (DeliveryState.QUEUED, DeliveryError.CHANNEL_REFUSED)


# --- Not configured -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "address", "setting", "value", "error"),
    [
        (Channel.SIGNAL, "+254700999888", "AEGIS_SIGNAL_REST_URL", "", "not_configured"),
        (Channel.MATRIX, ROOM, "AEGIS_MATRIX_URL", "http://127.0.0.1:9", "not_configured"),
        (Channel.NTFY, TOPIC, "AEGIS_NTFY_URL", "", "not_configured"),
        (Channel.WEBHOOK, "not a web address", "AEGIS_NTFY_URL", "", "no_address"),
    ],
    ids=["signal", "matrix-without-credentials", "ntfy", "webhook-not-a-url"],
)
def test_a_channel_without_its_settings_is_not_configured(
    team, settings, channel, address, setting, value, error
):
    settings.AEGIS_SIGNAL_FROM = SIGNAL_FROM
    setattr(settings, setting, value)
    _partner_ladder(team, channel, address)
    alert = _raise(team)
    [item] = alert.deliveries.all()
    # It will not mend by retrying: failed at once (a partner has no next channel).
    assert (item.state, item.last_error, item.attempts) == (DeliveryState.FAILED, error, 1)
