"""The send lease: a worker renews it while a slow channel answers, so no other worker takes
the message meanwhile; a killed worker's sends are taken up by another within seconds (the
lease, AEGIS_ALERT_SEND_LEASE_SECONDS, default 10 s, read from the environment), and each
message that may have arrived twice that way is counted and shown on the alert's page and
on the console."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from aegis import clock
from aegis.alerts import sending, services
from aegis.alerts.models import Delivery
from aegis.alerts.vocabulary import AlertKind, DeliveryState
from tests.conftest import sign_in
from tests.test_cli import aegis

from .conftest import SECOND_PHONE
from .worker_process import WorkerProcess, wait_for

START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


class SlowGateway:
    """An SMS gateway that takes each message, then answers only once `answer` is set."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answer = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                gateway.received.append(json.loads(self.rfile.read(length)))
                gateway.answer.wait(120)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def close(self) -> None:
        self.answer.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow_sms(settings):
    gateway = SlowGateway()
    settings.AEGIS_SMS_GATEWAY_URL = gateway.url
    yield gateway
    gateway.close()


def test_the_lease_comes_from_the_environment(tmp_path):
    show = ("shell", "-c", "from aegis.alerts import sending; print(sending.lease().seconds)")
    given = aegis(tmp_path, *show, extra_env={"AEGIS_ALERT_SEND_LEASE_SECONDS": "4"})
    assert given.returncode == 0, given.stderr
    assert given.stdout.strip().splitlines()[-1] == "4"
    assert aegis(tmp_path, *show).stdout.strip().splitlines()[-1] == "10"


@pytest.mark.django_db
def test_a_row_taken_back_from_a_dead_worker_is_counted_and_shown(team, smtp, sms):
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        taken = alert.deliveries.get(channel="sms")
        Delivery.objects.filter(pk=taken.pk).update(state=DeliveryState.SENDING, claimed_at=START)
        assert sending.deliver_due() == 2
        clock.advance(timedelta(seconds=9))
        assert sending.deliver_due() == 0, "the default lease (10 s) still holds"
        clock.advance(timedelta(seconds=2))
        assert sending.deliver_due() == 1
    assert Delivery.objects.filter(pk=taken.pk).values_list("state", "retaken").get() == (
        DeliveryState.SENT,
        1,
    )
    assert set(alert.deliveries.exclude(pk=taken.pk).values_list("retaken", flat=True)) == {0}

    responder = sign_in(Client(), team.thandi)
    page = responder.get(reverse("alerts:detail", kwargs={"alert_id": alert.pk})).content.decode()
    assert "1 message may have arrived twice" in page
    assert page.count("may have arrived twice") == 2  # the summary and the delivery's row
    console = responder.get(reverse("alerts:console")).content.decode()
    assert "(1 may have arrived twice)" in console


@pytest.mark.django_db(transaction=True)
def test_a_slow_send_keeps_its_lease_and_no_other_worker_takes_it(team, smtp, slow_sms, settings):
    settings.AEGIS_ALERT_SEND_LEASE_SECONDS = 3
    settings.AEGIS_ALERT_SEND_THREADS = 2
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    row = alert.deliveries.get(channel="sms")
    done: list[int] = []

    def first_worker() -> None:
        try:
            done.append(sending.deliver_due())
        finally:
            connections.close_all()  # this thread's own connection

    first = threading.Thread(target=first_worker, daemon=True)
    first.start()
    try:
        wait_for(lambda: slow_sms.received, timeout=60, what="the SMS to reach the gateway")
        state, claimed = Delivery.objects.filter(pk=row.pk).values_list("state", "claimed_at").get()
        assert state == DeliveryState.SENDING and claimed is not None
        # Polled, never timed: the claim moves forward while the gateway keeps it waiting.
        wait_for(
            lambda: Delivery.objects.get(pk=row.pk).claimed_at > claimed + timedelta(seconds=3),
            timeout=60,
            what="the lease to be renewed past its first end",
        )
        assert sending.deliver_due() == 0, "a second worker finds nothing to take"
    finally:
        slow_sms.answer.set()
        first.join(timeout=60)
    assert done == [3]
    assert Delivery.objects.filter(pk=row.pk).values_list("state", "retaken").get() == (
        DeliveryState.SENT,
        0,
    )
    assert [m["to"] for m in slow_sms.received] == [SECOND_PHONE], "sent once"


@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_send_resumes_within_the_lease_and_is_counted(
    team, smtp, slow_sms, tmp_path
):
    """The real `aegis worker`, with the default lease, killed while the gateway holds its
    SMS; a second worker sends it again once the lease has run out."""
    worker = WorkerProcess(tmp_path, AEGIS_ALERT_SEND_INTERVAL=0.1)
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    row = alert.deliveries.get(channel="sms")
    worker.start()
    try:
        wait_for(
            lambda: (
                slow_sms.received and alert.deliveries.filter(state=DeliveryState.SENT).count() == 2
            ),
            timeout=90,
            what="the first worker to send the emails and hand the SMS to the gateway",
        )
        worker.kill()
        killed = time.monotonic()
        slow_sms.answer.set()  # too late: nobody is left to record the answer
        assert Delivery.objects.get(pk=row.pk).state == DeliveryState.SENDING
        worker.start()
        wait_for(
            lambda: Delivery.objects.get(pk=row.pk).state == DeliveryState.SENT,
            timeout=90,
            what="the second worker to send the SMS again",
        )
        resumed = time.monotonic() - killed
        assert worker.stop() == 0, worker.output()
    finally:
        worker.kill()
    print(f"\nthe killed worker's SMS was sent again {resumed:.1f} s after the kill")
    assert Delivery.objects.filter(pk=row.pk).values_list("retaken", flat=True).get() == 1
    assert [m["to"] for m in slow_sms.received] == [SECOND_PHONE, SECOND_PHONE]
    assert "took back 1 deliveries" in worker.output(), worker.output()
    assert len(smtp.received) == 2, "the emails answered before the kill went once"
    page = sign_in(Client(), team.thandi).get(
        reverse("alerts:detail", kwargs={"alert_id": alert.pk})
    )
    assert "1 message may have arrived twice" in page.content.decode()
