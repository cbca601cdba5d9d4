"""The intake team's triage queue: reading reports, replying, spam and duplicates, taking a
report up as a case and/or an incident with everything carried over; who may do it."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.test import Client

from aegis.audit.models import AuditEntry
from aegis.cases.models import Case
from aegis.evidence import services as evidence
from aegis.evidence.models import EvidenceItem
from aegis.incidents.models import Incident
from aegis.intake import services, triage
from aegis.intake.models import Submission, SubmissionMessage
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

from .conftest import blobs, png_bytes, post_report, receipt_code, without_csrf

pytestmark = pytest.mark.django_db

PHOTO = png_bytes(colour=(10, 120, 40))


@pytest.fixture
def reported(intake_team):
    """A report with contact details and a photo, sent through the public form."""
    code = receipt_code(
        post_report(
            Client(),
            files=[("threat.png", PHOTO, "image/png")],
            anonymous="no",
            contact_name="Ana Torres",
            contact_phone="+57 300 555 0101",
            contact_channel="Signal, evenings",
            narrative="A pamphlet named me as a target of the group.",
        )
    )
    return Submission.objects.get(), code


def test_the_queue_lists_reports_newest_first_with_pages(intake_team, submit):
    _compartment, lucia = intake_team
    for i in range(27):
        submit(f"Report number {i}", country="MX")
    client = sign_in(Client(), lucia)
    first = client.get("/triage/")
    page = first.content.decode()
    assert first.status_code == 200 and "Page 1 of 2" in page
    newest = Submission.objects.order_by("-received_at").first()
    oldest = Submission.objects.order_by("received_at").first()
    assert newest.reference in page and oldest.reference not in page
    assert "Report number" not in page  # the list shows coded fields only, no narratives
    assert oldest.reference in client.get("/triage/?page=2").content.decode()


def test_the_queue_has_a_useful_empty_state(intake_team):
    client = sign_in(Client(), intake_team[1])
    assert "No reports yet" in client.get("/triage/").content.decode()


def _lucia(intake_team):
    return intake_team[1]


def test_reading_a_report_and_its_file(intake_team, reported):
    submission, _ = reported
    lucia = _lucia(intake_team)
    client = sign_in(Client(), lucia)
    page = client.get(f"/triage/{submission.pk}/").content.decode()
    for text in ("A pamphlet named me as a target", "Ana Torres", "+57 300 555 0101", "Signal"):
        assert text in page
    assert "Vereda El Roble, near the school" in page and "Antioquia" in page
    assert "threat.png" in page
    with unlocked(lucia.keychain()):
        item = submission.files.get()
    response = client.get(f"/triage/{submission.pk}/files/{item.pk}/")
    assert response.status_code == 200 and response.content == PHOTO
    assert response["Content-Disposition"] == 'attachment; filename="threat.png"'
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"record.open", "custody.download"} <= actions
    assert client.get(f"/triage/{submission.pk}/files/999999/").status_code == 404


def test_a_reply_reaches_the_reporter(intake_team, reported):
    submission, code = reported
    lucia = _lucia(intake_team)
    client = sign_in(Client(), lucia)
    response = client.post(
        f"/triage/{submission.pk}/reply/", {"body": "Thank you. Can we call you tonight?"}
    )
    assert response.status_code == 302
    assert (
        "Thank you. Can we call you tonight?" in client.get(response["Location"]).content.decode()
    )
    assert AuditEntry.objects.filter(action="intake.reply", actor_id=lucia.user.pk).count() == 1
    access = services.open_receipt(code)
    found, chain = services.reporter_keychain(access)
    with unlocked(chain):
        assert [m.body for m in found.messages.all()] == ["Thank you. Can we call you tonight?"]
    empty = client.post(f"/triage/{submission.pk}/reply/", {"body": "   "})
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    assert SubmissionMessage.objects.count() == 1


def test_marking_spam_and_duplicates_needs_a_reason(intake_team, submit):
    lucia = _lucia(intake_team)
    first, second = submit("The original report"), submit("The same report again")
    client = sign_in(Client(), lucia)
    page = client.post(f"/triage/{second.submission_id}/mark/", {"decision": "spam"})
    assert "This field is required" in page.content.decode()
    page = client.post(
        f"/triage/{second.submission_id}/mark/", {"decision": "duplicate", "reason": "same"}
    )
    assert "Choose the report this one duplicates." in page.content.decode()
    response = client.post(
        f"/triage/{second.submission_id}/mark/",
        {"decision": "duplicate", "duplicate_of": str(first.submission_id), "reason": "Same text"},
    )
    assert response.status_code == 302
    duplicate = Submission.objects.get(pk=second.submission_id)
    assert duplicate.status == "duplicate" and duplicate.duplicate_of_id == first.submission_id
    with unlocked(lucia.keychain()):
        assert Submission.objects.get(pk=second.submission_id).triage_reason == "Same text"
    response = client.post(
        f"/triage/{first.submission_id}/mark/", {"decision": "spam", "reason": "Advertising"}
    )
    assert Submission.objects.get(pk=first.submission_id).status == "spam"
    assert AuditEntry.objects.filter(action="intake.triage").count() == 2
    detail = client.get(f"/triage/{second.submission_id}/").content.decode()
    assert "Same text" in detail and first.submission_id.hex[:8].upper() in detail


def test_taking_up_a_report_as_a_case_carries_everything_over(
    intake_team, reported, make_compartment
):
    submission, code = reported
    lucia = _lucia(intake_team)
    cases_compartment = make_compartment(lucia, name="Andes")
    with unlocked(lucia.keychain()):
        triage.reply(submission, "Are you safe?", actor_id=lucia.user.pk)
    services.add_reporter_message(services.open_receipt(code), "Yes, for now.")
    client = sign_in(Client(), lucia)
    form = client.get(f"/triage/{submission.pk}/convert/").content.decode()
    assert "Andes" in form and "nothing needs to be typed again" in form
    response = client.post(
        f"/triage/{submission.pk}/convert/",
        {
            "compartment": cases_compartment.pk,
            "create": "case",
            "subject_kind": "person",
            "pseudonym": "Guardian of the river",
            "sector": "land_environment",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    case = Case.objects.get()
    stored = Submission.objects.get()
    with unlocked(lucia.keychain()):
        assert stored.status == "converted" and stored.case_reference == case.reference
    with unlocked(lucia.keychain()):
        case = Case.objects.get()
        assert case.summary == "A pamphlet named me as a target of the group."
        assert (case.country, case.region, case.compartment) == ("CO", "CO-ANT", cases_compartment)
        person = case.person
        assert person.pseudonym == "Guardian of the river"
        assert (person.legal_name, person.phone) == ("Ana Torres", "+57 300 555 0101")
        assert person.contact_channels == "Signal, evenings"
        note = case.notes.get().body
        assert "Vereda El Roble, near the school" in note and "2025-03-14" in note
        assert "Are you safe?" in note and "Yes, for now." in note
        item = EvidenceItem.objects.get(case=case)
        assert item.name == "threat.png" and item.size == len(PHOTO)
        copy = evidence.download(item, actor_id=lucia.user.pk, reason="Check the carried file")
        assert copy.data == PHOTO
    page = client.get(response["Location"]).content.decode()
    assert case.reference in page
    assert AuditEntry.objects.filter(action="intake.triage").count() == 1


def test_a_reporter_who_writes_after_the_take_up_is_waited_for_on_the_dashboard(
    intake_team, reported, make_compartment
):
    """A message sent with the receipt code after the report became a case had reached no
    one: the dashboard and the queue showed nothing new, the case's notes stopped at the
    take-up. It is counted on the dashboard (first, urgent) until someone answers."""
    submission, code = reported
    lucia = _lucia(intake_team)
    cases_compartment = make_compartment(lucia, name="Andes")
    client = sign_in(Client(), lucia)
    _take_up_as_both(client, submission, cases_compartment)
    waiting = "1 reporter wrote again and waits for an answer"
    assert waiting not in client.get("/").content.decode()
    services.add_reporter_message(services.open_receipt(code), "The van came back tonight.")
    dashboard = client.get("/").content.decode()
    assert waiting in dashboard and "/triage/?awaiting=1" in dashboard
    listed = client.get("/triage/?awaiting=1").content.decode()
    assert submission.reference in listed and "the reporter wrote last" in listed
    with unlocked(lucia.keychain()):
        triage.reply(submission, "We are calling you now.", actor_id=lucia.user.pk)
    assert waiting not in client.get("/").content.decode()
    emptied = client.get("/triage/?awaiting=1").content.decode()
    assert submission.reference not in emptied and "No reporter is waiting" in emptied


def test_a_spam_reports_sender_writing_again_waits_for_no_one(intake_team, submit):
    """A flood's sender keeps the receipt codes: writing again with each must not put an
    urgent line on every intake member's dashboard."""
    lucia = _lucia(intake_team)
    code = receipt_code(post_report(Client(), narrative="Buy cheap watches now"))
    submission = Submission.objects.get()
    client = sign_in(Client(), lucia)
    client.post(f"/triage/{submission.pk}/mark/", {"decision": "spam", "reason": "Advertising"})
    services.add_reporter_message(services.open_receipt(code), "Still selling watches.")
    assert "wrote again" not in client.get("/").content.decode()
    assert submission.reference not in client.get("/triage/?awaiting=1").content.decode()


def _raw_row(submission: Submission) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM intake_submission WHERE id = %s", [submission.pk.hex])
        row = cursor.fetchone()
        if row is None:  # PostgreSQL keeps a uuid as such
            cursor.execute("SELECT * FROM intake_submission WHERE id = %s", [submission.pk])
            row = cursor.fetchone()
    assert row is not None
    return b"".join(
        bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
        for value in row
    )


def _take_up_as_both(client: Client, submission: Submission, compartment) -> None:
    """Take the report up as an incident linked to a new case, through the page."""
    response = client.post(
        f"/triage/{submission.pk}/convert/",
        {
            "compartment": compartment.pk,
            "create": "both",
            "subject_kind": "person",
            "pseudonym": "Reporter of the pamphlet",
            "sector": "other",
            "incident_title": "Threatening pamphlet",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]


def test_a_report_keeps_what_it_became_sealed(intake_team, reported):
    """A copy of the disk does not tie a case or an incident to the moment its reporter sent
    the form (`received_at`, in clear): the report's row holds their references sealed, and
    no key of the case; its page shows them to the team as before."""
    submission, _ = reported
    lucia = _lucia(intake_team)
    client = sign_in(Client(), lucia)
    _take_up_as_both(client, submission, intake_team[0])
    case, incident = Case.objects.get(), Incident.objects.get()
    raw = _raw_row(submission)
    for reference in (case.reference, incident.reference):
        assert reference.encode() not in raw
    assert Submission.objects.filter(pk=submission.pk, legacy_case__isnull=True).exists()
    page = client.get(f"/triage/{submission.pk}/").content.decode()
    assert case.reference in page and incident.reference in page


def test_a_report_converted_before_its_links_were_sealed_is_sealed_when_opened(
    intake_team, reported
):
    submission, _ = reported
    lucia = _lucia(intake_team)
    client = sign_in(Client(), lucia)
    _take_up_as_both(client, submission, intake_team[0])
    case, incident = Case.objects.get(), Incident.objects.get()
    # As a row converted before this change was kept (the migration holds no key).
    Submission.objects.filter(pk=submission.pk).update(
        legacy_case=case,
        legacy_incident_reference=incident.reference,
        case_sealed=None,
        incident_sealed=None,
    )
    assert incident.reference.encode() in _raw_row(submission)
    page = client.get(f"/triage/{submission.pk}/").content.decode()
    assert case.reference in page and incident.reference in page
    raw = _raw_row(submission)
    assert case.reference.encode() not in raw and incident.reference.encode() not in raw
    assert Submission.objects.filter(pk=submission.pk, legacy_case__isnull=True).exists()
    page = client.get(f"/triage/{submission.pk}/").content.decode()
    assert case.reference in page and incident.reference in page


@pytest.mark.django_db(transaction=True)  # the wipe compacts the database
def test_the_wipe_forgets_the_links_kept_in_clear(intake_team, reported):
    """No key seals a report's links kept in clear from before after the wipe: beside the
    time the form was sent they would still tie a case and an incident to their sending."""
    submission, _ = reported
    case = Case.objects.create(
        reference="CASE-2026-0417", compartment=intake_team[0], data_key=submission.data_key
    )
    Submission.objects.filter(pk=submission.pk).update(
        legacy_case=case, legacy_incident_reference="INC-2026-04417"
    )
    counts = vault.wipe()
    assert counts["report_links"] == 1
    assert Submission.objects.filter(pk=submission.pk, legacy_case__isnull=True).exists()
    assert b"INC-2026-04417" not in _raw_row(submission)


def test_taking_up_a_report_as_an_incident_linked_to_a_new_case(intake_team, reported):
    submission, _ = reported
    lucia = _lucia(intake_team)
    client = sign_in(Client(), lucia)
    _take_up_as_both(client, submission, intake_team[0])
    incident = Incident.objects.get()
    with unlocked(lucia.keychain()):
        assert Submission.objects.get().incident_reference == incident.reference
        incident = Incident.objects.get()
        assert incident.description == "A pamphlet named me as a target of the group."
        assert incident.exact_location == "Vereda El Roble, near the school"
        assert (incident.date_start, incident.date_precision) == (datetime.date(2025, 3, 14), "day")
        assert (incident.country, incident.region) == ("CO", "CO-ANT")
        assert list(incident.cases.all()) == [Case.objects.get()]


def test_an_incident_alone_needs_a_date_when_the_report_has_none(intake_team, submit):
    lucia = _lucia(intake_team)
    receipt = submit("Our office was raided at night.", country="GT")
    client = sign_in(Client(), lucia)
    data = {
        "compartment": intake_team[0].pk,
        "subject_kind": "person",
        "sector": "other",
        "create": "incident",
        "incident_title": "Raid on the office",
    }
    page = client.post(f"/triage/{receipt.submission_id}/convert/", data).content.decode()
    assert "The report does not say when it happened: give a date." in page
    assert Incident.objects.count() == 0 and Case.objects.count() == 0
    response = client.post(
        f"/triage/{receipt.submission_id}/convert/", {**data, "incident_date": "2025-01-10"}
    )
    assert response.status_code == 302
    with unlocked(lucia.keychain()):  # the day is sealed; the month alone is in clear
        incident = Incident.objects.get()
        assert (incident.date_start, incident.date_precision) == (
            datetime.date(2025, 1, 10),
            "approximate",
        )
    assert Case.objects.count() == 0


def test_a_failed_conversion_leaves_nothing_half_done(intake_team, reported):
    submission, _ = reported
    lucia = _lucia(intake_team)
    stored_blobs = blobs()
    client = sign_in(Client(), lucia)
    page = client.post(
        f"/triage/{submission.pk}/convert/",
        {
            "compartment": intake_team[0].pk,
            "create": "both",
            "subject_kind": "person",
            "pseudonym": "Someone",
            "sector": "other",
            "incident_title": "x" * 201,
        },
    ).content.decode()
    assert "Ensure this value has at most 200 characters" in page
    with unlocked(lucia.keychain()), pytest.raises(RuleError, match="title"):
        triage.convert(
            submission,
            intake_team[0],
            actor_id=lucia.user.pk,
            case=triage.CaseRequest(pseudonym="Someone"),
            incident=triage.IncidentRequest("line one\nline two"),
        )
    assert Case.objects.count() == 0 and Incident.objects.count() == 0
    assert EvidenceItem.objects.count() == 0 and blobs() == stored_blobs
    assert Submission.objects.get().status == "new"


def test_converting_into_a_compartment_one_is_not_in_is_refused(
    intake_team, reported, make_compartment, make_person
):
    submission, _ = reported
    lucia = _lucia(intake_team)
    other = make_compartment(make_person(Role.CASEWORKER), name="Elsewhere")
    with unlocked(lucia.keychain()), pytest.raises(RuleError, match="member"):
        triage.convert(
            submission, other, actor_id=lucia.user.pk, case=triage.CaseRequest(pseudonym="X")
        )
    client = sign_in(Client(), lucia)
    page = client.post(
        f"/triage/{submission.pk}/convert/",
        {"compartment": other.pk, "create": "case", "subject_kind": "person", "sector": "other"},
    ).content.decode()
    assert "Select a valid choice" in page
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "role", [Role.RESPONDER, Role.ANALYST, Role.AUDITOR, Role.ADMIN, Role.DEFENDER]
)
def test_other_roles_are_refused_triage(role, reported, signed_in):
    submission, _ = reported
    client, _person = signed_in(role)
    for path in ("/triage/", f"/triage/{submission.pk}/", f"/triage/{submission.pk}/convert/"):
        assert client.get(path).status_code == 403
    for path in (f"/triage/{submission.pk}/reply/", f"/triage/{submission.pk}/mark/"):
        assert (
            client.post(path, {"body": "x", "decision": "spam", "reason": "x"}).status_code == 403
        )
    assert SubmissionMessage.objects.count() == 0


def test_a_caseworker_outside_the_intake_team_cannot_learn_a_report_exists(reported, signed_in):
    submission, _ = reported
    client, _outsider = signed_in(Role.CASEWORKER)
    page = client.get("/triage/").content.decode()
    assert "Only members of the intake team read reports" in page
    assert submission.reference not in page
    missing = uuid.uuid4()
    file_id = Submission.objects.get().files.values_list("pk", flat=True).get()
    pairs = [
        ("get", f"/triage/{submission.pk}/", f"/triage/{missing}/"),
        ("get", f"/triage/{submission.pk}/convert/", f"/triage/{missing}/convert/"),
        ("get", f"/triage/{submission.pk}/files/{file_id}/", f"/triage/{missing}/files/{file_id}/"),
        ("post", f"/triage/{submission.pk}/reply/", f"/triage/{missing}/reply/"),
        ("post", f"/triage/{submission.pk}/mark/", f"/triage/{missing}/mark/"),
    ]
    for method, existing, absent in pairs:
        seen = getattr(client, method)(existing, {"body": "x", "decision": "spam", "reason": "x"})
        unseen = getattr(client, method)(absent, {"body": "x", "decision": "spam", "reason": "x"})
        assert seen.status_code == unseen.status_code == 404, existing
        assert without_csrf(seen.content).replace(str(submission.pk).encode(), b"") == without_csrf(
            unseen.content
        ).replace(str(missing).encode(), b"")
    assert SubmissionMessage.objects.count() == 0
    assert Submission.objects.get().status == "new"


def test_a_coordinator_on_the_team_may_triage(reported, make_person, intake_team):
    from aegis.cases import services as cases

    submission, _ = reported
    karim = make_person(Role.COORDINATOR)
    with unlocked(intake_team[1].keychain()):
        cases.add_member(intake_team[0], karim.user, actor_id=intake_team[1].user.pk)
    client = sign_in(Client(), karim)
    assert "A pamphlet named me" in client.get(f"/triage/{submission.pk}/").content.decode()


def test_a_failure_while_carrying_files_removes_the_copies(
    intake_team, make_compartment, monkeypatch
):
    from aegis.evidence import services as evidence_services

    lucia = _lucia(intake_team)
    code = receipt_code(
        post_report(
            Client(),
            files=[("one.png", PHOTO, "image/png"), ("two.png", png_bytes(), "image/png")],
        )
    )
    assert code
    submission = Submission.objects.get()
    before = blobs()
    real = evidence_services.add_evidence
    calls = []

    def second_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(evidence_services, "add_evidence", second_fails)
    with unlocked(lucia.keychain()), pytest.raises(OSError):
        triage.convert(
            submission,
            intake_team[0],
            actor_id=lucia.user.pk,
            case=triage.CaseRequest(pseudonym="Someone"),
        )
    assert len(calls) == 2
    assert Case.objects.count() == 0 and EvidenceItem.objects.count() == 0
    assert blobs() == before
