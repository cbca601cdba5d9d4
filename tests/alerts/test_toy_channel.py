"""A channel added in this module alone (a class registered with alerts.channels, writing to
a list) goes the whole way: a partner and a policy step name it, the worker's pass
(sending.deliver_due) sends through it, its delivery reports mark messages delivered or
failed, a refusing send is retried and then falls back to the recipient's next channel, and
the pages show its label."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from django.test import Client

from aegis import clock
from aegis.alerts import channels, policies, reports, sending, services
from aegis.alerts.channels import AddressRefused, AlertChannel, SendResult
from aegis.alerts.models import Alert, Delivery, PartnerOrganisation
from aegis.alerts.policy_forms import PartnerForm, StepForm
from aegis.alerts.vocabulary import AlertKind, DeliveryError, DeliveryState, RecipientKind
from aegis.cases.models import Case
from aegis.rules import RuleError
from tests.conftest import sign_in

from .conftest import ACK_LINK, CONTACT_EMAIL, CONTACT_PHONE, SECOND_PHONE

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
NEUTRAL = "Aegis: someone you support needs you. Open: "
DESK = "toy:desk"


@dataclass
class Sent:
    address: str
    subject: str
    body: str
    ref: str


class Toy(AlertChannel):
    """Reaches partners at "toy:<name>" and emergency contacts at their email address;
    refuses the addresses in `refused`, raises for those in `broken`."""

    name = "toy"
    label = "Toy pager"
    delivery_reports = True
    contact_field = "email"
    outbox: ClassVar[list[Sent]] = []
    refused: ClassVar[set[str]] = set()
    broken: ClassVar[set[str]] = set()

    def validate_address(self, text: str) -> str:
        if not text.startswith("toy:") or len(text) < 5:
            raise AddressRefused("Write a toy address, e.g. toy:desk.")
        return text

    def send(self, delivery: Delivery, subject: str, body: str) -> SendResult:
        address = str(delivery.address)
        if address in self.broken:
            raise RuntimeError("the toy pager broke")
        self.outbox.append(Sent(address, subject, body, self.report_reference(delivery)))
        return DeliveryError.CHANNEL_REFUSED if address in self.refused else None


@pytest.fixture
def toy() -> Iterator[type[Toy]]:
    channels.register(Toy)
    Toy.outbox.clear()
    Toy.refused.clear()
    Toy.broken.clear()
    yield Toy
    channels.unregister(Toy.name)


def _case(team: Any) -> Case:
    return Case.objects.get(person=team.person)


def _toy_partner(team: Any) -> PartnerOrganisation:
    return policies.add_partner(
        name="Toy protection desk", channel="toy", address=DESK, actor=team.karim.user
    )


def _raise(team: Any) -> Alert:
    with clock.frozen(START):
        return services.raise_alert(team.person, AlertKind.PANIC)


def test_the_registry_refuses_bad_names_and_a_second_class_under_one_name(toy):
    assert channels.get("toy") is not None and ("toy", "Toy pager") in channels.choices()
    assert [c.name for c in channels.for_contacts()] == ["email", "sms", "signal", "toy"]

    class Shadow(Toy):
        pass

    with pytest.raises(ValueError, match="already registered"):
        channels.register(Shadow)
    for bad in ("", "Toy", "toy pager", "t" * 33):
        Shadow.name = bad
        with pytest.raises(ValueError, match="name"):
            channels.register(Shadow)
    assert type(channels.get("toy")) is Toy
    channels.unregister("toy")
    assert channels.get("toy") is None and "toy" not in dict(channels.choices())


def test_a_partner_on_the_toy_channel_is_sent_to_and_reported_delivered(team, toy):
    with pytest.raises(RuleError, match="toy:desk") as refused:
        policies.add_partner(name="Bad", channel="toy", address="desk", actor=team.karim.user)
    assert refused.value.field == "address"
    assert not PartnerOrganisation.objects.filter(name="Bad").exists()
    assert PartnerForm({"name": "Desk", "channel": "toy", "address": DESK}).is_valid()
    desk = _toy_partner(team)
    policies.save_case_policy(
        _case(team),
        [policies.StepInput(1, 10, ["partners"], partner_ids=[desk.pk])],
        actor=team.karim.user,
    )
    alert = _raise(team)
    with clock.frozen(START):
        assert sending.deliver_due() == 1
    [sent] = toy.outbox
    assert sent.address == DESK and sent.subject == "Aegis alert"
    assert sent.body.startswith(NEUTRAL) and ACK_LINK.search(sent.body)
    item = alert.deliveries.get()
    assert (item.recipient_kind, item.channel, item.state) == (
        RecipientKind.PARTNER,
        "toy",
        DeliveryState.SENT,
    )

    assert reports.record_signed(sent.ref, "delivered")
    item = Delivery.objects.get(pk=item.pk)
    assert item.state == DeliveryState.DELIVERED and item.delivered_at is not None
    assert not reports.record_signed(sent.ref + "x", "delivered")

    client = sign_in(Client(), team.karim)
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "Toy pager" in page and "not reported by this channel" not in page
    partners_page = client.get("/alerts/partners/").content.decode()
    assert "Toy pager" in partners_page and 'value="toy"' in partners_page


def _contacts_by_toy_then_sms(team: Any) -> None:
    """The first contact has an email (the toy's address) and a phone; the second a phone."""
    data = {"number": 1, "deadline_minutes": 10, "audiences": ["contacts"]}
    form = StepForm({**data, "channel_1": "toy", "channel_2": "sms"}, partners=[])
    assert form.is_valid(), form.errors
    policies.save_case_policy(
        _case(team),
        [policies.StepInput(1, 10, ["contacts"], channels=["toy", "sms"])],
        actor=team.karim.user,
    )


def test_a_failed_delivery_report_falls_back_to_the_next_channel(team, sms, toy):
    _contacts_by_toy_then_sms(team)
    alert = _raise(team)
    with clock.frozen(START):
        assert sending.deliver_due() == 2  # the toy to the first contact, SMS to the second
        [sent] = toy.outbox
        assert sent.address == CONTACT_EMAIL
        assert reports.record_signed(sent.ref, "failed")
        assert sending.deliver_due() == 1
    item = alert.deliveries.get(channel="toy")
    assert (item.state, item.last_error) == (DeliveryState.FAILED, DeliveryError.CHANNEL_REFUSED)
    fallback = alert.deliveries.get(channel="sms", contact_index=item.contact_index)
    assert fallback.state == DeliveryState.SENT
    assert len(sms.to(CONTACT_PHONE)) == 1 and len(sms.to(SECOND_PHONE)) == 1


@pytest.mark.parametrize("how", ["refused", "broken"])
def test_a_toy_that_always_fails_ends_failed_after_the_retries_then_falls_back(team, sms, toy, how):
    getattr(toy, how).add(CONTACT_EMAIL)
    _contacts_by_toy_then_sms(team)
    alert = _raise(team)
    with clock.frozen(START):
        assert sending.deliver_due() == 1  # only the second contact's SMS
        item = alert.deliveries.get(channel="toy")
        assert (item.state, item.attempts, item.last_error) == (
            DeliveryState.QUEUED,
            1,
            DeliveryError.CHANNEL_REFUSED,
        )
        for seconds in (30, 60):
            clock.advance(timedelta(seconds=seconds))
            sending.deliver_due()
    item = Delivery.objects.get(pk=item.pk)
    assert (item.state, item.attempts) == (DeliveryState.FAILED, 3)
    assert len(toy.outbox) == (3 if how == "refused" else 0)
    fallback = alert.deliveries.get(channel="sms", contact_index=item.contact_index)
    assert fallback.state == DeliveryState.SENT and len(sms.to(CONTACT_PHONE)) == 1


def test_a_row_naming_a_channel_no_longer_registered_fails_at_once_and_shows_its_name(
    team, sms, toy
):
    """Its recipient's channels no longer name it, so, as for a staff member who removed a
    channel, services.fall_back finds no "next" channel after it: nothing is sent twice."""
    _contacts_by_toy_then_sms(team)
    alert = _raise(team)  # the toy's row is written while the toy is registered
    channels.unregister(toy.name)
    with clock.frozen(START):
        assert sending.deliver_due() == 1  # the second contact's SMS
    item = alert.deliveries.get(channel="toy")
    assert (item.state, item.attempts, item.last_error) == (
        DeliveryState.FAILED,
        1,
        DeliveryError.NOT_CONFIGURED,
    )
    assert item.channel_label == "toy" and not item.channel_reports_delivery
    assert not alert.deliveries.filter(channel="sms", contact_index=item.contact_index).exists()
    assert toy.outbox == [] and sms.to(CONTACT_PHONE) == []
