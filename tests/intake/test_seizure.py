"""Seizure: whoever takes the server gets the raw database (file, WAL, rows) and the media
folder. Narratives, contact details, exact places, messages, file names and bytes, triage
reasons and receipt codes must not be in them."""

from __future__ import annotations

import secrets

import pytest
from django.test import Client

from aegis.intake import triage
from aegis.intake.models import Submission
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in
from tests.seizure import find

from .conftest import post_report, receipt_code, token_of

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
