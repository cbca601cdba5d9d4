"""Tracking: the second-person review, the reply deadline under the controllable clock (overdue
from the day after it, on the work queue), replies, resolutions and outcomes, counted
without names."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from aegis import clock
from aegis.advocacy import queue, selectors, services, vocabulary
from aegis.advocacy.models import Communication, CommunicationOutcome, Mechanism
from aegis.advocacy.vocabulary import Status
from aegis.rules import RuleError
from aegis.vault.keychain import unlocked

from .conftest import draft_for, reviewed

pytestmark = pytest.mark.django_db
MONDAY = timezone.make_aware(datetime.datetime(2026, 4, 6, 10, 0))


def _sent(team, checks="special_procedures") -> Communication:
    communication = reviewed(team, draft_for(team, checks))
    with unlocked(team.writer.keychain()):
        services.mark_sent(communication, actor_id=team.writer.user.pk)
    return Communication.objects.get(pk=communication.pk)


def test_the_writer_cannot_review_their_own_communication(team):
    communication = draft_for(team, "special_procedures")
    with unlocked(team.writer.keychain()):
        services.submit_for_review(communication, actor_id=team.writer.user.pk)
        with pytest.raises(RuleError, match="cannot review their own"):
            services.approve(communication, actor_id=team.writer.user.pk)
        with pytest.raises(RuleError, match="second person must review"):
            services.mark_sent(communication, actor_id=team.writer.user.pk)
    assert Communication.objects.get(pk=communication.pk).reviewed_by_id is None


def test_an_edit_after_review_asks_for_a_new_review(team):
    communication = reviewed(team, draft_for(team, "special_procedures"))
    with unlocked(team.writer.keychain()):
        services.update_draft(
            communication, actor_id=team.writer.user.pk, narrative=communication.narrative + "!"
        )
    assert Communication.objects.get(pk=communication.pk).reviewed_by_id is None


def test_the_reply_becomes_overdue_the_day_after_the_deadline_and_shows_on_the_queue(team):
    Mechanism.objects.filter(code="un-special-procedures").update(reply_period_days=60)
    with clock.frozen(MONDAY):
        communication = _sent(team)
        assert communication.sent_on == datetime.date(2026, 4, 6)
        assert communication.reply_due_on == datetime.date(2026, 6, 5)
        clock.advance(datetime.timedelta(days=52))  # 28 May: eight days left
        assert queue.items(team.writer.user) == []
        clock.advance(datetime.timedelta(days=1))  # 29 May: a week left, time to chase
        items = queue.items(team.writer.user)
        assert [i.text for i in items] == [
            "1 communication: the State's reply is due within a week"
        ]
        assert not items[0].urgent and items[0].url == "/advocacy/?due_soon=1"
        assert queue.items(team.outsider.user) == []  # another compartment's
        soon = selectors.communications_page(team.writer.user, soon=True)
        assert [c.pk for c in soon] == [communication.pk]
        assert not list(selectors.communications_page(team.writer.user, late=True))
        clock.advance(datetime.timedelta(days=7))  # 5 June: the last day to reply
        assert not selectors.is_overdue(Communication.objects.get(pk=communication.pk))
        assert [i.url for i in queue.items(team.writer.user)] == ["/advocacy/?due_soon=1"]
        with pytest.raises(RuleError, match="has not passed"):
            services.record_no_reply(communication, actor_id=team.writer.user.pk)
        clock.advance(datetime.timedelta(days=1))  # 6 June
        assert selectors.is_overdue(Communication.objects.get(pk=communication.pk))
        items = queue.items(team.reviewer.user)
        assert [i.text for i in items] == ["1 communication: the State's reply is overdue"]
        assert items[0].urgent and items[0].url == "/advocacy/?overdue=1"
        assert queue.items(team.outsider.user) == []  # another compartment's
        services.record_no_reply(communication, actor_id=team.writer.user.pk)
        assert queue.items(team.writer.user) == []


def test_transmission_to_the_state_restarts_the_reply_period(team):
    Mechanism.objects.filter(code="iachr-precautionary").update(reply_period_days=15)
    with clock.frozen(MONDAY):
        communication = _sent(team, "iachr")
        clock.advance(datetime.timedelta(days=3))
        with unlocked(team.writer.keychain()):  # the reference is sealed with its key
            services.acknowledge(communication, reference="MC 967-19", actor_id=None)
            clock.advance(datetime.timedelta(days=4))
            services.transmitted(communication, actor_id=None)
    stored = Communication.objects.get(pk=communication.pk)
    with unlocked(team.writer.keychain()):
        assert stored.reference == "MC 967-19"
    assert stored.reply_due_on == datetime.date(2026, 4, 13) + datetime.timedelta(days=15)


def test_a_step_is_never_dated_before_the_one_it_follows(team):
    """A transmission dated before the acknowledgement, and a reply before the transmission,
    had been taken: the page then read "Transmitted on 2 November … Reply received on 1
    November"."""
    with clock.frozen(MONDAY):
        communication = _sent(team, "iachr")
        clock.advance(datetime.timedelta(days=10))
        with unlocked(team.writer.keychain()):
            acknowledged = datetime.date(2026, 4, 9)
            services.acknowledge(communication, reference="MC 9", actor_id=None, on=acknowledged)
            with pytest.raises(RuleError, match="before the acknowledgement") as early:
                services.transmitted(communication, actor_id=None, on=datetime.date(2026, 4, 8))
            assert early.value.field == "on"
            services.transmitted(communication, actor_id=None, on=datetime.date(2026, 4, 10))
            with pytest.raises(RuleError, match="before the transmission to the State"):
                services.record_reply(
                    communication,
                    reply="The State replied.",
                    summary="Measures.",
                    actor_id=None,
                    on=datetime.date(2026, 4, 9),
                )
    stored = Communication.objects.get(pk=communication.pk)
    assert stored.status == Status.TRANSMITTED and stored.replied_on is None


def test_a_changed_reply_period_applies_to_communications_sent_after(team):
    Mechanism.objects.filter(code="un-special-procedures").update(reply_period_days=30)
    communication = _sent(team)
    assert (communication.reply_due_on - communication.sent_on).days == 30


def test_reply_resolution_and_outcomes_are_recorded_and_counted_without_names(team):
    communication = _sent(team, "iachr")
    actor = team.writer.user.pk
    with unlocked(team.writer.keychain()):
        services.record_reply(
            communication, reply="The State denies.", summary="Denial.", actor_id=actor
        )
        services.record_resolution(
            communication,
            decision="grant",
            number="Resolution 12/2026",
            measures="Armoured car and two escorts, agreed with her.",
            actor_id=actor,
        )
        services.record_resolution(communication, decision="lifting", measures="", actor_id=actor)
        services.record_outcome(communication, outcome="measures_granted", actor_id=actor)
        with pytest.raises(RuleError):
            services.record_outcome(communication, outcome="nonsense", actor_id=actor)
        services.publish(communication, publication="Resolution 12/2026", actor_id=actor)
        services.follow_up(communication, actor_id=actor)
    assert CommunicationOutcome.objects.count() == 1
    rows = {row.code: row for row in selectors.outcome_counts()}
    iachr = rows["iachr-precautionary"]
    assert (iachr.communications, iachr.sent, iachr.answered) == (1, 1, 1)
    assert iachr.outcomes == {"measures_granted": 1}
    assert rows["wgeid"].communications == 0
    other = draft_for(team, "iachr")  # another case: counted overall, not for the first case
    for_case = {r.code: r for r in selectors.outcome_counts(case=communication.case)}
    assert for_case["iachr-precautionary"].communications == 1
    assert {r.code: r for r in selectors.outcome_counts()}[
        "iachr-precautionary"
    ].communications == 2
    assert other.case != communication.case
    assert "Quintero" not in repr(list(rows.values()))


def test_a_resolution_only_for_mechanisms_that_decide_measures(team):
    communication = _sent(team, "reprisals")
    with pytest.raises(RuleError, match="does not decide"):
        services.record_resolution(communication, decision="grant", measures="x", actor_id=None)


def test_a_draft_cannot_skip_steps(team):
    communication = draft_for(team, "achpr")
    with pytest.raises(RuleError, match="cannot become"):
        services.acknowledge(communication, reference="X", actor_id=None)
    with pytest.raises(RuleError, match="once the communication has been sent"):
        services.record_outcome(communication, outcome="release", actor_id=None)
    assert Communication.objects.get(pk=communication.pk).status == Status.DRAFT


def test_a_sending_date_with_a_mistyped_year_is_refused(team):
    """0001-01-01 had set a reply deadline centuries past; a letter sent before it was
    entered here (last month) is recorded as sent then."""
    with clock.frozen(MONDAY):
        communication = reviewed(team, draft_for(team, "special_procedures"))
        with unlocked(team.writer.keychain()):
            with pytest.raises(RuleError, match="check the year"):
                services.mark_sent(
                    communication, actor_id=team.writer.user.pk, on=datetime.date(1, 1, 1)
                )
            services.mark_sent(
                communication, actor_id=team.writer.user.pk, on=datetime.date(2026, 3, 2)
            )
    assert Communication.objects.get(pk=communication.pk).sent_on == datetime.date(2026, 3, 2)


def _published(team, then_follow_up: bool = False) -> Communication:
    """Sent → Acknowledged → Transmitted → Published (→ Follow-up sent), no reply recorded."""
    communication = _sent(team)
    with unlocked(team.writer.keychain()):
        services.acknowledge(communication, reference="UA COL 3/2026", actor_id=None)
        services.transmitted(communication, actor_id=None)
        services.publish(communication, publication="A/HRC/62/3", actor_id=None)
        if then_follow_up:
            services.follow_up(communication, actor_id=None)
    return Communication.objects.get(pk=communication.pk)


@pytest.mark.parametrize("then_follow_up", [False, True], ids=["published", "follow_up"])
def test_a_late_reply_after_the_publication_or_a_follow_up_is_recorded_and_counted(
    team, then_follow_up
):
    """It had been refused ("A communication that is “Published” cannot become “Reply
    received”"): the reply is recorded where the communication stands, in its History, and
    counted as answered."""
    communication = _published(team, then_follow_up)
    state = communication.status
    actor = team.writer.user.pk
    with unlocked(team.writer.keychain()):
        services.record_reply(
            communication, reply="The State denies.", summary="Denial.", actor_id=actor
        )
    assert services.may_record_reply(communication) is False  # one reply, then no more
    stored = Communication.objects.get(pk=communication.pk)
    assert stored.status == state  # the publication (follow-up) stays the present state
    assert stored.replied_on == clock.today()
    with unlocked(team.writer.keychain()):
        assert stored.reply_summary == "Denial."
    history = [(e.status, e.actor_id) for e in stored.events.all()]
    assert history[-1] == (Status.REPLIED, actor)
    row = {r.code: r for r in selectors.outcome_counts()}["un-special-procedures"]
    assert (row.sent, row.answered) == (1, 1)
    with unlocked(team.writer.keychain()), pytest.raises(RuleError, match="already recorded"):
        services.record_reply(stored, reply="Again.", summary="Again.", actor_id=actor)


def test_the_internal_review_and_its_reset_by_an_edit_are_in_the_history(team):
    communication = reviewed(team, draft_for(team, "special_procedures"))
    with unlocked(team.writer.keychain()):
        services.update_draft(
            communication, actor_id=team.writer.user.pk, narrative=communication.narrative + "!"
        )
        services.update_draft(  # no review to reset: nothing more in the History
            communication, actor_id=team.writer.user.pk, narrative=communication.narrative + "?"
        )
    history = [(e.status, e.actor_id) for e in communication.events.all()]
    assert history == [
        (Status.DRAFT, team.writer.user.pk),
        (Status.REVIEW, team.writer.user.pk),
        (vocabulary.Step.REVIEWED, team.reviewer.user.pk),
        (vocabulary.Step.REVIEW_RESET, team.writer.user.pk),
    ]
    labels = [e.get_status_display() for e in communication.events.all()]
    assert labels[2:] == [
        "Approved by a second person (internal review)",
        "Changed after the review: a new review is needed",
    ]
