"""The alert loop of `aegis worker` sends and escalates by itself; a claimed row is never
sent by a second worker before its lease ends; and the real `aegis worker` sends a panic
and stops cleanly on SIGTERM."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from aegis import clock
from aegis.alerts import delivery, sending, services, tasks
from aegis.alerts.models import Delivery
from aegis.alerts.vocabulary import AlertKind, AlertStatus, DeliveryState
from aegis.alerts.worker import AlertLoop

from .conftest import ACK_LINK, CONTACT_EMAIL, SECOND_PHONE
from .worker_process import WorkerProcess, wait_for

START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_loop_sends_then_escalates_on_time(team, smtp, sms):
    loop = AlertLoop(send_every=0, rounds_every=0)
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        loop.run(iterations=1)
        assert sorted(a for m in smtp.received for a in m.to) == sorted(
            ["thandi@example.org", CONTACT_EMAIL]
        )
        assert [m["to"] for m in sms.received] == [SECOND_PHONE]

        clock.advance(timedelta(minutes=9, seconds=59))
        loop.run(iterations=2)
        assert not smtp.to("karim@example.org"), "not before the deadline"
        clock.advance(timedelta(seconds=1))
        loop.run(iterations=1)
    alert.refresh_from_db()
    assert alert.level == 2 and alert.status == AlertStatus.OPEN
    assert len(smtp.to("karim@example.org")) == 1
    assert len(smtp.received) == 3 and len(sms.received) == 1, "nothing was sent twice"


@pytest.mark.django_db
def test_the_slower_rounds_wait_for_their_interval(team, smtp, sms):
    calls: list[str] = []
    loop = AlertLoop(
        send_every=0, rounds_every=3600, rounds=[("noted", lambda: calls.append("x") or 1)]
    )
    with clock.frozen(START):
        services.raise_alert(team.person, AlertKind.PANIC)
        loop.run(iterations=3)
    assert calls == ["x"], "the rounds ran once, the sends on every tick"
    assert len(smtp.received) == 2 and len(sms.received) == 1


@pytest.mark.django_db
def test_a_row_claimed_by_a_dead_worker_waits_for_its_lease(team, smtp, sms, settings):
    settings.AEGIS_ALERT_SEND_LEASE_SECONDS = 60
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        # A worker claimed the SMS and died before the gateway answered.
        taken = alert.deliveries.get(channel="sms")
        Delivery.objects.filter(pk=taken.pk).update(state=DeliveryState.SENDING, claimed_at=START)
        assert sending.deliver_due() == 2
        assert sending.deliver_one(taken.pk) == ""
        clock.advance(timedelta(seconds=59))
        assert sending.deliver_due() == 0, "the lease still holds"
        clock.advance(timedelta(seconds=2))
        assert sending.deliver_due() == 1
    assert Delivery.objects.filter(pk=taken.pk).values_list("state", "attempts").get() == (
        DeliveryState.SENT,
        1,
    )
    assert [m["to"] for m in sms.received] == [SECOND_PHONE]


@pytest.mark.django_db
def test_the_queued_task_sends_when_no_loop_runs_here(team, smtp, sms):
    with clock.frozen(START):
        services.raise_alert(team.person, AlertKind.PANIC)
        assert tasks.deliver_due.call() == 3
    assert len(smtp.received) == 2 and len(sms.received) == 1


@pytest.mark.django_db(transaction=True)
def test_workers_side_by_side_send_each_delivery_once(team, smtp, sms, settings):
    settings.AEGIS_ALERT_SEND_THREADS = 3
    for _ in range(15):
        services.raise_alert(team.person, AlertKind.PANIC)
    expected = set(Delivery.objects.values_list("pk", flat=True))
    sent: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def work() -> None:
        from django.db import connections

        try:
            barrier.wait(timeout=30)
            sent.append(sending.deliver_due(limit=4))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(3)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(sent) == len(expected) == 45
    tokens = [ACK_LINK.search(m.text) for m in smtp.received]
    tokens += [ACK_LINK.search(m["message"]) for m in sms.received]
    ids = [delivery.delivery_id_of(t.group(1)) for t in tokens if t]
    assert sorted(ids) == sorted(expected), "every delivery exactly once"
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


@pytest.mark.django_db(transaction=True)
def test_aegis_worker_sends_a_panic_and_stops_on_sigterm(team, smtp, sms, tmp_path):
    worker = WorkerProcess(tmp_path, AEGIS_ALERT_SEND_INTERVAL=0.1)
    worker.start()
    try:
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        wait_for(
            lambda: len(smtp.received) == 2 and len(sms.received) == 1,
            timeout=90,
            what="the worker to send the panic",
        )
        status = worker.stop()
    finally:
        worker.kill()
    assert status == 0, worker.output()
    assert set(alert.deliveries.values_list("state", flat=True)) == {DeliveryState.SENT}
    output = worker.output()
    for secret in (CONTACT_EMAIL, SECOND_PHONE, "thandi@example.org", "127.0.0.1"):
        assert secret not in output


def test_the_loop_raises_missed_check_ins(team, smtp, sms):
    """The dead man's switch is one of the loop's rounds, not only a function tests call."""
    from aegis.alerts.models import Alert
    from aegis.safety import services as safety
    from aegis.safety.drafts import ContactDraft, PlanDraft
    from aegis.vault.keychain import unlocked

    draft = PlanDraft(
        language="en",
        contacts=[ContactDraft(name="Achieng Otieno", email="achieng.contact@example.org")],
        checkin_interval_hours=6,
        checkin_grace_minutes=30,
    )
    with clock.frozen(START):
        with unlocked(team.lucia.keychain()):
            safety.save_plan(team.person, draft, actor_id=team.lucia.user.pk)
        loop = AlertLoop(send_every=0, rounds_every=0)
        loop.tick()
        assert not Alert.objects.exists()
        clock.advance(timedelta(hours=6, minutes=31))
        loop.tick()
    [alert] = Alert.objects.all()
    assert alert.kind == AlertKind.MISSED_CHECKIN
    assert smtp.to("achieng.contact@example.org")


@pytest.mark.django_db
def test_after_a_pass_that_sent_the_loop_looks_again_soon_then_slows_down(
    team, smtp, sms, settings, monkeypatch
):
    """Alerts come in bursts: for BURST_SECONDS after a pass that sent something, the loop
    looks every AEGIS_ALERT_BURST_INTERVAL, then every AEGIS_ALERT_SEND_INTERVAL again."""
    from aegis.alerts import worker

    settings.AEGIS_ALERT_BURST_INTERVAL = 0.02
    loop = AlertLoop(send_every=0.5, rounds_every=3600)
    assert loop.send() == 0
    assert loop.next_pause() == 0.5, "nothing sent: the send interval"
    services.raise_alert(team.person, AlertKind.PANIC)
    assert loop.send() == 3
    assert loop.next_pause() == 0.02
    assert loop.send() == 0
    assert loop.next_pause() == 0.02, "a pass with nothing to send keeps the burst going"
    later = worker.time.monotonic() + worker.BURST_SECONDS + 1
    monkeypatch.setattr(worker.time, "monotonic", lambda: later)
    assert loop.next_pause() == 0.5
    assert AlertLoop(send_every=0.01).burst_every == 0.01, "never slower than the send interval"
