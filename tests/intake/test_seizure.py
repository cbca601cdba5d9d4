"""Seizure: whoever takes the server gets the raw database (file, WAL, rows) and the media
folder. Narratives, contact details, exact places, messages, file names and bytes, triage
reasons and receipt codes must not be in them, nor a file's exact size or hash."""

from __future__ import annotations

import secrets

import pytest
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse

from aegis.files import storage
from aegis.intake import triage
from aegis.intake.models import Submission, SubmissionFile
from aegis.roles import Role
from aegis.vault.keychain import current, unlocked
from tests.conftest import sign_in
from tests.files.old_blobs import unpadded_blob
from tests.seizure import find

from .conftest import blobs, post_report, receipt_code, token_of

pytestmark = pytest.mark.django_db(transaction=True)


def canary(label: str) -> str:
    return f"{label}-{secrets.token_hex(6)}"


def test_nothing_a_reporter_or_the_team_writes_reaches_disk_in_clear(make_person, make_compartment):
    lucia = make_person(Role.CASEWORKER)
    make_compartment(lucia, name="Intake team")
    secrets_ = {
        "narrative": canary("Narrative"),
        "contact_name": canary("ContactName"),
        "contact_phone": canary("Phone"),
        "contact_email": f"{canary('mail')}@example.org",
        "contact_channel": canary("SignalHandle"),
        "place_details": canary("ExactPlace"),
    }
    file_bytes = canary("EvidenceBytes").encode() * 50
    file_name = canary("FileName") + ".txt"
    reporter = Client()
    response = post_report(
        reporter,
        files=[(file_name, file_bytes, "text/plain")],
        anonymous="no",
        **secrets_,
    )
    code = receipt_code(response)
    submission = Submission.objects.get()

    staff_reply = canary("StaffReply")
    reason = canary("TriageReason")
    staff = sign_in(Client(), lucia)
    assert staff.post(f"/triage/{submission.pk}/reply/", {"body": staff_reply}).status_code == 302
    reporter.post("/report/follow-up/", {"action": "open", "code": code})
    reporter_message = canary("ReporterMessage")
    second_file = canary("SecondFileBytes").encode() * 50
    from .conftest import upload

    reporter.post(
        "/report/follow-up/",
        {
            "action": "message",
            "body": reporter_message,
            "files": [upload("more.txt", second_file, "text/plain")],
        },
    )
    assert reporter_message in reporter.get("/report/follow-up/").content.decode()
    with unlocked(lucia.keychain()):
        triage.mark_spam(Submission.objects.get(), reason, actor_id=lucia.user.pk)
        assert Submission.objects.get().narrative == secrets_["narrative"]
    # A form page was served (its token signed) while all this happened.
    assert token_of(Client().get("/report/"))

    needles = [v.encode() for v in secrets_.values()] + [
        file_bytes[:40],
        second_file[:40],
        file_name.encode(),
        staff_reply.encode(),
        reporter_message.encode(),
        reason.encode(),
        code.encode(),
        code.replace("-", "").encode(),
    ]
    assert find(needles) == []
    # The coded fields are in clear on purpose; this also proves the scan sees plaintext.
    assert find([b"CO-ANT"]) != []


def test_a_seizer_cannot_tell_which_public_file_was_sent_by_its_size(intake_team):
    """A photo or video also posted online: its exact size, in a column or as its blob's
    length less a constant, would tell a seizer which one a reporter sent. Two files of
    nearby sizes leave blobs of one length and no exact size in clear; the intake team sees
    the exact size."""
    _compartment, lucia = intake_team
    sizes = (2000, 2345)
    for size in sizes:
        post_report(Client(), files=[(f"post-{size}.txt", b"y" * (size - 1) + b"\n", "text/plain")])
    columns = [f.attname for f in SubmissionFile._meta.concrete_fields]
    rows = list(SubmissionFile.objects.order_by("pk").values_list(*columns))
    for row, size in zip(rows, sizes, strict=True):
        in_clear = [v for v in row if not isinstance(v, bytes | memoryview)]
        assert size not in in_clear and str(size) not in map(str, in_clear)
        assert not any("text/plain" in str(value) for value in in_clear)
        assert storage.stored_size(size) in in_clear
    assert len({p.stat().st_size for p in blobs()}) == 1 and len(blobs()) == 2
    with unlocked(lucia.keychain()):
        files = SubmissionFile.objects.order_by("pk")
        assert [(f.size, f.content_type) for f in files] == [(s, "text/plain") for s in sizes]


def test_a_file_stored_before_sizes_were_sealed_still_opens(intake_team):
    _compartment, lucia = intake_team
    data = b"A file sent before blobs were padded.\n" * 20
    post_report(Client(), files=[("old.txt", data, "text/plain")])
    item = SubmissionFile.objects.get()
    with unlocked(lucia.keychain()):
        [blob] = blobs()
        blob.write_bytes(unpadded_blob(current().data_key(item.data_key_id), data))
    SubmissionFile.objects.filter(pk=item.pk).update(
        stored_size=len(data), exact_size=None, clear_type="text/plain", sealed_type=None
    )
    staff = sign_in(Client(), lucia)
    got = staff.get(reverse("intake:file", args=[item.submission_id, item.pk]))
    assert got.status_code == 200 and got.content == data
    assert got["Content-Type"].startswith("text/plain")
    page = staff.get(f"/triage/{item.submission_id}/").content.decode()
    assert "old.txt" in page and filesizeformat(len(data)) in page
