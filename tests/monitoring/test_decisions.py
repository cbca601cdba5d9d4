"""The analyst's decisions: accepting drafts an incident with the article as its source and
described victims (never a Person); edits, merges and rejections are kept; bad input writes
nothing; the analyst never reaches case files."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from aegis.cases.models import Person as PersonRecord
from aegis.incidents import services as incident_services
from aegis.incidents.models import Act, Incident, Source, Victim
from aegis.monitoring import articles, decisions, queue
from aegis.monitoring.models import Proposal
from aegis.monitoring.vocabulary import ArticleOrigin
from aegis.rules import RuleError
from aegis.vault.keychain import unlocked

from .conftest import STORY, sign_in

pytestmark = pytest.mark.django_db

EXTRACTED: dict[str, Any] = {
    "is_attack": True,
    "confidence": 0.9,
    "perpetrator_mention": {"value": True, "confidence": 0.9, "sentence": ""},
    "perpetrator_type": {"value": "state actor", "confidence": 0.8, "sentence": "Police in Bogota"},
    "violation_types": [
        {"value": "arbitrary detention", "confidence": 0.9, "sentence": "Police arrested her."}
    ],
    "victims": [
        {
            "name": "Maria Lopez",
            "victim_types": ["human rights defender"],
            "population_type": "individual",
            "sex": "woman",
            "age_group": "adult",
            "sentence": "",
            "confidence": 0.8,
        }
    ],
    "country": {"value": "Colombia", "confidence": 0.9, "sentence": ""},
    "region": {"value": None, "confidence": 0.0, "sentence": ""},
    "city": {"value": "Bogota", "confidence": 0.5, "sentence": ""},
    "year": {"value": 2026, "confidence": 0.9, "sentence": ""},
    "month": {"value": 11, "confidence": 0.9, "sentence": ""},
    "day": {"value": 16, "confidence": 0.9, "sentence": ""},
    "notes": [],
}


@pytest.fixture
def proposal(team, monkeypatch) -> Proposal:
    monkeypatch.setattr(articles, "run_extractor", lambda *a: EXTRACTED)
    with unlocked(team.analyst.keychain()):
        article = articles.ingest(
            origin=ArticleOrigin.PASTED,
            title="Defender arrested in Bogota",
            text=STORY,
            url="https://news.example.org/arrest",
            published=datetime.date(2026, 11, 20),
            language="en",
        )
    return article.proposal


def test_the_draft_maps_the_extraction_to_aegis_vocabularies(team, proposal):
    with unlocked(team.analyst.keychain()):
        draft = decisions.draft_of(proposal)
    assert draft.date_start == datetime.date(2026, 11, 16) and draft.date_precision == "day"
    assert draft.country == "CO"
    assert draft.violation_types == ["arbitrary_detention"]
    # "state actor", told by its sentence ("Police in Bogota") to be the police.
    assert draft.perpetrator_type == "police" and draft.perpetrator_mentioned
    assert [(v.description, v.sex) for v in draft.victims] == [
        ("Maria Lopez, human rights defender", "woman")
    ]


def test_the_proposal_keeps_no_incident_reference_in_clear(team, proposal):
    """A copy of the disk does not tell which public article (its source's feed and its date
    are in clear) an incident was drafted from: the proposal's row holds the reference sealed,
    and its token only (models.Proposal.incident_token)."""
    client = sign_in(Client(), team.analyst)
    response = client.post(
        reverse("monitoring:accept", kwargs={"proposal_id": proposal.pk}),
        {"compartment": team.compartment.pk},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    reference = Incident.objects.get().reference
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM monitoring_proposal WHERE id = %s", [proposal.pk])
        row = cursor.fetchone()
    raw = b"".join(
        bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
        for value in row
    )
    assert reference.encode() not in raw and reference.encode().hex().encode() not in raw
    with unlocked(team.caseworker.keychain()):
        assert Proposal.objects.get(pk=proposal.pk).incident_reference == reference


def test_accepting_drafts_an_incident_with_the_article_as_its_source_and_no_person(team, proposal):
    people_before = PersonRecord.objects.count()
    client = sign_in(Client(), team.analyst)
    response = client.post(
        reverse("monitoring:accept", kwargs={"proposal_id": proposal.pk}),
        {"compartment": team.compartment.pk},
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    proposal = Proposal.objects.get(pk=proposal.pk)
    incident = Incident.objects.get()
    with unlocked(team.caseworker.keychain()):
        assert proposal.status == "accepted" and proposal.incident_reference == incident.reference
    assert incident.compartment == team.compartment and incident.verification == "unverified"
    assert PersonRecord.objects.count() == people_before  # nobody added to the files
    assert not Victim.objects.filter(person__isnull=False).exists()
    source = Source.objects.get(incident=incident)
    assert source.kind == "media" and source.reliability == "C"
    assert [a.violation_type for a in Act.objects.filter(incident=incident)] == [
        "arbitrary_detention"
    ]
    # The caseworkers of the compartment read it; the analyst holds no key of it.
    with unlocked(team.caseworker.keychain()):
        assert "https://news.example.org/arrest" in source.description
        assert incident.title == "Defender arrested in Bogota"
        victim = Victim.objects.get(act__incident=incident)
        assert victim.description == "Maria Lopez, human rights defender" and victim.sex == "woman"
    caseworker = sign_in(Client(), team.caseworker)
    page = caseworker.get(reverse("incidents:detail", kwargs={"incident_ref": incident.reference}))
    assert page.status_code == 200
    analyst_page = client.get(
        reverse("incidents:detail", kwargs={"incident_ref": incident.reference})
    )
    assert analyst_page.status_code == 403


def test_the_analyst_never_reaches_case_files(team, make_case):
    case = make_case(team.compartment, team.caseworker)
    client = sign_in(Client(), team.analyst)
    for url in (
        reverse("cases:list"),
        reverse("cases:detail", kwargs={"reference": case.reference}),
        reverse("incidents:list"),
        reverse("cases:search"),
    ):
        assert client.get(url).status_code in {403, 404}, url


def test_an_edit_is_kept_and_used_when_accepting(team, proposal):
    with unlocked(team.analyst.keychain()):
        draft = decisions.draft_of(proposal)
        draft.violation_types = ["judicial_harassment", "threat"]
        draft.victims = []
        decisions.edit(proposal, draft, actor_id=team.analyst.user.pk)
        reference = decisions.accept(
            proposal, compartment_id=team.compartment.pk, actor_id=team.analyst.user.pk
        )
    incident = Incident.objects.get(reference=reference)
    assert sorted(a.violation_type for a in incident.acts.all()) == [
        "judicial_harassment",
        "threat",
    ]
    assert not Victim.objects.exists()
    proposal = Proposal.objects.get(pk=proposal.pk)
    with unlocked(team.analyst.keychain()):
        assert proposal.edited and proposal.extracted  # both kept, for training


def test_bad_decisions_are_refused_and_write_nothing(team, proposal):
    with unlocked(team.analyst.keychain()):
        with pytest.raises(RuleError):
            decisions.accept(proposal, compartment_id=999_999, actor_id=None)
        draft = decisions.draft_of(proposal)
        draft.violation_types = []
        with pytest.raises(RuleError):
            decisions.edit(proposal, draft, actor_id=None)
        draft.violation_types = ["nonsense"]
        with pytest.raises(RuleError):
            decisions.edit(proposal, draft, actor_id=None)
        with pytest.raises(RuleError):
            decisions.reject(proposal, reason="", actor_id=None)
        with pytest.raises(RuleError):
            decisions.reject(proposal, reason="other", note="", actor_id=None)
        with pytest.raises(RuleError):
            decisions.merge(proposal, reference="INC-1999-00001", actor_id=None)
    proposal = Proposal.objects.get(pk=proposal.pk)
    with unlocked(team.analyst.keychain()):
        assert proposal.status == "pending" and not proposal.edited
    assert not Incident.objects.exists()


def test_rejecting_keeps_the_reason(team, proposal):
    client = sign_in(Client(), team.analyst)
    url = reverse("monitoring:reject", kwargs={"proposal_id": proposal.pk})
    assert client.post(url, {"reason": "not_attack"}).status_code == 302
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.status == "rejected" and proposal.reject_reason == "not_attack"
    # Decided once: a second decision is refused on the page, not a 500.
    again = client.post(url, {"reason": "other", "note": "x"})
    assert again.status_code == 200 and "decided already" in again.content.decode()


def test_merging_waits_for_the_incidents_caseworkers(team, proposal):
    incident = arrest_on_file(team)
    assert _queue_lines(team.analyst) == [("1 news proposal waits for a decision", False)]
    analyst = sign_in(Client(), team.analyst)
    page = analyst.get(reverse("monitoring:proposal", kwargs={"proposal_id": proposal.pk}))
    assert incident.reference in page.content.decode()
    assert "Arrest of a defender" not in page.content.decode()  # coded columns only
    response = analyst.post(
        reverse("monitoring:merge", kwargs={"proposal_id": proposal.pk}),
        {"reference": incident.reference},
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.status == "merged" and not proposal.source_added
    assert _queue_lines(team.analyst) == []
    waits = "1 news article waits to be added to your incidents"
    assert _queue_lines(team.caseworker) == [(waits, False)]
    assert _queue_lines(team.coordinator) == [(waits, False)]

    caseworker = sign_in(Client(), team.caseworker)
    waiting = caseworker.get(reverse("monitoring:merged"))
    assert incident.reference in waiting.content.decode()
    added = caseworker.post(reverse("monitoring:add-merged", kwargs={"proposal_id": proposal.pk}))
    assert added.status_code == 302
    assert incident.sources.count() == 1
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.source_added
    assert _queue_lines(team.caseworker) == []
    # A colleague pressing the same button on a page loaded before: told, not a 404.
    colleague = sign_in(Client(), team.coordinator)
    again = colleague.post(
        reverse("monitoring:add-merged", kwargs={"proposal_id": proposal.pk}), follow=True
    )
    assert again.status_code == 200 and "This article has been added already." in (
        again.content.decode()
    )
    assert incident.sources.count() == 1


def arrest_on_file(
    team: Any,
    *,
    title: str = "Arrest of a defender",
    on: datetime.date = datetime.date(2026, 11, 17),
    country: str = "CO",
    violation: str = "arbitrary_detention",
    victims: Any = (),
) -> Incident:
    """An incident on file, by default one the proposal's article may be about: the same
    place, days and violation."""
    with unlocked(team.caseworker.keychain()):
        incident = incident_services.create_incident(
            team.compartment,
            actor_id=team.caseworker.user.pk,
            title=title,
            date_start=on,
            country=country,
        )
        incident_services.add_act(
            incident, violation_type=violation, actor_id=team.caseworker.user.pk, victims=victims
        )
    return incident


def _queue_lines(person: Any) -> list[tuple[str, bool]]:
    """The person's monitoring lines, as their home page counts them (with their keys: the
    incidents' references are sealed, found by tokens under the fingerprint key)."""
    with unlocked(person.keychain()):
        return [(item.text, item.more) for item in queue.items(person.user)]


def test_the_queue_count_stops_at_the_cap(team, proposal, monkeypatch):
    with unlocked(team.analyst.keychain()):
        articles.ingest(
            origin=ArticleOrigin.PASTED,
            title="Radio station raided in Cali",
            text="Police raided a community radio station in Cali on Tuesday. " * 5,
            url="https://news.example.org/raid",
            published=datetime.date(2026, 11, 21),
            language="en",
        )
    assert _queue_lines(team.analyst) == [("2 news proposals wait for a decision", False)]
    monkeypatch.setattr("aegis.paging.COUNT_CAP", 1)
    assert _queue_lines(team.analyst) == [("1 news proposal waits for a decision", True)]


def test_pages_show_the_queue_and_the_proposal(team, proposal):
    client = sign_in(Client(), team.analyst)
    queue = client.get(reverse("monitoring:queue"))
    assert queue.status_code == 200 and "Defender arrested in Bogota" in queue.content.decode()
    page = client.get(reverse("monitoring:proposal", kwargs={"proposal_id": proposal.pk}))
    assert page.status_code == 200 and "Maria Lopez" in page.content.decode()
    empty = client.get(reverse("monitoring:queue") + "?status=rejected")
    assert "Nothing here" in empty.content.decode()


def test_decisions_are_kept_for_training(team, proposal):
    from aegis.monitoring import selectors

    with unlocked(team.analyst.keychain()):
        assert list(selectors.decisions_for_training()) == []
        decisions.reject(proposal, reason="out_of_scope", actor_id=team.analyst.user.pk)
        (row,) = selectors.decisions_for_training()
    assert row["status"] == "rejected" and row["reject_reason"] == "out_of_scope"
    assert row["extracted"]["is_attack"] is True and "Maria Lopez" in row["text"]


def test_an_incident_taken_up_from_the_news_does_not_keep_the_articles_lengths(team, proposal):
    """The incident copies the headline (its title), the article's sentences (its
    description), headline and address (its source) and the victims it names: padded, like
    the article."""
    with unlocked(team.analyst.keychain()):
        reference = decisions.accept(
            proposal, compartment_id=team.compartment.pk, actor_id=team.analyst.user.pk
        )
    incident = Incident.objects.get(reference=reference)
    title, description = Incident.objects.values_list("title", "description").get(pk=incident.pk)
    source = Source.objects.filter(incident=incident).values_list("description", flat=True)[0]
    victims = list(
        Victim.objects.filter(act__incident=incident).values_list("description", flat=True)
    )
    assert victims
    for raw in (title, bytes(source), *victims):
        assert bytes(raw)[:1] == b"\x02" and len(bytes(raw)) >= 1024
    assert bytes(description)[:1] == b"\x02" and len(bytes(description)) >= 256


def _page_as_sent(client: Client, proposal: Proposal, **changes: Any) -> dict[str, Any]:
    """The proposal page's draft form as a browser sends it, with `changes` typed in."""
    page = client.get(reverse("monitoring:proposal", kwargs={"proposal_id": proposal.pk}))
    return {**_as_sent(page.context["draft_form"]), **changes}


def _as_sent(form: Any) -> dict[str, Any]:
    """A draft form as its page draws it, as a browser sends it back."""
    sent: dict[str, Any] = {}
    for field in form:
        value = field.value()
        if value in (None, False):
            continue
        sent[field.name] = value.isoformat() if isinstance(value, datetime.date) else value
    return sent


def _accepted_with(team: Any, proposal: Proposal, **typed: Any) -> Any:
    """Accept pressed on the proposal's page after typing `typed` into its draft."""
    client = sign_in(Client(), team.analyst)
    sent = _page_as_sent(client, proposal, **typed)
    return client.post(
        reverse("monitoring:accept", kwargs={"proposal_id": proposal.pk}),
        {**sent, "compartment": team.compartment.pk},
    )


def test_corrections_not_saved_yet_are_accepted_with_the_proposal(team, proposal):
    response = _accepted_with(team, proposal, title="Land defender detained in Bogota")
    assert response.status_code == 302, response.context["draft_form"].errors
    with unlocked(team.caseworker.keychain()):
        assert Incident.objects.get().title == "Land defender detained in Bogota"
        assert decisions.draft_of(Proposal.objects.get(pk=proposal.pk)).title == (
            "Land defender detained in Bogota"
        )


def test_a_correction_that_breaks_a_rule_accepts_nothing_and_is_shown_on_its_input(team, proposal):
    page = _accepted_with(team, proposal, victim_0="Ana \u202eevil")
    assert page.status_code == 200
    assert list(page.context["draft_form"].errors) == ["victim_0"]
    assert 'value="Ana \u202eevil"' in page.content.decode()  # what was typed stays
    assert not Incident.objects.exists()
    with unlocked(team.analyst.keychain()):
        assert Proposal.objects.get(pk=proposal.pk).status == "pending"
    # An empty title is the form's own error: also nothing accepted.
    page = _accepted_with(team, proposal, title="")
    assert page.status_code == 200 and "title" in page.context["draft_form"].errors
    assert not Incident.objects.exists()


def test_corrections_not_saved_yet_are_kept_with_a_merge_and_when_it_is_refused(team, proposal):
    incident = arrest_on_file(team)
    client = sign_in(Client(), team.analyst)
    url = reverse("monitoring:merge", kwargs={"proposal_id": proposal.pk})
    sent = _page_as_sent(client, proposal, title="Land defender detained in Bogota")
    # No incident chosen: refused in words, and what was typed is still on the page.
    refused = client.post(url, sent)
    assert refused.status_code == 200
    assert "Choose one of the incidents offered." in refused.content.decode()
    assert 'value="Land defender detained in Bogota"' in refused.content.decode()
    merged = client.post(url, {**sent, "reference": incident.reference})
    assert merged.status_code == 302
    with unlocked(team.analyst.keychain()):
        kept = Proposal.objects.get(pk=proposal.pk)
        assert kept.status == "merged" and kept.edited  # an edited merge: learnt from
        assert decisions.draft_of(kept).title == "Land defender detained in Bogota"


@pytest.fixture
def hidden_space(team, monkeypatch) -> Proposal:
    """A proposal whose kept title holds a zero-width space, as a feed's title may: a rule a
    retyped title must meet."""
    monkeypatch.setattr(articles, "run_extractor", lambda *a: EXTRACTED)
    with unlocked(team.analyst.keychain()):
        article = articles.ingest(
            origin=ArticleOrigin.PASTED,
            title="Defender\u200b arrested in Bogota",
            text=STORY,
            published=datetime.date(2026, 11, 20),
            language="en",
        )
    return article.proposal


def test_a_page_sent_unchanged_is_no_edit_and_meets_no_rule_the_analyst_did_not_touch(
    team, hidden_space
):
    proposal = hidden_space
    incident = arrest_on_file(team)
    client = sign_in(Client(), team.analyst)
    sent = _page_as_sent(client, proposal)
    sent["description"] = str(sent.get("description", "")).replace("\n", "\r\n")  # a browser
    sent["violation_types"] = list(reversed(sent["violation_types"]))
    merged = client.post(
        reverse("monitoring:merge", kwargs={"proposal_id": proposal.pk}),
        {**sent, "reference": incident.reference},
    )
    assert merged.status_code == 302
    with unlocked(team.analyst.keychain()):
        kept = Proposal.objects.get(pk=proposal.pk)
        assert kept.status == "merged" and not kept.edited  # nothing confirmed: not learnt


def test_a_retyped_title_is_accepted_though_the_kept_one_broke_a_rule(team, hidden_space):
    proposal = hidden_space
    response = _accepted_with(team, proposal, title="Defender arrested in Bogota")
    assert response.status_code == 302, response.context["draft_form"].errors
    with unlocked(team.caseworker.keychain()):
        assert Incident.objects.get().title == "Defender arrested in Bogota"


def test_a_page_loaded_before_a_colleague_s_corrections_does_not_overwrite_them(team, proposal):
    client = sign_in(Client(), team.analyst)
    stale = _page_as_sent(client, proposal, title="Defender held in Bogota")
    assert stale["seen"]  # the version the page showed
    # A colleague saves other corrections meanwhile.
    colleague = sign_in(Client(), team.analyst)
    theirs = _page_as_sent(colleague, proposal, title="Land defender detained in Bogota")
    saved = colleague.post(reverse("monitoring:edit", kwargs={"proposal_id": proposal.pk}), theirs)
    assert saved.status_code == 302
    for action in ("monitoring:edit", "monitoring:accept"):
        page = client.post(
            reverse(action, kwargs={"proposal_id": proposal.pk}),
            {**stale, "compartment": team.compartment.pk},
        )
        assert page.status_code == 200
        assert "Someone saved other corrections" in page.content.decode()
        assert 'value="Defender held in Bogota"' in page.content.decode()  # what was typed
    assert not Incident.objects.exists()
    with unlocked(team.analyst.keychain()):
        kept = decisions.draft_of(Proposal.objects.get(pk=proposal.pk))
    assert kept.title == "Land defender detained in Bogota"


@pytest.mark.parametrize("action", ["monitoring:edit", "monitoring:accept"])
def test_a_refused_stale_draft_is_taken_when_sent_again_from_the_page_that_refused_it(
    team, proposal, action
):
    """The refusal kept the old `seen`: Save again was refused again, and reopening the
    proposal lost what was typed. Now the refusing page is drawn on the present version."""
    url = reverse(action, kwargs={"proposal_id": proposal.pk})
    mine = sign_in(Client(), team.analyst)
    stale = _page_as_sent(mine, proposal, title="Defender held in Bogota")
    other_tab = sign_in(Client(), team.analyst)  # a colleague, or the same analyst elsewhere
    theirs = _page_as_sent(other_tab, proposal, title="Land defender detained in Bogota")
    saved = other_tab.post(reverse("monitoring:edit", kwargs={"proposal_id": proposal.pk}), theirs)
    assert saved.status_code == 302

    refused = mine.post(url, {**stale, "compartment": team.compartment.pk})
    assert refused.status_code == 200
    said = refused.content.decode()
    assert "A colleague" not in said
    assert "saving again replaces them" in said
    again = _as_sent(refused.context["draft_form"])
    assert again["title"] == "Defender held in Bogota"  # what was typed stays
    assert again["seen"] != stale["seen"]  # the version kept now
    assert not Incident.objects.exists()

    taken = mine.post(url, {**again, "compartment": team.compartment.pk})
    assert taken.status_code == 302
    with unlocked(team.analyst.keychain()):
        kept = decisions.draft_of(Proposal.objects.get(pk=proposal.pk))
    assert kept.title == "Defender held in Bogota"


def test_two_saves_of_one_draft_at_the_same_moment_are_refused_in_the_service(team, proposal):
    """The page's form checks `seen` before the lock; the service checks it again under it."""
    with unlocked(team.analyst.keychain()):
        draft = decisions.draft_of(proposal)
        seen = draft.version()
        draft.title = "Land defender detained in Bogota"
        decisions.edit(proposal, draft, actor_id=None, seen=seen)
        draft.title = "Defender held in Bogota"
        with pytest.raises(RuleError) as refused:
            decisions.edit(proposal, draft, actor_id=None, seen=seen)
    assert "Someone saved other corrections" in str(refused.value)
