"""Alert rules fire by themselves, inside the transaction that records the incident or the
assessment: once per rule, incident and person (or assessment), only when every criterion
given holds, never when switched off."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from aegis.alerts import policies
from aegis.alerts.models import Alert, AlertRule
from aegis.alerts.vocabulary import AlertKind, RuleTrigger
from aegis.cases.models import Case
from aegis.incidents import services as incidents
from aegis.incidents.services import DescribedVictim
from aegis.risk import services as risk
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in
from tests.risk.conftest import ratings, threat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_news_rule(db) -> None:
    """These tests are about the rules coordinators make; the news rule (added by a migration
    for monitoring) is tested with monitoring."""
    AlertRule.objects.filter(trigger=RuleTrigger.NEWS_MENTION).delete()


DAY = datetime.date(2025, 6, 2)


def rule(team: Any, **fields: Any) -> AlertRule:
    fields.setdefault("name", "Watch")
    fields.setdefault("trigger", RuleTrigger.INCIDENT)
    if fields["trigger"] == RuleTrigger.INCIDENT:
        fields.setdefault("violation_type", "threat")
    return policies.create_rule(actor=team.karim.user, **fields)


def record(team: Any, *, kind: str = "threat", victims: Any = None, **fields: Any) -> Any:
    """An incident (Antioquia, Colombia unless told) with one act against the team's person."""
    fields.setdefault("country", "CO")
    fields.setdefault("region", "CO-ANT")
    with unlocked(team.lucia.keychain()):
        incident = incidents.create_incident(
            team.compartment,
            actor_id=team.lucia.user.pk,
            title="Pamphlet at the door",
            date_start=DAY,
            **fields,
        )
        incidents.add_act(
            incident,
            violation_type=kind,
            actor_id=team.lucia.user.pk,
            victims=[team.person] if victims is None else victims,
        )
    return incident


def assess(team: Any, *, critical: bool) -> Any:
    case = Case.objects.get(person=team.person)
    with unlocked(team.lucia.keychain()):
        return risk.create_assessment(
            case,
            actor=team.lucia.user,
            threats=[threat(1, 1)],
            ratings=ratings([1], [5]),
            imminent=critical,
        )


# --- Incidents ----------------------------------------------------------------------------


def test_an_incident_rule_fires_once_per_rule_incident_and_person(team):
    watch = rule(team, region="CO-ANT", country="CO")
    incident = record(team)
    alert = Alert.objects.get()
    assert (alert.kind, alert.rule, alert.person) == (AlertKind.RULE, watch, team.person)
    assert alert.trigger_key == f"rule:{watch.pk}:incident:{incident.pk}:person:{team.person.pk}"
    assert alert.triggered_by is None
    assert alert.deliveries.filter(level=1).exists(), "the outbox is written with the alert"

    # A second act of the same kind against the same person in the same incident.
    with unlocked(team.lucia.keychain()):
        incidents.add_act(incident, violation_type="threat", actor_id=None, victims=[team.person])
    assert Alert.objects.count() == 1
    # Another incident is another alert.
    record(team)
    assert Alert.objects.count() == 2


def test_incident_rules_hold_only_when_every_criterion_given_matches(team, make_case):
    elsewhere = make_case(team.compartment, team.lucia).person
    for name, fields in {
        "other kind": {"violation_type": "killing"},
        "other region": {"country": "CO", "region": "CO-CUN"},
        "other country": {"country": "KE"},
        "other sector": {"sector": "journalism"},
        "other person": {"person": elsewhere},
        "right place, other sector": {"country": "CO", "region": "CO-ANT", "sector": "lgbti"},
    }.items():
        rule(team, name=name, **fields)
    switched_off = rule(team, name="switched off")
    policies.set_rule_active(switched_off, False, actor=team.karim.user)
    risk_rule = rule(team, name="risk", trigger=RuleTrigger.RISK_CRITICAL)

    record(team)
    assert not Alert.objects.exists()

    every = rule(
        team,
        name="all of them",
        person=team.person,
        country="CO",
        region="CO-ANT",
        sector="land_environment",
    )
    record(team)
    assert list(Alert.objects.values_list("rule", flat=True)) == [every.pk]
    assert risk_rule.alerts.count() == 0


def test_only_people_on_file_are_alerted_about(team):
    rule(team)
    with unlocked(team.lucia.keychain()):
        incident = incidents.create_incident(
            team.compartment, actor_id=None, title="Raid", date_start=DAY, country="CO"
        )
        incidents.add_act(
            incident,
            violation_type="threat",
            actor_id=None,
            described_victims=[DescribedVictim("a community leader")],
        )
    assert not Alert.objects.exists()


def test_the_alert_is_written_in_the_incidents_transaction(team):
    rule(team)
    with pytest.raises(RuntimeError), transaction.atomic():
        record(team)
        assert Alert.objects.count() == 1
        raise RuntimeError("the act is not recorded after all")
    assert not Alert.objects.exists()


# --- Risk ---------------------------------------------------------------------------------


def test_a_risk_raised_to_critical_fires_and_staying_critical_does_not(team):
    watch = rule(team, trigger=RuleTrigger.RISK_CRITICAL, country="CO", sector="land_environment")
    assess(team, critical=False)
    assert not Alert.objects.exists()

    raised = assess(team, critical=True)
    alert = Alert.objects.get()
    assert (alert.kind, alert.rule, alert.person) == (AlertKind.RULE, watch, team.person)
    assert alert.trigger_key == f"rule:{watch.pk}:assessment:{raised.pk}"

    assess(team, critical=True)
    assert Alert.objects.count() == 1, "staying critical is not a new alert"
    assess(team, critical=False)
    again = assess(team, critical=True)
    assert Alert.objects.count() == 2
    assert Alert.objects.filter(trigger_key=f"rule:{watch.pk}:assessment:{again.pk}").exists()


def test_a_first_assessment_at_critical_fires(team):
    watch = rule(team, trigger=RuleTrigger.RISK_CRITICAL)
    first = assess(team, critical=True)
    assert Alert.objects.get().trigger_key == f"rule:{watch.pk}:assessment:{first.pk}"


def test_risk_rules_for_other_places_sectors_or_switched_off_stay_quiet(team):
    rule(team, name="Kenya", trigger=RuleTrigger.RISK_CRITICAL, country="KE")
    critical = RuleTrigger.RISK_CRITICAL
    rule(team, name="Cundinamarca", trigger=critical, country="CO", region="CO-CUN")
    rule(team, name="journalists", trigger=RuleTrigger.RISK_CRITICAL, sector="journalism")
    off = rule(team, name="off", trigger=RuleTrigger.RISK_CRITICAL)
    policies.set_rule_active(off, False, actor=team.karim.user)
    rule(team, name="incident rule")  # an incident rule ignores risk levels
    assess(team, critical=True)
    assert not Alert.objects.exists()


# --- Creating rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"violation_type": ""}, "Choose the kind of incident"),
        ({"trigger": "risk_critical", "violation_type": "threat"}, "has no kind of incident"),
        ({"country": "CO", "region": "KE-30"}, "Choose a region of the country"),
        ({"region": "CO-ANT"}, "Choose a region of the country"),
        ({"country": "XX"}, "Choose a country"),
        ({"sector": "astronauts"}, "Choose a sector"),
        ({"name": "  "}, "Give the rule a name"),
    ],
)
def test_a_rule_with_bad_criteria_is_refused_in_words(team, fields, message):
    values = {"name": "Watch", "trigger": "incident", "violation_type": "threat", **fields}
    with pytest.raises(RuleError, match=message):
        policies.create_rule(actor=team.karim.user, **values)
    assert not AlertRule.objects.exists()


def test_a_person_can_only_be_chosen_from_ones_own_compartments(
    team, make_person, make_compartment, make_case
):
    other = make_person(Role.COORDINATOR)
    stranger = make_case(make_compartment(other), other).person
    with pytest.raises(RuleError, match="from your compartments"):
        rule(team, person=stranger)
    assert not AlertRule.objects.exists()


def test_coordinators_add_and_switch_off_rules_on_the_pages(team):
    client = sign_in(Client(), team.karim)
    url = reverse("alerts:rule-new")
    form = {
        "name": "Detentions in Antioquia",
        "trigger": "incident",
        "violation_type": "arbitrary_detention",
        "person": "",
        "country": "CO",
        "region": "",
        "sector": "",
    }
    # "Show the regions" only redraws the form with the country's regions.
    refreshed = client.post(url, {**form, "show_regions": "1"})
    assert refreshed.status_code == 200 and 'value="CO-ANT"' in refreshed.content.decode()
    assert not AlertRule.objects.exists()

    missing_kind = client.post(url, {**form, "violation_type": "", "region": "CO-ANT"})
    assert missing_kind.status_code == 400
    assert "Choose the kind of incident" in missing_kind.content.decode()
    assert not AlertRule.objects.exists()

    response = client.post(url, {**form, "region": "CO-ANT", "person": str(team.person.pk)})
    assert response.status_code == 302
    saved = AlertRule.objects.get()
    assert (saved.region, saved.person) == ("CO-ANT", team.person)
    assert saved.created_by == team.karim.user
    listing = client.get(reverse("alerts:rules")).content.decode()
    assert "Detentions in Antioquia" in listing and team.person.pseudonym in listing
    # Criteria joined by semicolons, none after the last ("Cauca, Colombia;" had ended one).
    assert f"{team.person.pseudonym}; Antioquia, Colombia</td>" in listing

    client.post(reverse("alerts:rule-active", kwargs={"rule_id": saved.pk}), {"active": "0"})
    saved.refresh_from_db()
    assert not saved.is_active
    record(team, kind="arbitrary_detention")
    assert not Alert.objects.exists()


def test_a_coordinator_of_another_compartment_cannot_touch_a_rule_about_our_person(
    team, make_person, make_compartment
):
    saved = rule(team, person=team.person)
    other = make_person(Role.COORDINATOR)
    make_compartment(other)
    client = sign_in(Client(), other)
    url = reverse("alerts:rule-active", kwargs={"rule_id": saved.pk})
    assert client.post(url, {"active": "0"}).status_code == 404
    assert AlertRule.objects.get().is_active
    # Nor name a person of ours in a new rule.
    response = client.post(
        reverse("alerts:rule-new"),
        {
            "name": "Ours",
            "trigger": "incident",
            "violation_type": "threat",
            "person": str(team.person.pk),
            "country": "",
            "region": "",
            "sector": "",
        },
    )
    assert response.status_code == 400 and AlertRule.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_rule_that_cannot_raise_here_defers_to_the_worker(team, settings, monkeypatch):
    """Without the service key in this process, the incident is still written and a task
    raises the alert once the worker (which holds the key) runs it."""
    from django.core.management import call_command

    from aegis.vault import service_keys

    unlock = service_keys.supplied_unlock()
    assert unlock is not None
    monkeypatch.delenv("AEGIS_ALERT_SERVICE_UNLOCK")
    service_keys.forget()  # this process was given no unlock secret
    rule(team)
    incident = record(team)
    assert incident.pk is not None and not Alert.objects.exists()
    monkeypatch.setenv("AEGIS_ALERT_SERVICE_UNLOCK", unlock.secret)
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0.1")
    [alert] = Alert.objects.all()
    assert alert.kind == AlertKind.RULE and alert.person_id == team.person.pk
    assert (
        alert.trigger_key == f"rule:{alert.rule_id}:incident:{incident.pk}:person:{team.person.pk}"
    )


def test_past_the_limit_a_rule_offers_only_the_person_chosen_on_their_page(
    team, make_case, monkeypatch
):
    from aegis import paging

    others = [make_case(team.compartment, team.lucia).person for _ in range(2)]
    monkeypatch.setattr(paging, "LIST_AT_MOST", 2)  # three people are too many to list
    coordinator, caseworker = sign_in(Client(), team.karim), sign_in(Client(), team.lucia)
    url = reverse("alerts:rule-new")
    page = coordinator.get(url).content.decode()
    assert "too many people to list here" in page
    assert all(p.pseudonym not in page for p in [team.person, *others])

    link = f"{url}?person={others[0].pk}"
    person_page = reverse("cases:person", kwargs={"person_id": others[0].pk})
    assert f'href="{link}"' in coordinator.get(person_page).content.decode()
    assert f'href="{link}"' not in caseworker.get(person_page).content.decode()
    page = coordinator.get(link).content.decode()
    assert f'<option value="{others[0].pk}" selected>{others[0].pseudonym}</option>' in page
    assert others[1].pseudonym not in page

    for odd in ("²", "abc", "9" * 30):
        assert coordinator.get(url, {"person": odd}).status_code == 200

    form = {"name": "Threats", "trigger": "incident", "violation_type": "threat"}
    form |= {"country": "", "region": "", "sector": "", "person": str(others[1].pk)}
    assert coordinator.post(url, form).status_code == 302
    assert AlertRule.objects.get().person == others[1]


def test_a_trigger_raised_at_the_same_moment_elsewhere_returns_that_alert(
    team, monkeypatch, caplog
):
    """Two checks of one trigger (two copies of a news story) both find no alert before they
    write: the second meets the first's trigger key, and its answer is the first's alert,
    with no error logged and no task queued to raise it again."""
    from django_tasks_db.models import DBTaskResult

    from aegis.alerts import services as alerts

    key = f"rule:0:news:story:person:{team.person.pk}"
    first = alerts.raise_or_defer(team.person, AlertKind.RULE, trigger_key=key)
    assert first is not None
    queued = DBTaskResult.objects.count()
    real, looks = alerts._raised, []

    def raised(trigger_key: str) -> Alert | None:
        looks.append(trigger_key)  # the other's insert is not committed at the first two looks
        return real(trigger_key) if len(looks) > 2 else None

    monkeypatch.setattr(alerts, "_raised", raised)
    with caplog.at_level("INFO", logger="aegis.alerts"):
        again = alerts.raise_or_defer(team.person, AlertKind.RULE, trigger_key=key)
    assert again == first and Alert.objects.count() == 1
    assert DBTaskResult.objects.count() == queued
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_the_built_in_news_rule_is_named_in_the_reader_s_language(team, monkeypatch):
    """The news rule the migration adds is stored in English; a coordinator reading in
    Spanish sees its name in Spanish until renaming it, and a name they wrote as written."""
    from aegis.alerts import rules as alert_rules
    from aegis.alerts.vocabulary import NEWS_RULE_NAME

    monkeypatch.setattr(alert_rules, "_fire", lambda rule, person, key: None)
    alert_rules.on_news_mention(team.person, "0" * 32)  # adds the built-in rule
    news = AlertRule.objects.get(trigger=RuleTrigger.NEWS_MENTION)
    assert news.name == NEWS_RULE_NAME  # stored in English
    client = sign_in(Client(headers={"Accept-Language": "es"}), team.karim)
    listing = client.get(reverse("alerts:rules")).content.decode()
    assert "Una persona protegida es nombrada en las noticias" in listing
    assert NEWS_RULE_NAME not in listing
    AlertRule.objects.filter(pk=news.pk).update(name="Our own news rule")
    listing = client.get(reverse("alerts:rules")).content.decode()
    assert "Our own news rule" in listing


@pytest.mark.django_db
def test_a_burst_of_alerts_leaves_one_waiting_wake_up_for_the_worker():
    """Ten thousand alerts had queued ten thousand wake-ups, and the worker spent minutes on
    them while the news sources waited; one waiting wake-up is enough (the alert loop reads
    the outbox every fraction of a second)."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from aegis.alerts import services as alerts

    def waiting() -> int:
        return DBTaskResult.objects.filter(
            task_path="aegis.alerts.tasks.deliver_due", status=TaskResultStatus.READY
        ).count()

    for _ in range(3):
        alerts.wake_worker()
    assert waiting() == 1
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING)  # the worker took it
    alerts.wake_worker()
    assert waiting() == 1
