"""Acceptance: a fan-out of 200 alerts during which the real worker (`aegis worker`, a
subprocess) is killed with SIGKILL at random moments, at least 20 times. Every recipient
receives every step at least once; a step arrives twice only where its delivery was in
flight (claimed, its channel's answer not yet recorded) when a kill came, and the test
counts and reports those duplicates, which the alert pages count too (Delivery.retaken).

A real SMTP server (aiosmtpd) and the loopback SMS gateway run in this process. The moments
are drawn by a seeded random: the worker is killed once a drawn number of new messages has
arrived since it started, after a drawn pause of up to 30 ms."""

from __future__ import annotations

import random
import time
from collections import Counter

import pytest

from aegis.alerts import delivery as channels
from aegis.alerts import sending, services
from aegis.alerts.models import Delivery
from aegis.alerts.vocabulary import AlertKind, DeliveryState

from .conftest import ACK_LINK
from .worker_process import WorkerProcess, wait_for

ALERTS = 200
KILLS = 20
SEED = 20260302
LEASE_SECONDS = 2.0


def _received(smtp, sms) -> list[int]:
    """The delivery each received message names (by its signed acknowledgement link)."""
    texts = [mail.text for mail in list(smtp.received)]
    texts += [message["message"] for message in list(sms.received)]
    found = []
    for text in texts:
        match = ACK_LINK.search(text)
        assert match, text
        delivery_id = channels.delivery_id_of(match.group(1))
        assert delivery_id is not None
        found.append(delivery_id)
    return found


def _unfinished() -> int:
    return Delivery.objects.filter(state__in=[DeliveryState.QUEUED, DeliveryState.SENDING]).count()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sigkill_during_a_fan_out_loses_no_step(team, smtp, sms, tmp_path):
    for _ in range(ALERTS):
        services.raise_alert(team.person, AlertKind.PANIC)
    steps = {d.pk: (d.alert_id, d.level, d.recipient) for d in Delivery.objects.all()}
    assert len(steps) == ALERTS * 3  # the responder, an email contact, a phone contact
    rng = random.Random(SEED)
    worker = WorkerProcess(
        tmp_path,
        AEGIS_ALERT_SEND_LEASE_SECONDS=LEASE_SECONDS,
        AEGIS_ALERT_SEND_INTERVAL=0.05,
    )
    in_flight_at_kill: set[int] = set()
    kills = 0
    started = time.monotonic()
    try:
        while kills < KILLS:
            count = len(smtp.received) + len(sms.received)
            target = count + rng.randint(1, 12)
            worker.start()
            wait_for(
                lambda: len(smtp.received) + len(sms.received) >= target or not worker.alive(),
                timeout=120,
                what=f"messages to arrive before kill {kills + 1}",
            )
            assert worker.alive(), worker.output()
            time.sleep(rng.uniform(0, 0.03))
            worker.kill()
            kills += 1
            in_flight_at_kill |= set(
                Delivery.objects.filter(state=DeliveryState.SENDING).values_list("pk", flat=True)
            )
            assert _unfinished(), f"the fan-out ended before kill {kills}: draw less per life"
        worker.start()
        wait_for(lambda: not _unfinished(), timeout=300, what="the fan-out to finish")
        assert worker.stop() == 0, worker.output()
    finally:
        worker.kill()
    seconds = time.monotonic() - started

    received = Counter(_received(smtp, sms))
    by_step = Counter()
    for delivery_id, times in received.items():
        by_step[steps[delivery_id]] += times
    duplicated = {pk: n - 1 for pk, n in received.items() if n > 1}
    duplicates = sum(duplicated.values())
    bound = kills * sending.max_in_flight()
    # What the alert pages show: each delivery taken back from a killed worker is counted.
    retaken = sum(Delivery.objects.values_list("retaken", flat=True))
    report = (
        f"{ALERTS} alerts, {len(steps)} steps, {kills} SIGKILLs in {seconds:.1f} s: "
        f"{sum(received.values())} messages received, {len(in_flight_at_kill)} deliveries "
        f"were in flight at a kill, {duplicates} duplicate(s) "
        f"(on {len(duplicated)} deliveries; bound {bound} = kills x {sending.max_in_flight()}), "
        f"{retaken} counted as taken back"
    )
    print("\n" + report)
    missing = [step for step in steps.values() if by_step[step] < 1]
    assert not missing, f"{report}; steps never received: {missing[:5]}"
    assert not set(received) - set(steps), report
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}, report
    assert set(duplicated) <= in_flight_at_kill, (
        f"{report}; duplicated without a kill in flight: {set(duplicated) - in_flight_at_kill}"
    )
    assert duplicates <= bound, report
    assert duplicates <= retaken <= bound, report
    for pk, extra in duplicated.items():
        assert Delivery.objects.get(pk=pk).retaken >= extra, report
