"""The pages, through the real sign-in: a caseworker writes from a case, a colleague reviews,
it is sent and tracked; an outsider gets 404; an analyst sees counts, never names; an
administrator edits a mechanism."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from aegis.advocacy.models import Communication, Mechanism
from aegis.advocacy.vocabulary import Status
from aegis.roles import Role
from aegis.vault.keychain import unlocked

from .conftest import ELEMENTS, LEGAL_NAME, NARRATIVE, PSEUDONYM, draft_for, reviewed, sign_in

pytestmark = pytest.mark.django_db


def test_write_review_send_and_track_through_the_pages(team):
    source = draft_for(team, "special_procedures")  # a case with its incident
    writer = sign_in(Client(), team.writer)
    mechanism = Mechanism.objects.get(code="un-special-procedures")
    hrds = mechanism.mandates.get(code="hrds")
    response = writer.post(
        "/advocacy/new/",
        {
            "case": source.case.reference,
            "mechanism": mechanism.pk,
            "kind": "urgent_appeal",
            "language": "en",
            "mandates": [hrds.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Communication.objects.exclude(pk=source.pk).get()
    edit = f"/advocacy/{created.pk}/edit/"
    page = writer.get(edit).content.decode()
    assert "What must stay confidential" in page and "Death threat at the leader" in page
    form = {
        "language": "en",
        "narrative": NARRATIVE,
        "incidents": [str(i.pk) for i in source.incidents.all()],
        "source": ELEMENTS["source"],
        "confidential": ELEMENTS["confidential"],
    }
    assert writer.post(edit, form).status_code == 302
    detail = f"/advocacy/{created.pk}/"
    page = writer.get(detail).content.decode()
    assert "Missing:" not in page and "Special Rapporteur on the situation" in page
    writer.post(f"{detail}step/", {"step": "submit"})
    # The writer may not approve their own.
    writer.post(f"{detail}step/", {"step": "approve"})
    assert Communication.objects.get(pk=created.pk).reviewed_by_id is None
    reviewer = sign_in(Client(), team.reviewer)
    assert "Approve (second review)" in reviewer.get(detail).content.decode()
    reviewer.post(f"{detail}step/", {"step": "approve"})
    response = reviewer.post(f"{detail}step/", {"step": "send"}, follow=True)
    assert "Marked sent" in response.content.decode()
    reviewer.post(f"{detail}step/", {"step": "acknowledge", "reference": "UA COL 3/2026"})
    response = reviewer.post(
        f"/advocacy/{created.pk}/reply/",
        {"reply": "The State says measures were taken.", "summary": "Measures claimed."},
    )
    assert response.status_code == 302
    assert (
        writer.post(
            f"/advocacy/{created.pk}/outcome/", {"outcome": "investigation_opened"}
        ).status_code
        == 302
    )
    stored = Communication.objects.get(pk=created.pk)
    with unlocked(team.writer.keychain()):  # sealed with the communication's key
        assert stored.status == Status.REPLIED and stored.reference == "UA COL 3/2026"
    page = writer.get(detail).content.decode()
    assert "Measures claimed." in page and "Investigation opened" in page
    listing = writer.get("/advocacy/").content.decode()
    assert "UA COL 3/2026" in listing and PSEUDONYM in listing and LEGAL_NAME not in listing
    assert "UA COL 3/2026" not in writer.get("/advocacy/?overdue=1").content.decode()
    case_page = writer.get(f"/cases/{source.case.reference}/").content.decode()
    assert "Communications to mechanisms" in case_page


def test_sending_with_a_missing_element_is_refused_on_the_page(team):
    from .conftest import variant

    communication = reviewed(team, draft_for(team, "special_procedures", variant(drop=("source",))))
    client = sign_in(Client(), team.reviewer)
    page = client.get(f"/advocacy/{communication.pk}/").content.decode()
    assert "Missing:" in page
    response = client.post(f"/advocacy/{communication.pk}/step/", {"step": "send"}, follow=True)
    assert "anonymous communications are not considered" in response.content.decode()
    assert Communication.objects.get(pk=communication.pk).status == Status.REVIEW


def test_a_step_refused_for_its_input_names_the_field_and_why(team):
    """A NUL in the mechanism's reference had been told "Choose a step, and give a valid
    date", though both were right."""
    communication = reviewed(team, draft_for(team, "special_procedures"))
    client = sign_in(Client(), team.reviewer)
    url = f"/advocacy/{communication.pk}/step/"
    response = client.post(
        url, {"step": "acknowledge", "reference": "REF\x00X", "on": "2026-12-01"}, follow=True
    )
    page = html.unescape(response.content.decode())
    assert "The mechanism's reference: Null characters are not allowed." in page
    assert "Choose a step" not in page
    assert Communication.objects.get(pk=communication.pk).status == Status.REVIEW


def test_exports_through_the_page(team):
    communication = draft_for(team, "echr_rule_39")
    client = sign_in(Client(), team.writer)
    page = client.get(f"/advocacy/{communication.pk}/").content.decode()
    assert "takes a few seconds to prepare" in page  # 4 to 5 s with nothing said
    response = client.get(f"/advocacy/{communication.pk}/export/pdf/")
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    text = client.get(f"/advocacy/{communication.pk}/export/text/")
    assert text["Content-Type"].startswith("text/plain")
    assert client.get(f"/advocacy/{communication.pk}/export/sheet/").status_code == 200
    assert client.get(f"/advocacy/{communication.pk}/export/docx/").status_code == 404


def test_an_outsider_gets_404_everywhere(team):
    communication = draft_for(team, "wgeid")
    client = sign_in(Client(), team.outsider)
    for suffix in ("", "edit/", "reply/", "outcome/", "resolution/", "export/pdf/"):
        assert client.get(f"/advocacy/{communication.pk}/{suffix}").status_code == 404
    assert client.post(f"/advocacy/{communication.pk}/step/", {"step": "submit"}).status_code == 404
    assert LEGAL_NAME not in client.get("/advocacy/").content.decode()


def test_the_analyst_sees_counts_never_names(team):
    communication = reviewed(team, draft_for(team, "special_procedures"))
    client = sign_in(Client(), team.analyst)
    page = client.get("/advocacy/analysis/").content.decode()
    assert "UN Special Procedures" in page
    for secret in (LEGAL_NAME, PSEUDONYM, communication.case.reference, "Frente 18"):
        assert secret not in page
    assert client.get(f"/advocacy/{communication.pk}/").status_code == 403


def test_the_administrator_edits_a_mechanism(make_person):
    admin = sign_in(Client(), make_person(Role.ADMIN))
    wgeid = Mechanism.objects.get(code="wgeid")
    assert (
        "The forces believed responsible"
        in admin.get(f"/advocacy/mechanisms/{wgeid.pk}/").content.decode()
    )
    form = {
        "name": wgeid.name,
        "channel": "online_form",
        "address": "https://example.org/wgeid",
        "subject_convention": "",
        "consent_rule": "family",
        "languages": ["en", "fr", "es"],
        "kinds": ["disappearance"],
        "reply_period_days": "90",
        "active": "on",
    }
    assert admin.post(f"/advocacy/mechanisms/{wgeid.pk}/", form).status_code == 302
    wgeid.refresh_from_db()
    assert wgeid.reply_period_days == 90 and wgeid.channel == "online_form"
    form["reply_period_days"] = "0"
    response = admin.post(f"/advocacy/mechanisms/{wgeid.pk}/", form)
    assert response.status_code == 422 and "from 1 to 730" in response.content.decode()
    assert "UN Special Procedures" in admin.get("/advocacy/mechanisms/").content.decode()


def test_mechanisms_are_shown_by_name_with_their_kinds_and_languages_in_words(team, make_person):
    """The mechanism's list, the table beside it and the administrator's list had shown the
    stored codes ("un-special-procedures", "urgent_appeal,allegation_letter", "en,fr,es")."""
    special = Mechanism.objects.get(code="un-special-procedures")
    page = sign_in(Client(), team.writer).get("/advocacy/new/").content.decode()
    assert f'<option value="{special.pk}">{special.name}</option>' in page
    assert ">un-special-procedures<" not in page
    assert "Urgent appeal, Allegation letter, Follow-up information" in page
    assert "urgent_appeal,allegation_letter" not in page
    assert "English, French, Spanish" in page and "<td>en,fr" not in page
    admin = sign_in(Client(), make_person(Role.ADMIN)).get("/advocacy/mechanisms/")
    assert "English, French, Spanish" in admin.content.decode()
    writer = sign_in(Client(), team.writer)
    spanish = writer.get("/advocacy/new/", headers={"accept-language": "es"})
    assert "Llamamiento urgente" in spanish.content.decode()


def _published_through_the_pages(team) -> tuple[Client, str]:
    communication = reviewed(team, draft_for(team, "special_procedures"))
    client = sign_in(Client(), team.reviewer)
    detail = f"/advocacy/{communication.pk}/"
    for step in (
        {"step": "send"},
        {"step": "acknowledge", "reference": "UA COL 3/2026"},
        {"step": "transmit"},
        {"step": "publish", "publication": "A/HRC/62/3"},
    ):
        assert client.post(f"{detail}step/", step).status_code == 302
    assert Communication.objects.get(pk=communication.pk).status == Status.PUBLISHED
    return client, detail


def test_a_late_reply_is_recorded_through_the_pages_after_the_publication(team):
    client, detail = _published_through_the_pages(team)
    page = client.get(detail).content.decode()
    assert "Record the State's reply" in page  # the link had disappeared
    response = client.post(
        f"{detail}reply/", {"reply": "The State denies it.", "summary": "Denial."}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get(detail).content.decode()
    assert "Denial." in page and "Record the State's reply" not in page
    history = page[page.index("<h2>History</h2>") :]
    assert history.index("Published") < history.index("Reply received")
    assert "Record a follow-up" in page  # the next step after the publication stays


def test_a_refusal_is_shown_once_on_the_form(team):
    """A refusal about the whole request had been shown twice (above the form and again by
    `form.as_div`); the tester saw it three times."""
    draft = draft_for(team, "special_procedures")
    client = sign_in(Client(), team.writer)
    reply = {"reply": "The State denies it.", "summary": "Denial."}
    response = client.post(f"/advocacy/{draft.pk}/reply/", reply)  # not sent yet: refused
    page = response.content.decode()
    assert response.status_code == 422 and 'role="alert"' in page
    assert page.count("A communication that is “Draft” cannot become “Reply received”.") == 1
    sent, detail = _published_through_the_pages(team)
    edit = sent.post(f"{detail}edit/", {"language": "en", "narrative": NARRATIVE})
    assert edit.content.decode().count("A sent communication is kept as it was sent.") == 1
    # An error on one input is shown once, at that input.
    response = sent.post(f"{detail}reply/", {"reply": "", "summary": "Denial."})
    assert response.content.decode().count("This field is required.") == 1


def test_a_short_narrative_is_said_to_be_too_short_and_by_how_much(team):
    """A saved narrative under the minimum had been listed as "Missing: A detailed account of
    the events (the narrative)", and the form did not say the minimum."""
    from .conftest import variant

    short = NARRATIVE[:140].strip() + "."
    assert len(short) == 140
    communication = reviewed(team, draft_for(team, "special_procedures", variant(narrative=short)))
    client = sign_in(Client(), team.writer)
    detail = f"/advocacy/{communication.pk}/"
    page = client.get(detail).content.decode()
    assert "Missing:</strong> A detailed account" not in page
    assert (
        "Not enough:</strong> A detailed account of the events (the narrative) — "
        "too short: at least 200 characters, now 140" in page
    )
    form = client.get(f"{detail}edit/").content.decode()
    assert "At least 200 characters." in form
    reviewer = sign_in(Client(), team.reviewer)
    response = reviewer.post(f"{detail}step/", {"step": "send"}, follow=True)
    assert "too short: at least 200 characters, now 140" in response.content.decode()
    spanish = client.get(detail, headers={"accept-language": "es"}).content.decode()
    assert "demasiado breve: al menos 200 caracteres, ahora 140" in spanish
    # Nothing written at all is still missing.
    empty = draft_for(team, "special_procedures", variant(narrative=""))
    page = client.get(f"/advocacy/{empty.pk}/").content.decode()
    assert "Missing:</strong> A detailed account of the events (the narrative)" in page


def test_the_history_shows_the_internal_review_and_its_reset(team):
    communication = reviewed(team, draft_for(team, "special_procedures"))
    client = sign_in(Client(), team.writer)
    detail = f"/advocacy/{communication.pk}/"
    history = client.get(detail).content.decode().split("<h2>History</h2>")[1]
    reviewer = team.reviewer.user.username
    assert "Approved by a second person (internal review)" in history and reviewer in history
    form = {"language": "en", "narrative": NARRATIVE + " More.", "source": "x", "confidential": "y"}
    assert client.post(f"{detail}edit/", form).status_code == 302
    history = client.get(detail).content.decode().split("<h2>History</h2>")[1]
    assert "Changed after the review: a new review is needed" in history
