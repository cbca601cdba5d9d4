"""The dashboard's work queue: what waits for each role, counted, linked to where the work is
done, and gone once it is done."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from aegis import clock
from aegis.alerts.models import Alert
from aegis.alerts.vocabulary import AlertStatus
from aegis.cases import services as cases
from aegis.cases.models import Case
from aegis.intake import services as intake
from aegis.intake.demo import DEMO_REPORTS
from aegis.intake.models import Submission
from aegis.intake.vocabulary import SubmissionStatus
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, unlocked
from aegis.vault.selectors import keypair_for_user
from tests.test_navigation import demo_logins  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ATTENTION = re.compile(r'<section aria-labelledby="attention-title".*?</section>', re.S)


def _queue(logins, role: str) -> str:
    username, password, codes = logins[role]
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": username, "password": password, "code": codes.pop(0)}
    )
    assert response.status_code == 302
    page = client.get("/").content.decode()
    found = ATTENTION.search(page)
    return found.group(0) if found else ""


def test_each_role_sees_what_waits_for_it(demo_logins):  # noqa: F811
    new_reports = Submission.objects.filter(status=SubmissionStatus.NEW).count()
    before = _queue(demo_logins, "caseworker")
    assert f"{new_reports} reports to triage" in before
    overdue = int(re.search(r"(\d+) overdue tasks?", before).group(1))

    intake.submit_report(DEMO_REPORTS[0])
    case = Case.objects.order_by("pk").first()
    assert case is not None
    yesterday = clock.today() - datetime.timedelta(days=1)
    username, password, _codes = demo_logins["caseworker"]
    user = get_user_model().objects.get(username=username)
    keypair = keypair_for_user(user.pk)
    with unlocked(Keychain({keypair.pk: vault.unlock_user_keypair(keypair, password)}, user.pk)):
        cases.add_task(case, "Call the lawyer", actor_id=user.pk, due_on=yesterday)
    queue = _queue(demo_logins, "caseworker")
    assert f"{new_reports + 1} reports to triage" in queue
    assert f"{overdue + 1} overdue tasks" in queue

    open_alerts = Alert.objects.exclude(status=AlertStatus.RESOLVED)
    drills = open_alerts.filter(is_drill=True).count()
    assert drills and drills == open_alerts.count(), "the demo keeps a drill open, and only it"
    responder = _queue(demo_logins, "responder")
    # A drill is counted as one, never as an emergency ("1 alert needs a human now" had been
    # the drill's line on the responder's and coordinator's dashboards).
    assert f"{drills} drill" in responder and "not an emergency" in responder
    assert "open alert" not in responder and "a human now" not in responder
    assert 'href="/alerts/' in responder
    assert "Drill #" in queue and "Alert #" not in queue

    defender = _queue(demo_logins, "defender")
    # A check-in due in hours is waiting, not urgent ("Needs attention now" had listed it).
    assert "Your next check-in" in defender and 'class="urgent"' not in defender
    assert '<h2 id="attention-title">Waiting for you</h2>' in defender
    assert _queue(demo_logins, "analyst") == ""


def test_nothing_waiting_says_so(demo_logins):  # noqa: F811
    Alert.objects.update(status=AlertStatus.RESOLVED)
    assert "Nothing is waiting for you right now." in _queue(demo_logins, "responder")


def test_patterns_of_attacks_are_counted_for_the_case_team(demo_logins):  # noqa: F811
    from aegis.risk import selectors as risk

    username = demo_logins["caseworker"][0]
    user = get_user_model().objects.get(username=username)
    found = len(risk.findings_for(user))
    assert found > 1, "the demo's incidents make patterns"
    assert f"{found} patterns of attacks found" in _queue(demo_logins, "caseworker")


def test_the_drill_line_counts_each_number_in_its_own_plural(monkeypatch):
    from aegis import work_queue
    from aegis.alerts import selectors

    found = selectors.Attention(
        open=0, needs_human=0, missed_checkins=0, open_drills=3, drills_needing_human=1
    )
    monkeypatch.setattr(work_queue.alerts, "attention", lambda user: found)
    (line,) = work_queue._alerts(None)
    assert line.text == "3 drills open (exercises, not emergencies); 1 needs a human"
    assert not line.urgent
