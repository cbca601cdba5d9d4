"""The public form says "Files (photos, documents, audio, video)": a PDF, a Word and an
OpenDocument file are accepted with their real types, and a document whose extension lies
is refused with the reporter's text kept."""

from __future__ import annotations

from django.test import Client

from aegis.files.documents import DOCX, ODT
from aegis.intake.models import Submission, SubmissionFile
from aegis.vault.keychain import unlocked
from tests.files.test_documents import MINIMAL_PDF, docx, odt, plain_zip

from .conftest import post_report, receipt_code


def test_documents_are_accepted_on_the_public_form(intake_team):
    response = post_report(
        Client(),
        files=[
            ("statement.pdf", MINIMAL_PDF, "application/pdf"),
            ("statement.docx", docx(), DOCX),
            ("statement.odt", odt(), ODT),
        ],
    )
    assert receipt_code(response)
    submission = Submission.objects.get()
    with unlocked(intake_team[1].keychain()):
        files = SubmissionFile.objects.filter(submission=submission)
        types = sorted(f.content_type for f in files)
    assert types == sorted(["application/pdf", DOCX, ODT])


def test_an_archive_named_as_a_document_is_refused(intake_team):
    response = post_report(Client(), files=[("statement.docx", plain_zip(), DOCX)])
    page = response.content.decode()
    assert response.status_code == 200 and "not a kind of file we accept" in page
    assert not Submission.objects.exists()
