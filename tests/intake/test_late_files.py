"""Files a reporter sends with their receipt code after the report was taken up as a case:
the report's page marks them, says which of its files are in the case's evidence, and adds
a later one to it, once, as the take-up carried the first (same hash, an upload in its chain
of custody that names the reporter's later message). The reporter's request cannot do it
when the file arrives: it holds the report's key alone, never the case's."""

from __future__ import annotations

import hashlib
import io
import re
import uuid

import pytest
from django.db import connection
from django.test import Client

from aegis.audit.models import AuditEntry
from aegis.cases import services as cases
from aegis.cases.models import Case
from aegis.evidence import selectors as evidence_selectors
from aegis.evidence import services as evidence
from aegis.evidence.models import CustodyAction, EvidenceItem
from aegis.files.uploads import check_upload
from aegis.intake import services, triage
from aegis.intake.models import Submission, SubmissionFile, SubmissionMessage
from aegis.roles import Role
from aegis.rules import Conflict
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

from .conftest import blobs, png_bytes, post_report, receipt_code, without_csrf

pytestmark = pytest.mark.django_db

FIRST = png_bytes(colour=(10, 120, 40))
LATER = png_bytes(size=(9, 7), colour=(200, 200, 10))
ADD = "Add to the case's evidence"


@pytest.fixture
def taken_up(intake_team, make_compartment):
    """A report sent with a photo and taken up as a case in the Andes compartment (Lucía is
    on the intake team and in Andes); its receipt code."""
    lucia = intake_team[1]
    code = receipt_code(post_report(Client(), files=[("threat.png", FIRST, "image/png")]))
    submission = Submission.objects.get()
    andes = make_compartment(lucia, name="Andes")
    client = sign_in(Client(), lucia)
    response = client.post(
        f"/triage/{submission.pk}/convert/",
        {
            "compartment": andes.pk,
            "create": "case",
            "subject_kind": "person",
            "pseudonym": "Ana",
            "sector": "other",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    return submission, code, client


def _send_later(code: str, name: str = "van.png", data: bytes = LATER) -> SubmissionFile:
    """The reporter writes again with a file, with their code (no account, no case key)."""
    upload = check_upload(io.BytesIO(data), name, "image/png")
    message = services.add_reporter_message(
        services.open_receipt(code), "The van came back.", [upload]
    )
    return SubmissionFile.objects.get(message=message)


def _lucia_keys(intake_team):
    return intake_team[1].keychain()


def _page(client: Client, submission: Submission) -> str:
    return client.get(f"/triage/{submission.pk}/").content.decode()


def _file_item(page: str, file_id: int) -> str:
    found = re.search(rf'<li id="file-{file_id}">(.*?)</li>', page, re.S)
    assert found, page[-4000:]
    return found.group(1)


def test_a_file_sent_after_the_take_up_is_marked_and_added_once(intake_team, taken_up):
    submission, code, client = taken_up
    first = SubmissionFile.objects.get()
    late = _send_later(code)
    # Sending it carried nothing: only the take-up's photo is in the case's evidence.
    assert EvidenceItem.objects.count() == 1
    page = _page(client, submission)
    assert "sent after the take-up" in _file_item(page, late.pk)
    assert ADD in _file_item(page, late.pk)
    assert "sent after the take-up" not in _file_item(page, first.pk)
    assert ADD not in _file_item(page, first.pk)
    assert "in the case's evidence" in _file_item(page, first.pk)
    listed = re.search(r'<ul id="in-evidence">(.*?)</ul>', page, re.S)
    assert listed and "threat.png" in listed.group(1) and "van.png" not in listed.group(1)
    assert "1 file of the report is not in the case's evidence" in page

    stored_blobs = len(blobs())
    response = client.post(f"/triage/{submission.pk}/files/{late.pk}/evidence/")
    assert response.status_code == 302
    assert response["Location"] == f"/triage/{submission.pk}/#file-{late.pk}"
    assert len(blobs()) == stored_blobs + 1
    page = client.get(response["Location"]).content.decode()
    assert "The file is now in the evidence of case" in page
    listed = re.search(r'<ul id="in-evidence">(.*?)</ul>', page, re.S)
    assert listed and "threat.png" in listed.group(1) and "van.png" in listed.group(1)
    assert ADD not in page and "not-in-evidence" not in page

    with unlocked(_lucia_keys(intake_team)):
        case = Case.objects.get()
        item = EvidenceItem.objects.get(case=case, added_at__gt=Submission.objects.get().triaged_at)
        assert (item.name, item.size, item.content_type) == ("van.png", len(LATER), "image/png")
        assert item.sha256 == hashlib.sha256(LATER).hexdigest() and item.is_original
        assert f'href="/evidence/{item.pk}/"' in page
        events = list(evidence_selectors.custody_of(item))
        assert [e.action for e in events] == [CustodyAction.UPLOAD]
        assert "later message on report" in events[0].reason
        assert submission.reference in events[0].reason
        # The take-up's photo went the same way, its origin the report itself.
        carried = EvidenceItem.objects.exclude(pk=item.pk).get()
        assert evidence_selectors.custody_of(carried).get().reason == (
            f"Sent with report {submission.reference}"
        )
        assert evidence.download(item, actor_id=intake_team[1].user.pk, reason="Check").data == (
            LATER
        )
    assert AuditEntry.objects.filter(action="intake.triage", object_type="submission-file").count()

    again = client.post(f"/triage/{submission.pk}/files/{late.pk}/evidence/")
    assert again.status_code == 409
    assert "“van.png” is already in the evidence of case" in again.content.decode()
    assert "nothing was added" in again.content.decode()
    assert EvidenceItem.objects.count() == 2 and len(blobs()) == stored_blobs + 1


def test_a_file_present_at_the_take_up_cannot_be_added_twice(intake_team, taken_up):
    submission, _code, client = taken_up
    first = SubmissionFile.objects.get()
    with unlocked(_lucia_keys(intake_team)):
        # The take-up recorded which evidence item each file became.
        assert SubmissionFile.objects.get().evidence_link == str(EvidenceItem.objects.get().pk)
    response = client.post(f"/triage/{submission.pk}/files/{first.pk}/evidence/")
    assert response.status_code == 409 and "already in the evidence" in response.content.decode()
    assert EvidenceItem.objects.count() == 1


def test_adding_a_file_leaves_the_reporter_waiting_for_an_answer(intake_team, taken_up):
    """Adding the file is no answer: the reporter wrote last and is still waited for."""
    submission, code, client = taken_up
    late = _send_later(code)
    waiting = "1 reporter wrote again and waits for an answer"
    assert waiting in client.get("/").content.decode()
    messages = SubmissionMessage.objects.count()
    client.post(f"/triage/{submission.pk}/files/{late.pk}/evidence/")
    assert EvidenceItem.objects.count() == 2
    assert SubmissionMessage.objects.count() == messages
    assert waiting in client.get("/").content.decode()
    listed = client.get("/triage/?awaiting=1").content.decode()
    assert submission.reference in listed and "the reporter wrote last" in listed


def test_two_presses_at_once_add_the_file_once(intake_team, taken_up):
    """The second press read the file before the first was committed: the row is read again
    locked, and nothing more is added (and no blob is left behind)."""
    submission, code, _client = taken_up
    late = _send_later(code)
    lucia = intake_team[1]
    with unlocked(lucia.keychain()):
        submission = Submission.objects.get()
        stale = SubmissionFile.objects.get(pk=late.pk)
        case = Case.objects.get()
        triage.carry_file(submission, late, case, actor_id=lucia.user.pk)
        stored = len(blobs())
        with pytest.raises(Conflict, match="already in the evidence"):
            triage.carry_file(submission, stale, case, actor_id=lucia.user.pk)
    assert EvidenceItem.objects.count() == 2 and len(blobs()) == stored


def test_a_failure_while_adding_leaves_nothing_and_may_be_tried_again(
    intake_team, taken_up, monkeypatch
):
    submission, code, client = taken_up
    late = _send_later(code)
    before = blobs()
    real = evidence.record_custody

    def fails(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(evidence, "record_custody", fails)
    with unlocked(_lucia_keys(intake_team)), pytest.raises(OSError):
        triage.carry_file(
            Submission.objects.get(), late, Case.objects.get(), actor_id=intake_team[1].user.pk
        )
    assert EvidenceItem.objects.count() == 1 and blobs() == before
    monkeypatch.setattr(evidence, "record_custody", real)
    assert ADD in _file_item(_page(client, submission), late.pk)
    assert client.post(f"/triage/{submission.pk}/files/{late.pk}/evidence/").status_code == 302
    assert EvidenceItem.objects.count() == 2


def test_a_team_member_outside_the_cases_compartment_is_told_and_adds_nothing(
    intake_team, taken_up, make_person
):
    submission, code, _client = taken_up
    late = _send_later(code)
    marta = make_person(Role.CASEWORKER)
    with unlocked(intake_team[1].keychain()):
        cases.add_member(intake_team[0], marta.user, actor_id=intake_team[1].user.pk)
    client = sign_in(Client(), marta)
    response = client.post(f"/triage/{submission.pk}/files/{late.pk}/evidence/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only members of the compartment of case" in page and "Nothing was added." in page
    assert EvidenceItem.objects.count() == 1


def test_a_report_not_taken_up_as_a_case_has_no_button(intake_team, make_compartment):
    lucia = intake_team[1]
    code = receipt_code(post_report(Client()))
    submission = Submission.objects.get()
    late = _send_later(code)
    client = sign_in(Client(), lucia)
    page = _page(client, submission)
    assert ADD not in page and "sent after the take-up" not in page
    response = client.post(f"/triage/{submission.pk}/files/{late.pk}/evidence/")
    assert response.status_code == 409
    assert "This report was not taken up as a case" in response.content.decode()
    # Taken up as an incident alone: still no case to add to.
    andes = make_compartment(lucia, name="Andes")
    client.post(
        f"/triage/{submission.pk}/convert/",
        {
            "compartment": andes.pk,
            "create": "incident",
            "incident_title": "Van",
            "subject_kind": "person",
            "sector": "other",
        },
    )
    assert Submission.objects.get().status == "converted"
    later = _send_later(code, "later.png")
    page = _page(client, submission)
    assert "sent after the take-up" in _file_item(page, later.pk) and ADD not in page
    assert client.post(f"/triage/{submission.pk}/files/{later.pk}/evidence/").status_code == 409
    assert EvidenceItem.objects.count() == 0


def test_a_file_of_another_report_is_not_found(intake_team, taken_up):
    submission, _code, client = taken_up
    receipt_code(post_report(Client(), files=[("other.png", LATER, "image/png")]))
    other = SubmissionFile.objects.exclude(submission=submission).get()
    assert client.post(f"/triage/{submission.pk}/files/{other.pk}/evidence/").status_code == 404
    assert client.post(f"/triage/{submission.pk}/files/999999/evidence/").status_code == 404
    assert EvidenceItem.objects.count() == 1


def test_the_form_needs_its_csrf_token(intake_team, taken_up):
    submission, code, _client = taken_up
    late = _send_later(code)
    client = Client(enforce_csrf_checks=True)
    client.cookies = sign_in(Client(), intake_team[1]).cookies
    assert client.post(f"/triage/{submission.pk}/files/{late.pk}/evidence/").status_code == 403
    assert EvidenceItem.objects.count() == 1
    page = _page(client, submission)
    token = re.search(
        rf'action="/triage/{submission.pk}/files/{late.pk}/evidence/" class="inline">'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"',
        page,
    )
    assert token, page[-4000:]
    response = client.post(
        f"/triage/{submission.pk}/files/{late.pk}/evidence/",
        {"csrfmiddlewaretoken": token.group(1)},
    )
    assert response.status_code == 302 and EvidenceItem.objects.count() == 2


@pytest.mark.parametrize(
    "role", [Role.RESPONDER, Role.ANALYST, Role.AUDITOR, Role.ADMIN, Role.DEFENDER]
)
def test_other_roles_are_refused(role, taken_up, signed_in):
    submission, code, _client = taken_up
    late = _send_later(code)
    client, _person = signed_in(role)
    assert client.post(f"/triage/{submission.pk}/files/{late.pk}/evidence/").status_code == 403
    anonymous = Client().post(f"/triage/{submission.pk}/files/{late.pk}/evidence/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert EvidenceItem.objects.count() == 1


def test_a_caseworker_outside_the_intake_team_cannot_learn_the_file_exists(taken_up, signed_in):
    submission, code, _client = taken_up
    late = _send_later(code)
    client, _outsider = signed_in(Role.CASEWORKER)
    missing = uuid.uuid4()
    seen = client.post(f"/triage/{submission.pk}/files/{late.pk}/evidence/")
    unseen = client.post(f"/triage/{missing}/files/{late.pk}/evidence/")
    assert seen.status_code == unseen.status_code == 404
    assert without_csrf(seen.content).replace(str(submission.pk).encode(), b"") == without_csrf(
        unseen.content
    ).replace(str(missing).encode(), b"")
    assert EvidenceItem.objects.count() == 1


def test_the_reporter_sees_nothing_of_the_evidence(taken_up):
    _submission, code, _client = taken_up
    _send_later(code)
    reporter = Client()
    reporter.post("/report/follow-up/", {"action": "open", "code": code})
    page = reporter.get("/report/follow-up/").content.decode()
    assert "van.png" in page and "evidence" not in page.lower()


def _forget_link(file_id: int) -> None:
    """As a file stored before the link was recorded (the migration holds no key)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE intake_submissionfile SET evidence_sealed = NULL WHERE id = %s", [file_id]
        )


def test_files_stored_before_the_link_was_recorded(intake_team, taken_up):
    """Before, the take-up carried every file the report had and nothing carried later ones:
    an earlier file is in the evidence, a later one may be added."""
    submission, code, client = taken_up
    first = SubmissionFile.objects.get()
    late = _send_later(code)
    _forget_link(first.pk)
    _forget_link(late.pk)
    page = _page(client, submission)
    assert ADD not in _file_item(page, first.pk)
    assert "in the case's evidence" in _file_item(page, first.pk)
    assert ADD in _file_item(page, late.pk)
    assert client.post(f"/triage/{submission.pk}/files/not-a-file/evidence/").status_code == 404
    assert client.post(f"/triage/{submission.pk}/files/{first.pk}/evidence/").status_code == 409
    assert client.post(f"/triage/{submission.pk}/files/{late.pk}/evidence/").status_code == 302
    assert EvidenceItem.objects.count() == 2
    assert ADD not in _page(client, submission)


def test_every_file_keeps_its_link_sealed(taken_up):
    """The link is ciphertext of one padded length, whether a file is in the evidence or not:
    a copy of the disk does not tell which files (sent when) went into a case."""
    _submission, code, _client = taken_up
    _send_later(code)
    with connection.cursor() as cursor:
        cursor.execute("SELECT evidence_sealed FROM intake_submissionfile ORDER BY id")
        sealed = [bytes(row[0]) for row in cursor.fetchall()]
    assert len(sealed) == 2 and len({len(value) for value in sealed}) == 1
    items = [str(pk).encode() for pk in EvidenceItem.objects.values_list("pk", flat=True)]
    assert not any(pk in value for value in sealed for pk in items)
