"""A proposal is decided once: a second decision from a page loaded before the first (a
double click, two analysts at once) is refused in plain words and writes nothing. People
given a monitoring role after the records were made get a plain page, never a 500, until a
colleague passes the keys on. A date near the calendar's ends never breaks the proposal."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse

from aegis.incidents import selectors as incident_selectors
from aegis.incidents.models import Incident, Source
from aegis.monitoring import campaigns, decisions
from aegis.monitoring.forms import VICTIM_ROWS
from aegis.monitoring.models import Proposal
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault.keychain import unlocked

from . import test_decisions
from .conftest import sign_in

pytestmark = pytest.mark.django_db

DECIDED = "decided already"
proposal = test_decisions.proposal  # the same proposal fixture


def _two_pages(proposal: Proposal) -> tuple[Proposal, Proposal]:
    """The proposal as two pages loaded it, before either decided."""
    return Proposal.objects.get(pk=proposal.pk), Proposal.objects.get(pk=proposal.pk)


def _accept(team, shown: Proposal) -> str:
    return decisions.accept(
        shown, compartment_id=team.compartment.pk, actor_id=team.analyst.user.pk
    )


# --- Decided once ----------------------------------------------------------------------------


def test_accepting_twice_from_pages_loaded_before_makes_one_incident(team, proposal):
    first, second = _two_pages(proposal)
    with unlocked(team.analyst.keychain()):
        reference = _accept(team, first)
        with pytest.raises(RuleError, match=DECIDED):
            _accept(team, second)
        with pytest.raises(RuleError, match=DECIDED):
            _accept(team, first)  # the same page, clicked again
    assert list(Incident.objects.values_list("reference", flat=True)) == [reference]
    assert Source.objects.count() == 1
    with unlocked(team.analyst.keychain()):
        assert Proposal.objects.get(pk=proposal.pk).incident_reference == reference


def test_a_rejection_from_a_page_loaded_before_the_acceptance_is_refused(team, proposal):
    first, second = _two_pages(proposal)
    with unlocked(team.analyst.keychain()):
        reference = _accept(team, first)
        with pytest.raises(RuleError, match=DECIDED):
            decisions.reject(second, reason="not_attack", actor_id=team.analyst.user.pk)
        draft = decisions.draft_of(second)
        with pytest.raises(RuleError, match=DECIDED):
            decisions.edit(second, draft, actor_id=team.analyst.user.pk)
    kept = Proposal.objects.get(pk=proposal.pk)
    with unlocked(team.analyst.keychain()):
        assert kept.status == "accepted" and kept.incident_reference == reference
    assert kept.reject_reason == ""
    assert Incident.objects.count() == 1


def test_an_acceptance_from_a_page_loaded_before_the_rejection_is_refused(team, proposal):
    first, second = _two_pages(proposal)
    with unlocked(team.analyst.keychain()):
        decisions.reject(first, reason="not_attack", actor_id=team.analyst.user.pk)
        with pytest.raises(RuleError, match=DECIDED):
            _accept(team, second)
    kept = Proposal.objects.get(pk=proposal.pk)
    assert kept.status == "rejected" and kept.reject_reason == "not_attack"
    assert not Incident.objects.exists()


def test_a_second_accept_on_the_page_is_refused_in_plain_words(team, proposal):
    client = sign_in(Client(), team.analyst)
    url = reverse("monitoring:accept", kwargs={"proposal_id": proposal.pk})
    assert client.post(url, {"compartment": team.compartment.pk}).status_code == 302
    again = client.post(url, {"compartment": team.compartment.pk})
    assert again.status_code == 200 and DECIDED in again.content.decode()
    assert Incident.objects.count() == 1 and Source.objects.count() == 1


def test_a_merged_article_is_added_as_a_source_once(team, proposal):
    incident = test_decisions.arrest_on_file(team)
    with unlocked(team.analyst.keychain()):
        decisions.merge(proposal, reference=incident.reference, actor_id=team.analyst.user.pk)
    first, second = _two_pages(proposal)
    with unlocked(team.caseworker.keychain()):
        decisions.add_merged_source(first, actor=team.caseworker.user)
        with pytest.raises(RuleError, match="added already"):
            decisions.add_merged_source(second, actor=team.caseworker.user)
    assert incident.sources.count() == 1


# --- Keys not passed on yet ----------------------------------------------------------------


def test_an_analyst_appointed_later_gets_a_plain_page_until_the_keys_are_passed_on(
    team, proposal, make_person
):
    newcomer = make_person(Role.ANALYST)
    client = sign_in(Client(), newcomer)
    pages = [
        reverse("monitoring:queue"),
        reverse("monitoring:proposal", kwargs={"proposal_id": proposal.pk}),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "not open to you yet" in response.content.decode(), url
    # A write is refused the same way, and writes nothing.
    refused = client.post(
        reverse("monitoring:reject", kwargs={"proposal_id": proposal.pk}),
        {"reason": "not_attack"},
    )
    assert refused.status_code == 403 and "Nothing was saved" in refused.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).status == "pending"

    # A colleague who holds the keys opens the queue: they are passed on.
    assert sign_in(Client(), team.analyst).get(reverse("monitoring:queue")).status_code == 200
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_case_staff_appointed_later_get_a_plain_page_for_older_campaigns(team, make_person):
    with unlocked(team.caseworker.keychain()):
        campaigns.create_campaign(
            actor_id=team.caseworker.user.pk,
            target_kind="defender",
            target_name="Ana Ruiz",
            narratives=["terrorist"],
            platforms=["x"],
            methods=["hashtags"],
            first_seen=datetime.date(2026, 10, 1),
            reach=10,
            attribution="",
            attribution_confidence="low",
        )
    newcomer = make_person(Role.CASEWORKER)
    response = sign_in(Client(), newcomer).get(reverse("monitoring:campaigns"))
    assert response.status_code == 403 and "not open to you yet" in response.content.decode()


# --- Dates near the calendar's ends ----------------------------------------------------------


def test_a_draft_dated_before_1900_is_refused_in_plain_words(team, proposal):
    with unlocked(team.analyst.keychain()):
        draft = decisions.draft_of(proposal)
        draft.date_start = datetime.date(1, 1, 3)
        with pytest.raises(RuleError, match="cannot start before 1900"):
            decisions.edit(proposal, draft, actor_id=team.analyst.user.pk)
    fields = {
        "title": "Defender arrested",
        "date_start": "0001-01-03",
        "date_precision": "day",
        "country": "CO",
        "violation_types": ["arbitrary_detention"],
        "perpetrator_type": "state_security",
        "reliability": "C",
    }
    for n in range(VICTIM_ROWS):
        fields |= {f"victim_{n}_sex": "unknown", f"victim_{n}_age": "unknown"}
    client = sign_in(Client(), team.analyst)
    response = client.post(reverse("monitoring:edit", kwargs={"proposal_id": proposal.pk}), fields)
    assert response.status_code == 200
    assert "cannot start before 1900" in response.content.decode()
    with unlocked(team.analyst.keychain()):
        assert not Proposal.objects.get(pk=proposal.pk).edited


@pytest.mark.parametrize(
    "around", [datetime.date.min, datetime.date(1, 1, 3), datetime.date(9999, 12, 30)]
)
def test_merge_candidates_clamp_their_window_at_the_calendars_ends(around):
    found = incident_selectors.merge_candidates(
        country="CO",
        around=around,
        days=14,
        violation_types=["arbitrary_detention"],
        name_indexes=(),
    )
    assert found == []


def test_a_proposal_saved_with_a_very_old_date_still_opens(team, proposal):
    # As one saved before the lower bound was checked.
    with unlocked(team.analyst.keychain()):
        draft = decisions.draft_of(proposal)
        draft.date_start = datetime.date(1, 1, 3)
        proposal.edited = json.dumps(draft.as_json())
        proposal.save(update_fields=["edited"])
    client = sign_in(Client(), team.analyst)
    page = client.get(reverse("monitoring:proposal", kwargs={"proposal_id": proposal.pk}))
    assert page.status_code == 200
