"""Alert rules firing by themselves: an incident of a chosen kind against a person on file, in
a region or a sector; a person's risk level raised to critical.

The receivers run inside the transaction that recorded the act or the assessment (the
signals are sent there), so the alert is written with it or not at all. Each alert carries a
trigger key naming the rule and what fired it, so the same act or assessment never raises a
rule's alert twice. A rule's criteria are codes; an empty criterion matches anything, and
every criterion given must hold."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from aegis import clock
from aegis.cases.models import Person
from aegis.incidents.models import Incident
from aegis.notices import Notice, record_shown
from aegis.risk.models import Assessment
from aegis.risk.vocabulary import Level
from aegis.vault import service_keys

from . import selectors, services
from .models import Alert, AlertRule
from .vocabulary import NEWS_RULE_NAME, AlertKind, RuleTrigger

log = logging.getLogger(__name__)


def _any_or(field: str, value: Any) -> Q:
    return Q(**{field: ""}) | Q(**{field: value})


def matching_rules(
    trigger: str, person: Person, *, country: str, region: str, violation_type: str = ""
) -> QuerySet[AlertRule]:
    """Active rules of `trigger` whose every given criterion holds for this person and place."""
    rules = AlertRule.objects.filter(is_active=True, trigger=trigger)
    if trigger == RuleTrigger.INCIDENT:
        rules = rules.filter(_any_or("violation_type", violation_type))
    return rules.filter(
        Q(person__isnull=True) | Q(person_id=person.pk),
        _any_or("country", country),
        _any_or("region", region),
        _any_or("sector", person.sector),
    ).order_by("pk")


def _fire(rule: AlertRule, person: Person, trigger_key: str) -> Alert | None:
    if service_keys.service_keypair() is None:
        # An instance without the alert service key sends no alert of any kind (see init).
        log.warning("alert rule %s matched, but this instance has no alert service key", rule.pk)
        return None
    # Never fails the incident or assessment being written: a failure defers to the worker.
    return services.raise_or_defer(person, AlertKind.RULE, rule=rule, trigger_key=trigger_key)


def on_act_recorded(
    sender: Any, *, incident: Any, act: Any, people: list[Person], **_: Any
) -> None:
    """An act against people on file: fire each matching incident rule once per person."""
    for person in people:
        rules = matching_rules(
            RuleTrigger.INCIDENT,
            person,
            country=incident.country,
            region=incident.region,
            violation_type=act.violation_type,
        )
        for rule in rules:
            key = f"rule:{rule.pk}:incident:{incident.pk}:person:{person.pk}"
            _fire(rule, person, key)


def on_level_raised(sender: Any, *, assessment: Any, previous_level: str | None, **_: Any) -> None:
    """A reading raised to critical (from anything else): fire the matching risk rules."""
    if assessment.level != Level.CRITICAL or previous_level == Level.CRITICAL:
        return
    person = assessment.case.person
    if person is None:  # a group or an organisation: nobody on file to alert about
        return
    country = person.country or assessment.case.country
    region = person.region or assessment.case.region
    for rule in matching_rules(RuleTrigger.RISK_CRITICAL, person, country=country, region=region):
        _fire(rule, person, f"rule:{rule.pk}:assessment:{assessment.pk}")


def on_news_mention(person: Person, article_token: str) -> list[Alert]:
    """A monitored article names this person: fire each matching news rule once per story
    (the article and its copies), named by a token (monitoring keeps no column that ties the
    person to the article). The news rule the migration adds is made again should it be
    missing: news mentions alert until a coordinator switches it off."""
    if not AlertRule.objects.filter(trigger=RuleTrigger.NEWS_MENTION).exists():
        AlertRule.objects.create(
            name=NEWS_RULE_NAME, trigger=RuleTrigger.NEWS_MENTION, created_at=clock.now()
        )
    rules = matching_rules(
        RuleTrigger.NEWS_MENTION, person, country=person.country, region=person.region
    )
    fired = [
        _fire(rule, person, f"rule:{rule.pk}:news:{article_token}:person:{person.pk}")
        for rule in rules
    ]
    return [alert for alert in fired if alert is not None]


NEWS_KEY = re.compile(r"rule:\d+:news:([0-9a-f]{32}):person:\d+")


def news_token_of(alert: Alert) -> str | None:
    found = NEWS_KEY.fullmatch(alert.trigger_key or "")
    return found.group(1) if found else None


def _notices(alerts: QuerySet[Alert], text: str) -> list[Notice]:
    return [
        Notice(
            text
            % {"alert": alert.pk, "rule": alert.rule.shown_name if alert.rule else _("(deleted)")},
            reverse("alerts:detail", kwargs={"alert_id": alert.pk}),
        )
        for alert in alerts
    ]


def incident_notices(sender: Any, *, record: Incident, user: Any, **_kw: Any) -> list[Notice]:
    """The incident's page says which alerts its acts raised (for readers who may see them)."""
    alerts = selectors.fired_by_incident(user, record.pk)
    return _notices(
        alerts, _("An act recorded here raised alert #%(alert)s through the rule “%(rule)s”.")
    )


def assessment_notices(sender: Any, *, record: Assessment, user: Any, **_kw: Any) -> list[Notice]:
    alerts = selectors.fired_by_assessment(user, record.pk)
    return _notices(
        alerts, _("This assessment raised alert #%(alert)s through the rule “%(rule)s”.")
    )


def connect() -> None:
    from aegis.incidents.signals import act_recorded
    from aegis.risk.signals import level_raised

    act_recorded.connect(on_act_recorded, dispatch_uid="aegis.alerts.rules.act_recorded")
    level_raised.connect(on_level_raised, dispatch_uid="aegis.alerts.rules.level_raised")
    record_shown.connect(incident_notices, Incident, dispatch_uid="aegis.alerts.rules.incident")
    record_shown.connect(assessment_notices, Assessment, dispatch_uid="aegis.alerts.rules.risk")
