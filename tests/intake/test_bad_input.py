"""Hostile or broken input on the public form, the follow-up and the API: each gets a clear
message, nothing crashes, and nothing partial is stored (no rows, no blobs)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from aegis.files import storage
from aegis.intake.models import Submission, SubmissionFile, SubmissionMessage
from aegis.vault.keychain import unlocked

from .conftest import blobs, png_bytes, post_report, receipt_code, submission_count, upload

pytestmark = pytest.mark.django_db

RLO = "\u202e"


def bomb_png() -> bytes:
    """A small file that decodes to 144 million pixels."""
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 100_000
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

BAD_FILES = {
    "oversized": (("big.txt", b"a" * (1024 * 1024 + 1), "text/plain"), "larger than the limit"),
    "content does not match the type": (("photo.png", PDF, "image/png"), "does not match its type"),
    "not an accepted kind": (("run.exe", b"MZ\x90\x00" + b"\x00" * 200, ""), "not a kind of file"),
    "empty": (("empty.txt", b"", "text/plain"), "is empty"),
    "decompression bomb": (("bomb.png", bomb_png(), "image/png"), "decompression bomb"),
    "null byte in a text file": (("notes.txt", b"abc\x00def", "text/plain"), "does not match"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_and_nothing_is_stored(case, intake_team):
    bad, message = BAD_FILES[case]
    good = ("good.png", png_bytes(), "image/png")
    response = post_report(Client(), files=[good, bad])
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page.replace("&#x27;", "'"), page[:4000]
    assert "Your report has not been sent yet" in page and 'role="alert"' in page
    assert "Attach your files again" in page
    assert "Two men followed me" in page  # the text is kept
    assert submission_count() == 0 and SubmissionFile.objects.count() == 0
    assert blobs() == []


BAD_FIELDS = {
    "a 1 MB narrative": ({"narrative": "x" * 1_000_000}, "This is too long: at most 20,000"),
    "null bytes in the narrative": ({"narrative": "abc\x00def"}, "Null characters are not allowed"),
    "null bytes in a name": (
        {"anonymous": "no", "contact_name": "Ana\x00", "contact_phone": "1"},
        "Null characters are not allowed",
    ),
    "right-to-left override in a name": (
        {"anonymous": "no", "contact_name": f"Ana {RLO}serroT", "contact_phone": "1"},
        "hidden characters that change the reading direction",
    ),
    "control characters in the place": (
        {"place_details": "near \x07 the school"},
        "invisible control characters",
    ),
    "a long place": ({"place_details": "p" * 501}, "This is too long: at most 500"),
    "an unknown country": ({"country": "XX", "region": ""}, "Choose a country from the list"),
    "an unknown perpetrator": ({"perpetrator_type": "aliens"}, "Select a valid choice"),
    "a missing target": ({"target_kind": None}, "Say who was targeted"),
    "a bad email": (
        {"anonymous": "no", "contact_email": "not-an-email"},
        "Enter a valid email address",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FIELDS))
def test_bad_text_gets_a_clear_message_and_nothing_is_stored(case, intake_team):
    fields, message = BAD_FIELDS[case]
    response = post_report(Client(), files=[("good.png", png_bytes(), "image/png")], **fields)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page, page[:4000]
    assert "Your report has not been sent yet" in page
    assert submission_count() == 0 and blobs() == []


def test_a_right_to_left_override_cannot_disguise_a_file_name(intake_team):
    """Django's multipart parser already drops unprintable characters from upload names, so
    the form stores the name as it looks; a name that reaches the check with the override
    still in it (another client, the evidence API) is refused with a message."""
    from aegis.files.uploads import UploadRejected, check_upload

    client = Client()
    code = receipt_code(
        post_report(client, files=[(f"invoice{RLO}fdp.exe.pdf", PDF, "application/pdf")])
    )
    assert code
    with unlocked(intake_team[1].keychain()):
        assert [f.name for f in SubmissionFile.objects.all()] == ["invoicefdp.exe.pdf"]
    with pytest.raises(UploadRejected, match="hidden characters that can disguise its type"):
        check_upload(io.BytesIO(PDF), f"invoice{RLO}gnp.pdf", "application/pdf")


def test_a_failure_while_storing_files_leaves_nothing_behind(intake_team, monkeypatch):
    real_store = storage.store
    calls = []

    def failing_store(data_key_id, source):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_store(data_key_id, source)

    monkeypatch.setattr(storage, "store", failing_store)
    files = [("one.png", png_bytes(), "image/png"), ("two.png", png_bytes(), "image/png")]
    with pytest.raises(OSError):
        post_report(Client(raise_request_exception=True), files=files)
    assert len(calls) == 2
    assert submission_count() == 0 and SubmissionFile.objects.count() == 0
    assert blobs() == []


def test_too_many_files_at_once(intake_team, settings):
    settings.AEGIS_INTAKE_MAX_FILES = 2
    files = [(f"{i}.png", png_bytes(), "image/png") for i in range(3)]
    page = post_report(Client(), files=files).content.decode()
    assert "Attach at most 2 files at a time" in page
    assert submission_count() == 0 and blobs() == []


def test_bad_files_in_a_follow_up_message_store_nothing(intake_team):
    client = Client()
    code = receipt_code(post_report(client))
    client.post("/report/follow-up/", {"action": "open", "code": code})
    before = blobs()
    for (name, content, kind), message in BAD_FILES.values():
        response = client.post(
            "/report/follow-up/",
            {
                "action": "message",
                "body": "see attached",
                "files": [upload("ok.png", png_bytes(), "image/png"), upload(name, content, kind)],
            },
        )
        assert response.status_code == 200
        assert message in response.content.decode().replace("&#x27;", "'")
    response = client.post("/report/follow-up/", {"action": "message", "body": "x" * 20_001})
    assert "This is too long" in response.content.decode()
    assert SubmissionMessage.objects.count() == 0 and blobs() == before


API_BAD = {
    "a region of another country": (
        {"country": "PE", "region": "CO-ANT"},
        "not in the country you chose",
        "region",
    ),
    # The refusal names the body's input, not the form's ("when_day", "contact_phone").
    "an impossible date": ({"when": {"year": 2024, "month": 2, "day": 30}}, "calendar", "when.day"),
    "no way to reach a named reporter": (
        {"anonymous": False, "contact": {"name": "Ana"}},
        "at least one way to reach you",
        "contact.phone",
    ),
}


@pytest.mark.parametrize("case", sorted(API_BAD))
def test_the_api_refuses_bad_input_with_a_message(case, intake_team):
    fields, message, field = API_BAD[case]
    payload = {"narrative": "They raided the office.", "target_kind": "organisation", **fields}
    response = Client().post("/api/v1/intake/submissions", payload, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()["detail"] and response.json()["field"] == field
    assert Submission.objects.count() == 0


def test_the_api_refuses_a_disguised_name_at_its_gate(intake_team):
    """A contact's name is one line: a direction override in it is refused by the schema's
    pattern, at the gate, before anything is sealed."""
    payload = {
        "narrative": "They raided the office.",
        "target_kind": "organisation",
        "anonymous": False,
        "contact": {"name": f"A{RLO}B", "phone": "1"},
    }
    response = Client().post("/api/v1/intake/submissions", payload, content_type="application/json")
    assert response.status_code == 422
    (issue,) = response.json()["detail"]
    assert issue["loc"] == ["body", "contact", "name"] and "direction" in issue["msg"]
    assert Submission.objects.count() == 0


def test_the_api_refuses_control_characters_at_its_gate(intake_team):
    payload = {"narrative": "a\x00b", "target_kind": "organisation"}
    response = Client().post("/api/v1/intake/submissions", payload, content_type="application/json")
    assert response.status_code == 422
    (issue,) = response.json()["detail"]
    assert issue["loc"] == ["body", "narrative"] and "control characters" in issue["msg"]
    assert Submission.objects.count() == 0


def test_the_api_refuses_values_outside_the_lists(intake_team):
    for payload in (
        {"narrative": "x", "target_kind": "aliens"},
        {"narrative": "x", "target_kind": "me", "perpetrator_type": "aliens"},
        {"narrative": "x", "target_kind": "me", "language": "de"},
        {"target_kind": "me"},
    ):
        response = Client().post(
            "/api/v1/intake/submissions", payload, content_type="application/json"
        )
        assert response.status_code == 422, payload
    response = Client().post(
        "/api/v1/intake/submissions", b"{not json", content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert Submission.objects.count() == 0


def test_more_than_the_server_accepts_gets_a_message_not_a_bare_error(intake_team):
    client = Client()
    huge = post_report(client, narrative="x" * (5 * 1024 * 1024))
    assert huge.status_code == 413
    page = huge.content.decode()
    assert "too large to be received" in page and 'name="form_token"' in page
    files = [(f"{i}.png", png_bytes(), "image/png") for i in range(11)]
    many = post_report(client, files=files)
    assert many.status_code == 413 and "too large to be received" in many.content.decode()
    code = receipt_code(post_report(client))
    client.post("/report/follow-up/", {"action": "open", "code": code})
    response = client.post("/report/follow-up/", {"action": "message", "body": "y" * 5_000_000})
    assert response.status_code == 413
    page = response.content.decode()
    assert "too large to be received" in page and "Write to the team" in page
    assert Submission.objects.count() == 1 and SubmissionMessage.objects.count() == 0
    outsider = Client().post("/report/follow-up/", {"action": "open", "code": "y" * 5_000_000})
    assert outsider.status_code == 413 and "too large" in outsider.content.decode()


def test_a_pasted_long_text_is_not_cut_by_the_browser(intake_team):
    page = Client().get("/report/").content.decode()
    narrative = page[page.index('name="narrative"') - 10 : page.index("</textarea>")]
    assert "maxlength" not in narrative


@pytest.mark.parametrize("limit", ["hour's budget", "disk reserve"])
def test_files_past_the_hours_budget_or_the_disk_reserve_are_refused_not_the_report(
    intake_team, settings, limit
):
    """Anyone may post the form: a script had stored a gigabyte in 45 s, and a full disk
    stops the database (alerts too). Past the hour's budget of files, or the disk's reserve,
    the files are refused in words and the text kept; a report without files still goes."""
    files = [("photo.png", png_bytes(), "image/png")]
    post_report(Client(), files=files)
    assert submission_count() == 1
    if limit == "hour's budget":
        settings.AEGIS_INTAKE_UPLOAD_MB_PER_HOUR = 0  # what is already stored uses it up
    else:
        settings.AEGIS_MIN_FREE_DISK_MB = 10**9  # a petabyte to keep free
    page = post_report(Client(), files=files).content.decode()
    assert "The files cannot be taken right now" in page and "Two men followed me" in page
    assert submission_count() == 1 and SubmissionFile.objects.count() == 1
    post_report(Client())
    assert submission_count() == 2


def test_every_problem_of_the_report_is_said_in_one_sending(intake_team):
    """The date that does not exist, the country not in the list and the contact given while
    anonymous were said one per sending, after the missing narrative was mended; each round
    the reporter attaches their files again."""
    from django.test import Client

    from aegis.intake.models import Submission

    from .conftest import post_report

    page = post_report(
        Client(),
        narrative="",
        when_year="2020",
        when_month="2",
        when_day="31",
        country="ZZ",
        region="",
        contact_phone="+57 300 000 0000",
    )
    shown = page.content.decode()
    assert page.status_code != 302 and not Submission.objects.exists()
    for problem in (
        "Tell us what happened.",
        "This date does not exist in the calendar.",
        "You chose to stay anonymous but filled in contact details.",
        "Choose a country from the list.",
    ):
        assert problem in shown, problem
