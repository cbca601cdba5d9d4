"""The work queue's counts of rows that grow with the network stop at a cap (QUEUE_CAP), and
the line says there are more: the dashboard never counts every overdue task."""

from __future__ import annotations

import datetime

import pytest

from aegis import clock, work_queue
from aegis.cases import services as cases
from aegis.roles import Role
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db


def test_a_count_past_the_cap_says_there_are_more(
    make_person, make_compartment, make_case, monkeypatch
):
    worker = make_person(Role.CASEWORKER)
    case = make_case(make_compartment(worker), worker)
    yesterday = clock.today() - datetime.timedelta(days=1)
    with unlocked(worker.keychain()):
        for n in range(3):
            cases.add_task(case, f"Task {n}", actor_id=worker.user.pk, due_on=yesterday)
    exact = [i for i in work_queue.items_for(worker.user) if "overdue task" in i.text]
    assert [(i.text, i.more) for i in exact] == [("3 overdue tasks", False)]
    monkeypatch.setattr(work_queue, "QUEUE_CAP", 2)
    capped = [i for i in work_queue.items_for(worker.user) if "overdue task" in i.text]
    assert [(i.text, i.more) for i in capped] == [("2 overdue tasks", True)]
