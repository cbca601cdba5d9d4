"""Escalation policies set by coordinators: the critical policy's ladder is copied onto an
alert about a person at critical risk, a case's own policy beats it, a partner organisation
on step 1 gets the email through a real SMTP server, editing a policy does not move a
running alert, and bad input is refused in words with nothing half-written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from aegis import clock
from aegis.alerts import policies, sending, services
from aegis.alerts.models import Alert, EscalationPolicy, PartnerOrganisation, PolicyStep
from aegis.alerts.vocabulary import AlertKind, DeliveryState, RecipientKind
from aegis.cases.models import Case
from aegis.risk import services as risk
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault.keychain import NoKeyAccess, unlocked
from tests.conftest import comparable, sign_in
from tests.risk.conftest import ratings, threat

from .conftest import ACK_LINK

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
DESK = "desk@protection-network.example.org"


def case_of(team: Any) -> Case:
    return Case.objects.get(person=team.person)


def assess(team: Any, *, critical: bool) -> Any:
    with unlocked(team.lucia.keychain()):
        return risk.create_assessment(
            case_of(team),
            actor=team.lucia.user,
            threats=[threat(1, 1)],
            ratings=ratings([1], [5]),
            imminent=critical,
        )


def partner(team: Any, name: str = "Regional desk", address: str = DESK) -> PartnerOrganisation:
    return policies.add_partner(name=name, channel="email", address=address, actor=team.karim.user)


def form_data(*rows: dict[str, Any], name: str = "") -> dict[str, Any]:
    """The policy page's POST: rows as typed, the other rows left empty."""
    data: dict[str, Any] = {"name": name}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"step-{i}-{key}"] = value
    return data


def levels_of(alert: Alert) -> list[tuple[int, int, str, str, list[int]]]:
    return [
        (level.number, level.deadline_minutes, level.audiences, level.channels, level.partner_ids)
        for level in alert.levels.order_by("number")
    ]


def test_a_person_at_critical_risk_climbs_the_critical_ladder_and_a_case_policy_beats_it(team):
    desk = partner(team)
    client = sign_in(Client(), team.karim)
    url = reverse("alerts:level-policy", kwargs={"risk_level": "critical"})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        form_data(
            {
                "number": "1",
                "deadline_minutes": "5",
                "audiences": ["responders", "partners"],
                "partners": [str(desk.pk)],
            },
            {
                "number": "2",
                "deadline_minutes": "15",
                "audiences": ["contacts", "coordinators"],
                "channel_1": "signal",
                "channel_2": "sms",
            },
            name="Critical: move fast",
        ),
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    critical = EscalationPolicy.objects.get(risk_level="critical")
    assert critical.name == "Critical: move fast" and critical.updated_by == team.karim.user
    # A policy for another level does not apply to this person.
    policies.save_level_policy(
        "low",
        [policies.StepInput(1, 60, ["coordinators"])],
        actor=team.karim.user,
    )

    assess(team, critical=False)
    assess(team, critical=True)
    alert = services.raise_alert(team.person, AlertKind.PANIC)
    assert alert.policy == critical
    assert levels_of(alert) == [
        (1, 5, "responders,partners", "email,sms", [desk.pk]),
        (2, 15, "coordinators,contacts", "signal,sms", []),
    ]
    first = {(d.recipient_kind, d.channel) for d in alert.deliveries.all()}
    assert first == {(RecipientKind.USER, "email"), (RecipientKind.PARTNER, "email")}
    staff = alert.deliveries.get(recipient_kind=RecipientKind.USER)
    assert staff.recipient_user == team.thandi.user

    policies.save_case_policy(
        case_of(team),
        [policies.StepInput(1, 3, ["coordinators"])],
        actor=team.karim.user,
    )
    override = services.raise_alert(team.person, AlertKind.PANIC)
    assert override.policy == EscalationPolicy.objects.get(case=case_of(team))
    assert levels_of(override) == [(1, 3, "coordinators", "email,sms", [])]
    assert [d.recipient_user for d in override.deliveries.all()] == [team.karim.user]


def test_a_partner_on_step_one_receives_the_email_through_smtp(team, smtp):
    client = sign_in(Client(), team.karim)
    added = client.post(
        reverse("alerts:partners"),
        {"name": "Lawyers' network", "channel": "email", "address": DESK},
    )
    assert added.status_code == 302
    desk = PartnerOrganisation.objects.get()
    listing = client.get(reverse("alerts:partners")).content.decode()
    assert "Lawyers&#x27; network" in listing and "on file" in listing
    assert DESK not in listing and "protection-network" not in listing
    # Ciphertext at rest, sealed to the alert service alone: not even its creator reads it.
    assert DESK.encode() not in bytes(desk.__dict__["address"])
    with unlocked(team.karim.keychain()), pytest.raises(NoKeyAccess):
        str(desk.address)

    policies.save_level_policy(
        "critical",
        [
            policies.StepInput(1, 10, ["partners", "responders"], partner_ids=[desk.pk]),
            policies.StepInput(2, 20, ["coordinators"]),
        ],
        actor=team.karim.user,
    )
    assess(team, critical=True)
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        assert sending.deliver_due() == 2
    [mail] = smtp.to(DESK)
    assert mail.text.startswith("Aegis: someone you support needs you. Open: ")
    assert ACK_LINK.search(mail.text)
    assert team.person.pseudonym not in mail.text
    assert smtp.to("thandi@example.org") and not smtp.to("karim@example.org")
    item = alert.deliveries.get(recipient_kind=RecipientKind.PARTNER)
    assert (item.partner, item.state) == (desk, DeliveryState.SENT)

    # A deactivated partner receives nothing more, even on a running alert's later step.
    client.post(reverse("alerts:partner-active", kwargs={"partner_id": desk.pk}), {"active": "0"})
    assert not PartnerOrganisation.objects.filter(pk=desk.pk, is_active=True).exists()
    later = services.raise_alert(team.person, AlertKind.MANUAL)
    assert not later.deliveries.filter(recipient_kind=RecipientKind.PARTNER).exists()


def test_editing_a_policy_does_not_move_a_running_alert(team):
    steps = [
        policies.StepInput(1, 10, ["responders"]),
        policies.StepInput(2, 20, ["coordinators"]),
    ]
    policies.save_level_policy("critical", steps, actor=team.karim.user)
    assess(team, critical=True)
    with clock.frozen(START):
        alert = services.raise_alert(team.person, AlertKind.PANIC)
        before = levels_of(alert)
        policies.save_level_policy(
            "critical",
            [policies.StepInput(1, 60, ["contacts"], channels=["sms"])],
            actor=team.karim.user,
        )
        assert levels_of(alert) == before
        clock.advance(timedelta(minutes=11))
        assert services.escalate_due() == 1
    alert.refresh_from_db()
    assert alert.level == 2
    assert alert.deliveries.filter(level=2, recipient_user=team.karim.user).exists()
    # New alerts take the edited ladder.
    assert levels_of(services.raise_alert(team.person, AlertKind.PANIC)) == [
        (1, 60, "contacts", "sms", [])
    ]


BAD_STEPS = [
    ([], "Give the policy at least one step."),
    ([{"number": "1", "deadline_minutes": "0", "audiences": ["responders"]}], "at least 1 minute"),
    ([{"number": "1", "deadline_minutes": "", "audiences": ["responders"]}], "minutes to ackn"),
    ([{"number": "1", "deadline_minutes": "abc", "audiences": ["responders"]}], "whole number"),
    ([{"number": "", "deadline_minutes": "5", "audiences": ["responders"]}], "give the step a"),
    ([{"number": "1", "deadline_minutes": "5"}], "choose who this step reaches"),
    (
        [{"number": "1", "deadline_minutes": "5", "audiences": ["partners"]}],
        "choose at least one partner organisation",
    ),
    (
        [
            {"number": "1", "deadline_minutes": "5", "audiences": ["responders"]},
            {"number": "1", "deadline_minutes": "9", "audiences": ["coordinators"]},
        ],
        "Row 2: another step already has number 1",
    ),
    (
        [
            {
                "number": "1",
                "deadline_minutes": "5",
                "audiences": ["contacts"],
                "channel_1": "",
                "channel_2": "",
            }
        ],
        "choose at least one channel",
    ),
    (
        [
            {
                "number": "1",
                "deadline_minutes": "5",
                "audiences": ["contacts"],
                "channel_1": "sms",
                "channel_2": "sms",
            }
        ],
        "each channel for emergency contacts only once",
    ),
]


@pytest.mark.parametrize(("rows", "message"), BAD_STEPS)
def test_bad_steps_are_refused_in_words_and_nothing_is_half_written(team, rows, message):
    policies.save_level_policy(
        "high",
        [policies.StepInput(1, 10, ["responders"]), policies.StepInput(2, 30, ["coordinators"])],
        actor=team.karim.user,
    )
    columns = ("pk", "number", "deadline_minutes", "audiences")
    before = list(PolicyStep.objects.values_list(*columns))
    client = sign_in(Client(), team.karim)
    url = reverse("alerts:level-policy", kwargs={"risk_level": "high"})
    # Every row is sent, as the browser does; rows not given are sent empty.
    blank = {"number": "", "deadline_minutes": "", "channel_1": "email", "channel_2": "sms"}
    sent = [{**blank, **row} for row in rows] + [blank] * (policies.MAX_STEPS - len(rows))
    response = client.post(url, form_data(*sent, name="Changed"))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(PolicyStep.objects.values_list(*columns)) == before
    assert EscalationPolicy.objects.get(risk_level="high").name != "Changed"


def test_a_step_naming_partners_without_the_partner_audience_is_refused(team):
    desk = partner(team)
    with pytest.raises(RuleError, match="tick partner organisations"):
        policies.save_level_policy(
            "high",
            [policies.StepInput(1, 5, ["responders"], partner_ids=[desk.pk])],
            actor=team.karim.user,
        )
    policies.set_partner_active(desk, False, actor=team.karim.user)
    with pytest.raises(RuleError, match="no longer active"):
        policies.save_level_policy(
            "high",
            [policies.StepInput(1, 5, ["partners"], partner_ids=[desk.pk])],
            actor=team.karim.user,
        )
    assert not EscalationPolicy.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"address": "not an address"}, "Write an email address"),
        ({"channel": "sms", "address": "call me"}, "phone number with digits"),
        ({"channel": "webhook", "address": "http://plain.example.org/hook"}, "https://"),
        ({"address": ""}, "This field is required"),
        ({"name": "Regional desk"}, "already exists"),
    ],
)
def test_a_bad_partner_is_refused_in_words(team, fields, message):
    partner(team, name="Regional Desk")
    client = sign_in(Client(), team.karim)
    values = {"name": "Another desk", "channel": "email", "address": DESK, **fields}
    response = client.post(reverse("alerts:partners"), values)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert PartnerOrganisation.objects.count() == 1


def test_a_case_policy_is_reached_only_by_a_coordinator_of_its_compartment(
    team, make_person, make_compartment
):
    reference = case_of(team).reference
    url = reverse("alerts:case-policy", kwargs={"reference": reference})
    missing = reverse("alerts:case-policy", kwargs={"reference": "AEG-1900-99999"})
    outsider = sign_in(Client(), make_person(Role.COORDINATOR))
    make_compartment()  # the outsider coordinates, but not this case's compartment
    assert outsider.get(url).status_code == 404
    assert comparable(outsider.get(url), url) == comparable(outsider.get(missing), missing)
    row = {"number": "1", "deadline_minutes": "4", "audiences": ["coordinators"]}
    assert outsider.post(url, form_data(row)).status_code == 404
    assert sign_in(Client(), team.lucia).get(url).status_code == 403
    assert not EscalationPolicy.objects.exists()

    karim = sign_in(Client(), team.karim)
    assert karim.get(reverse("alerts:policies") + f"?reference={reference}")["Location"] == url
    assert karim.post(url, form_data(row)).status_code == 302
    policy = EscalationPolicy.objects.get()
    assert (policy.case, policy.risk_level) == (case_of(team), "")
    assert reference in karim.get(reverse("alerts:policies")).content.decode()
    assert reference not in outsider.get(reverse("alerts:policies")).content.decode()

    remove = reverse("alerts:case-policy-remove", kwargs={"reference": reference})
    assert outsider.post(remove).status_code == 404
    assert EscalationPolicy.objects.exists()
    assert karim.post(remove).status_code == 302
    assert not EscalationPolicy.objects.exists()


PAGES = [
    ("get", "alerts:policies", {}),
    ("get", "alerts:level-policy", {"risk_level": "critical"}),
    ("post", "alerts:level-policy", {"risk_level": "critical"}),
    ("get", "alerts:partners", {}),
    ("post", "alerts:partners", {}),
    ("get", "alerts:rules", {}),
    ("get", "alerts:rule-new", {}),
    ("post", "alerts:rule-new", {}),
]


@pytest.mark.parametrize(
    "role", [Role.RESPONDER, Role.CASEWORKER, Role.DEFENDER, Role.ANALYST, Role.AUDITOR, Role.ADMIN]
)
def test_only_coordinators_manage_policies_partners_and_rules(team, make_person, role):
    client = sign_in(Client(), make_person(role))
    for method, name, kwargs in PAGES:
        response = getattr(client, method)(reverse(name, kwargs=kwargs or None), {})
        assert response.status_code == 403, (role, name)
    coordinator = sign_in(Client(), team.karim)
    for _method, name, kwargs in PAGES:
        assert coordinator.get(reverse(name, kwargs=kwargs or None)).status_code == 200, name
    assert not EscalationPolicy.objects.exists() and not PartnerOrganisation.objects.exists()


def test_a_policy_left_unnamed_is_named_in_each_readers_language(team):
    """Its default name had been stored in the language of whoever saved it ("Critical risk"
    on an Arabic reader's page)."""
    from django.test import Client
    from django.urls import reverse

    from aegis.alerts import policies
    from tests.conftest import sign_in

    steps = [policies.StepInput(1, 10, ["responders"])]
    policy = policies.save_level_policy("critical", steps, actor=team.karim.user)
    assert policy.name == "" and str(policy) == "Critical risk"
    reader = sign_in(Client(), team.karim)
    assert "Critical risk" in reader.get(reverse("alerts:policies")).content.decode()
    reader.cookies["django_language"] = "es"
    page = reader.get(reverse("alerts:policies")).content.decode()
    assert "Critical risk" not in page


def test_a_policy_saved_from_a_stale_page_is_refused_in_words_and_taken_when_sent_again(team):
    """Two coordinators on one policy: the second, from an older page, had put the first's
    3-minute step back without a word."""
    import re

    policies.save_level_policy(
        "moderate", [policies.StepInput(1, 10, ["responders"])], actor=team.karim.user
    )
    url = reverse("alerts:level-policy", kwargs={"risk_level": "moderate"})
    first, second = sign_in(Client(), team.karim), sign_in(Client(), team.karim)
    opened = re.search(r'name="seen" value="([^"]*)"', second.get(url).content.decode())
    assert opened, "the page carries the policy's state"
    blank = {"number": "", "deadline_minutes": "", "channel_1": "email", "channel_2": "sms"}
    rest = [blank] * (policies.MAX_STEPS - 1)
    step = {**blank, "number": "1", "audiences": ["responders"]}
    seen_first = re.search(r'name="seen" value="([^"]*)"', first.get(url).content.decode())
    assert seen_first
    saved = first.post(
        url,
        {**form_data({**step, "deadline_minutes": "3"}, *rest), "seen": seen_first.group(1)},
    )
    assert saved.status_code == 302
    stale = {**form_data({**step, "deadline_minutes": "10"}, *rest, name="Renamed")}
    refused = second.post(url, {**stale, "seen": opened.group(1)})
    assert refused.status_code == 400
    assert "This policy was saved by someone else since you opened this page" in (
        refused.content.decode()
    )
    assert PolicyStep.objects.get(policy__risk_level="moderate").deadline_minutes == 3
    again = re.search(r'name="seen" value="([^"]*)"', refused.content.decode())
    assert again and again.group(1) != opened.group(1)
    assert second.post(url, {**stale, "seen": again.group(1)}).status_code == 302
    assert EscalationPolicy.objects.get(risk_level="moderate").name == "Renamed"
