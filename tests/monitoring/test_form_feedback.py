"""What the monitoring pages say back: a box left unticked is kept as it was left, an error
is shown once and on the input it is about, a page loaded before a colleague decided says
so, the same story's count is its real count, and a body too large to read gets a page in
words rather than a bare "Bad Request"."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from aegis.monitoring import articles, decisions, manual
from aegis.monitoring.models import Article, Campaign, Proposal, Source
from aegis.rules import RuleError
from aegis.vault.keychain import unlocked

from . import test_decisions
from .conftest import STORY, sign_in
from .test_decisions import EXTRACTED
from .test_pages_and_api import SOURCE

pytestmark = pytest.mark.django_db

CAMPAIGN = {
    "target_kind": "organisation",
    "target_name": "Colectivo Tierra",
    "narratives": ["criminal"],
    "platforms": ["facebook"],
    "methods": ["doxxing"],
    "first_seen": "2026-09-01",
    "reach": "500",
    "attribution": "",
    "attribution_confidence": "low",
    "notes": "",
}
READS = "Only plain text and PDF files can be read as articles."


def _without(form: dict, name: str) -> dict:
    return {k: v for k, v in form.items() if k != name}


def test_a_source_added_with_active_unticked_is_kept_paused(team):
    client = sign_in(Client(), team.analyst)
    page = client.post(reverse("monitoring:sources"), _without(SOURCE, "is_active"), follow=True)
    source = Source.objects.get()
    assert source.is_active is False
    assert "paused: resume it to have it read" in page.content.decode()
    second = {**SOURCE, "name": "Second", "url": SOURCE["url"] + "?2"}
    client.post(reverse("monitoring:sources"), second)
    assert Source.objects.get(url=SOURCE["url"] + "?2").is_active is True


def test_a_campaign_recorded_with_still_active_unticked_is_kept_ended(team):
    client = sign_in(Client(), team.analyst)
    response = client.post(reverse("monitoring:campaign-new"), CAMPAIGN)
    assert response.status_code == 302
    assert Campaign.objects.get().is_active is False
    client.post(reverse("monitoring:campaign-new"), {**CAMPAIGN, "is_active": "on"})
    assert sorted(Campaign.objects.values_list("is_active", flat=True)) == [False, True]


def _errors_on(html: str, text: str) -> int:
    return html.count(text)


def test_an_unreadable_upload_is_said_once_and_on_the_file_input(team):
    client = sign_in(Client(), team.analyst)
    broken = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n" + b"0" * 400, "application/pdf")
    page = client.post(reverse("monitoring:upload"), {"file": broken}).content.decode()
    said = "This PDF could not be read; paste its text instead."
    assert page.count(said) == 1
    # Django describes an input by its errors: the message is tied to the file input.
    field = re.search(r'<input[^>]*id="id_upload_file"[^>]*>', page)
    assert field is not None and 'aria-invalid="true"' in field.group(0)
    assert not Article.objects.exists()


def test_a_text_file_holding_binary_is_told_what_this_form_reads(team):
    client = sign_in(Client(), team.analyst)
    sent = SimpleUploadedFile("notes.txt", b"Defender arrested\x00 in Bogota", "text/plain")
    page = client.post(reverse("monitoring:upload"), {"file": sent}).content.decode()
    assert READS in page
    assert "photos" not in page  # the upload check's list of every kind, not this form's
    assert not Article.objects.exists()


proposal = test_decisions.proposal  # the same proposal fixture


@pytest.fixture
def decided(team, proposal) -> Proposal:
    with unlocked(team.analyst.keychain()):
        decisions.reject(proposal, reason="not_attack", actor_id=team.analyst.user.pk)
    return proposal


@pytest.mark.parametrize(
    ("action", "form"),
    [
        ("monitoring:edit", {"title": "x", "date_start": "2025-02-30"}),
        ("monitoring:accept", {"compartment": "999999"}),
        ("monitoring:reject", {"reason": "nonsense"}),
    ],
)
def test_a_wrong_form_sent_from_a_page_loaded_before_the_decision_says_it_is_decided(
    team, decided, action, form
):
    client = sign_in(Client(), team.analyst)
    page = client.post(reverse(action, kwargs={"proposal_id": decided.pk}), form)
    assert page.status_code == 200
    assert "This proposal has been decided already." in page.content.decode()
    assert Proposal.objects.get(pk=decided.pk).status == "rejected"


def test_the_same_story_from_many_sources_is_counted_in_full(team, monkeypatch):
    monkeypatch.setattr(articles, "run_extractor", lambda *a: EXTRACTED)
    with unlocked(team.analyst.keychain()):
        first = manual.add_pasted(actor_id=None, title="Arrest", text=STORY).article
        for n in range(24):
            manual.add_pasted(
                actor_id=None, title="Arrest", text=STORY, url=f"https://n{n}.example.org/a"
            )
    assert first.duplicates.count() == 24
    client = sign_in(Client(), team.analyst)
    page = client.get(reverse("monitoring:proposal", kwargs={"proposal_id": first.proposal.pk}))
    html = page.content.decode()
    assert "The same story came from 24 more sources." in html
    assert "The first 20 are listed." in html
    assert html.count("example.org/a</span>") == 20


def test_a_paste_too_large_to_read_gets_a_page_in_words(team):
    client = sign_in(Client(), team.analyst)
    page = client.post(
        reverse("monitoring:paste"), {"title": "Arrest", "text": STORY * 20000}
    )  # about 7 MB, beyond what Django reads
    assert page.status_code == 400
    assert "nothing was stored" in page.content.decode()
    assert not Article.objects.exists()


def _proposal_page(client, proposal) -> str:
    url = reverse("monitoring:proposal", kwargs={"proposal_id": proposal.pk})
    return client.get(url).content.decode()


def test_no_compartment_is_chosen_beforehand_and_none_chosen_is_said(team, proposal):
    client = sign_in(Client(), team.analyst)
    html = _proposal_page(client, proposal)
    assert '<option value="" selected>Choose a compartment</option>' in html
    assert '<option value="" selected>Choose a reason</option>' in html
    accepted = client.post(reverse("monitoring:accept", kwargs={"proposal_id": proposal.pk}), {})
    rejected = client.post(reverse("monitoring:reject", kwargs={"proposal_id": proposal.pk}), {})
    assert "Choose the compartment the incident goes to." in accepted.content.decode()
    assert "Choose why the proposal is rejected." in rejected.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).status == "pending"


def test_without_compartments_the_page_says_so_instead_of_a_form_that_cannot_work(team, proposal):
    from aegis.cases.models import Compartment

    Compartment.objects.all().delete()
    html = _proposal_page(sign_in(Client(), team.analyst), proposal)
    assert "No compartment exists yet" in html
    assert "Draft the incident for this compartment" not in html


def test_a_safe_house_compartment_is_not_offered_nor_taken(team, proposal):
    from aegis.support import services as support

    with unlocked(team.caseworker.keychain()):
        house = support.create_provider(
            team.compartment,
            actor=team.caseworker.user,
            name="Casa azul",
            kinds=["safe_house"],
            countries=["CO"],
            capacity=2,
            safe_house_address="Vereda 9, Finca La Esperanza",
        )
    own = house.safe_house_compartment
    client = sign_in(Client(), team.analyst)
    html = _proposal_page(client, proposal)
    assert f'<option value="{team.compartment.pk}">' in html
    assert f'<option value="{own.pk}">' not in html and own.name not in html
    url = reverse("monitoring:accept", kwargs={"proposal_id": proposal.pk})
    refused = client.post(url, {"compartment": own.pk}).content.decode()
    assert "Select a valid choice" in refused  # the form's list, and below it the service:
    with unlocked(team.analyst.keychain()), pytest.raises(RuleError):
        decisions.accept(proposal, compartment_id=own.pk, actor_id=team.analyst.user.pk)
    assert Proposal.objects.get(pk=proposal.pk).status == "pending"


def test_the_violation_boxes_are_a_group_with_their_error_tied_to_them(team, proposal):
    client = sign_in(Client(), team.analyst)
    html = _proposal_page(client, proposal)
    assert re.search(r"<fieldset[^>]*>\s*<legend[^>]*>Violations", html)
    sent = client.post(
        reverse("monitoring:edit", kwargs={"proposal_id": proposal.pk}),
        {"violation_types": ["not-a-violation"]},
    ).content.decode()
    assert 'aria-describedby="id_violation_types_error"' in sent


def test_the_proposal_shows_the_confidence_as_the_queue_does(team, proposal):
    client = sign_in(Client(), team.analyst)
    shown = f"{round(proposal.confidence * 100)} %"
    queue = client.get(reverse("monitoring:queue")).content.decode()
    assert f'<td data-label="Confidence">{shown}</td>' in queue
    page = _proposal_page(client, proposal)
    assert f"confidence {shown}" in page and " · English · " in page  # the language by name


def test_a_web_address_is_not_called_a_title_in_arabic(team):
    client = sign_in(Client(), team.analyst)
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    html = client.get(reverse("monitoring:paste")).content.decode()
    assert "الرابط (إن وُجد)" in html and "العنوان (إن وُجد)" not in html


def test_the_campaign_page_lists_in_the_readers_language_and_isolates_typed_text(team):
    client = sign_in(Client(), team.analyst)
    client.post(
        reverse("monitoring:campaign-new"),
        {
            **CAMPAIGN,
            "narratives": ["criminal", "terrorist"],
            "reach": "25000",
            "attribution": "Troll farm",
        },
    )
    url = reverse("monitoring:campaign", kwargs={"campaign_id": Campaign.objects.get().pk})
    english = client.get(url).content.decode()
    assert "<dd>25,000</dd>" in english and "<bdi>Troll farm</bdi> (" in english
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    arabic = client.get(url).content.decode()
    assert re.search(r"<dd>[^<,]+، [^<,]+</dd>", arabic), "narratives joined with the Arabic comma"


def test_the_lists_stack_their_cells_with_labels_on_a_narrow_screen(team, proposal):
    """On a phone a table of five columns broke its headers mid-word: each row is a block
    whose cells say what they are."""
    client = sign_in(Client(), team.analyst)
    client.post(reverse("monitoring:sources"), SOURCE)
    client.post(reverse("monitoring:campaign-new"), CAMPAIGN)
    for page, label in (
        ("monitoring:queue", "Confidence"),
        ("monitoring:sources", "Last read"),
        ("monitoring:campaigns", "First seen"),
    ):
        html = client.get(reverse(page)).content.decode()
        assert '<table class="stacked">' in html and f'<td data-label="{label}"' in html, page


def test_an_empty_queue_links_to_adding_an_article_by_hand(team):
    html = sign_in(Client(), team.analyst).get(reverse("monitoring:queue")).content.decode()
    assert f'<a href="{reverse("monitoring:paste")}">Add an article</a></p>' in html


def test_places_are_chosen_by_name_from_lists(team, proposal):
    client = sign_in(Client(), team.analyst)
    html = _proposal_page(client, proposal)
    assert '<option value="CO" selected>Colombia</option>' in html  # the draft's country
    assert '<option value="CO-DC">' in html  # its regions, by name
    sources = client.get(reverse("monitoring:sources")).content.decode()
    assert '<select name="country"' in sources and '<option value="MX">Mexico</option>' in sources
    refused = client.post(reverse("monitoring:sources"), {**SOURCE, "country": "ZZ"})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()


def test_show_the_regions_redraws_the_form_with_the_countrys_regions_and_saves_nothing(
    team, proposal
):
    client = sign_in(Client(), team.analyst)
    shown = client.post(
        reverse("monitoring:sources"), {**SOURCE, "country": "MX", "show_regions": "1"}
    ).content.decode()
    assert '<option value="MX-CMX">' in shown and not Source.objects.exists()
    assert 'aria-invalid="true"' not in shown  # redrawn, not refused
    edit = reverse("monitoring:edit", kwargs={"proposal_id": proposal.pk})
    redrawn = client.post(edit, {"country": "MX", "show_regions": "1", "title": "Kept"})
    html = redrawn.content.decode()
    assert '<option value="MX" selected>Mexico</option>' in html and 'value="Kept"' in html
    # A region of the country before the change is refused in words.
    mixed = client.post(edit, {"country": "MX", "region": "CO-DC"}).content.decode()
    assert "That region is not one of the chosen country" in mixed
    with unlocked(team.analyst.keychain()):
        draft = decisions.draft_of(Proposal.objects.get(pk=proposal.pk))
    assert draft.country == "CO" and draft.title != "Kept"


def test_an_unrecognised_language_is_not_shown(team, proposal):
    Article.objects.filter(pk=proposal.article_id).update(language="")
    html = _proposal_page(sign_in(Client(), team.analyst), proposal)
    assert "Recognise it" not in html


def test_a_future_first_seen_is_marked_with_the_other_mistakes(team):
    """Reach -4 and a date in the future: both marked on the first save (the date had been
    said only once the reach was mended)."""
    client = sign_in(Client(), team.analyst)
    page = client.post(
        reverse("monitoring:campaign-new"), {**CAMPAIGN, "reach": "-4", "first_seen": "2999-01-01"}
    ).content.decode()
    assert "The date cannot be in the future." in page
    assert page.count('aria-invalid="true"') == 2
    assert not Campaign.objects.exists()
