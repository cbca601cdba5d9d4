"""The reporter's follow-up with the receipt code: reading replies and answering with files;
one answer for a wrong, an expired and a malformed code; wrong codes cost no Argon2id and
never pause a real one; each receipt's openings per minute; what
the session keeps."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.sessions.models import Session
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aegis import clock
from aegis.intake import receipts, services, triage
from aegis.intake.models import ReceiptOpenings, Submission, SubmissionMessage
from aegis.vault.keychain import unlocked

from .conftest import png_bytes, post_report, receipt_code, upload, without_csrf

pytestmark = pytest.mark.django_db


def open_thread(client: Client, code: str):
    return client.post("/report/follow-up/", {"action": "open", "code": code})


def test_codes_have_enough_entropy_and_forgive_typing():
    assert len(receipts.ALPHABET) ** receipts.CODE_LENGTH >= 2**100
    code = receipts.new_code()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code)
    assert len({receipts.new_code() for _ in range(200)}) == 200
    plain = code.replace("-", "")
    assert receipts.normalise(code.lower()) == plain
    assert receipts.normalise(" ".join(plain[i : i + 2] for i in range(0, 20, 2))) == plain
    assert receipts.normalise("0123-4567-89AB-CDEF-GHJK") == receipts.normalise(
        "oi23-4567-89ab-cdef-ghjk"
    )
    # As a phone or a word processor gives it back: dashes made en dashes by autocorrect, a
    # zero-width space pasted along, full-width letters, a minus sign.
    groups = [plain[i : i + 4] for i in range(0, 20, 4)]
    for typed in (
        "\u2013".join(groups),
        "\u2014".join(groups),
        "\u200b".join(groups) + "\ufeff",
        "\u2212".join(groups),
        "".join(chr(ord(ch) + 0xFEE0) for ch in plain),
    ):
        assert receipts.normalise(typed) == plain, ascii(typed)
    for malformed in ("", "ABCD", plain + "A", "UUUU-UUUU-UUUU-UUUU-UUUU", "x" * 500, None):
        assert receipts.normalise(malformed) is None  # type: ignore[arg-type]


def test_the_reporter_reads_the_reply_and_answers_with_a_file(intake_team):
    _compartment, lucia = intake_team
    reporter = Client()
    code = receipt_code(post_report(reporter, files=[("first.png", png_bytes(), "image/png")]))
    submission = Submission.objects.get()
    with unlocked(lucia.keychain()):
        triage.reply(
            submission, "We received your report. Are you safe now?", actor_id=lucia.user.pk
        )

    later = Client()  # another day, another browser: only the code
    response = open_thread(later, code.lower().replace("-", " "))
    assert response.status_code == 302 and response["Location"] == "/report/follow-up/"
    cookie = response.cookies[receipts.COOKIE]
    assert cookie["httponly"] and cookie["path"] == receipts.COOKIE_PATH
    assert cookie["samesite"] == "Strict"
    page = later.get("/report/follow-up/").content.decode()
    assert "We received your report. Are you safe now?" in page
    assert "first.png" in page and "Protection team" in page

    response = later.post(
        "/report/follow-up/",
        {
            "action": "message",
            "body": "Yes, I am with my sister. Here is the message they sent.",
            "files": [upload("threat.png", png_bytes(colour=(0, 0, 0)), "image/png")],
        },
    )
    assert response.status_code == 302
    page = later.get("/report/follow-up/").content.decode()
    assert "Your message was sent to the protection team." in page
    assert "Here is the message they sent." in page and "threat.png" in page
    with unlocked(lucia.keychain()):
        message = SubmissionMessage.objects.get(sender="reporter")
        assert message.body.startswith("Yes, I am with my sister")
        assert [f.name for f in message.files.all()] == ["threat.png"]


def test_an_empty_message_is_refused_and_files_must_be_attached_again(intake_team):
    client = Client()
    code = receipt_code(post_report(client))
    open_thread(client, code)
    page = client.post("/report/follow-up/", {"action": "message", "body": "  "}).content.decode()
    assert "Write a message or attach a file." in page
    page = client.post(
        "/report/follow-up/",
        {"action": "message", "body": "x", "files": [upload("empty.txt", b"", "text/plain")]},
    ).content.decode()
    assert "is empty" in page and "Attach your files again" in page
    assert SubmissionMessage.objects.count() == 0


def test_a_message_sent_twice_over_a_slow_link_reaches_the_team_once(intake_team):
    """A second tap or a reload of the answer sends the same form again: its one-time token
    was claimed by the first, so the reporter is led back to the thread, told so."""
    client = Client()
    code = receipt_code(post_report(client))
    open_thread(client, code)
    page = client.get("/report/follow-up/").content.decode()
    token = re.search(r'name="sent_once" value="([^"]+)"', page).group(1)
    sent = {
        "action": "message",
        "body": "They came back tonight.",
        "files": [],
        "sent_once": token,
    }
    assert client.post("/report/follow-up/", sent).status_code == 302
    again = client.post("/report/follow-up/", sent, follow=True)
    assert "already been sent, so nothing was done a second time" in again.content.decode()
    assert SubmissionMessage.objects.filter(sender="reporter").count() == 1
    # A message refused for its errors gives its token back: corrected, it is sent.
    refused = {**sent, "body": " ", "sent_once": _token_of(client)}
    assert (
        "Write a message or attach a file."
        in client.post("/report/follow-up/", refused).content.decode()
    )
    corrected = {**refused, "body": "And the car again."}
    assert client.post("/report/follow-up/", corrected).status_code == 302
    assert SubmissionMessage.objects.filter(sender="reporter").count() == 2


def test_a_strangers_made_up_tokens_keep_no_rows(intake_team):
    """A form's token is claimed for a signed-in person, or for a reporter in an open thread:
    a stranger's POSTs, answered with the sign-in page, leave nothing behind."""
    from aegis.accounts.models import SentForm

    stranger = Client()
    stranger.get("/report/")  # a CSRF cookie, as any visitor has
    csrf = stranger.cookies["csrftoken"].value
    for url in (reverse("accounts:tokens"), reverse("support:grant-new"), "/no/such/page/"):
        answer = stranger.post(
            url,
            urlencode({"csrfmiddlewaretoken": csrf, "sent_once": f"made-up {url}"}),
            content_type="application/x-www-form-urlencoded",
        )
        assert answer.status_code in (302, 404), url
    answer = stranger.post(
        "/report/follow-up/",
        {"csrfmiddlewaretoken": csrf, "action": "message", "body": "x", "sent_once": "made-up"},
    )
    assert answer.status_code == 200
    assert not SentForm.objects.exists()


def _token_of(client) -> str:
    page = client.get("/report/follow-up/").content.decode()
    return re.search(r'name="sent_once" value="([^"]+)"', page).group(1)


def test_leaving_forgets_the_thread_on_this_browser(intake_team):
    client = Client()
    code = receipt_code(post_report(client))
    open_thread(client, code)
    assert "Write to the team" in client.get("/report/follow-up/").content.decode()
    response = client.post("/report/follow-up/", {"action": "leave"})
    assert response.cookies[receipts.COOKIE].value == ""
    page = client.get("/report/follow-up/").content.decode()
    assert "Write to the team" not in page and "You have left your report" in page
    page = client.post("/report/follow-up/", {"action": "message", "body": "hi"}).content.decode()
    assert "Your message was NOT sent: your follow-up session has ended" in page
    assert "\nhi</textarea>" in page, "the message is kept for the code"
    assert SubmissionMessage.objects.count() == 0


def test_the_session_holds_only_ciphertext(intake_team):
    client = Client()
    code = receipt_code(post_report(client))
    response = open_thread(client, code)
    submission = Submission.objects.get()
    session = Session.objects.get()
    stored = session.session_data.encode() + str(session.get_decoded()).encode()
    assert code.replace("-", "").encode() not in stored
    assert submission.pk.hex.encode() not in stored and str(submission.pk).encode() not in stored
    # Neither half opens the thread alone.
    assert receipts.SESSION_FIELD in session.get_decoded()
    without_cookie = Client()
    without_cookie.cookies["sessionid"] = client.cookies["sessionid"].value
    assert "Write to the team" not in without_cookie.get("/report/follow-up/").content.decode()
    cookie_only = Client()
    cookie_only.cookies[receipts.COOKIE] = response.cookies[receipts.COOKIE].value
    assert "Write to the team" not in cookie_only.get("/report/follow-up/").content.decode()


def test_a_wrong_code_gets_one_clear_message(intake_team):
    client = Client()
    receipt_code(post_report(client))
    response = open_thread(client, "ABCD-EFGH-JKMN-PQRS-TVWX")
    page = response.content.decode()
    assert response.status_code == 200
    assert str(services.ReceiptRefused.MESSAGE) in page
    assert (
        'role="alert"' in page and "ABCD" not in page.split("<main", 1)[1].split("For example")[0]
    )


def test_wrong_expired_and_malformed_codes_get_identical_answers(intake_team):
    client = Client()
    expired_code = receipt_code(post_report(client))
    Submission.objects.update(receipt_expires_at=timezone.now() - timedelta(seconds=1))
    receipt_code(post_report(client))  # a live report exists too
    answers = [
        open_thread(Client(), code)
        for code in (
            "ABCD-EFGH-JKMN-PQRS-TVWX",  # well formed, never issued
            expired_code,
            "not a code at all!",
            "",
        )
    ]
    assert {a.status_code for a in answers} == {200}
    bodies = {without_csrf(a.content) for a in answers}
    assert len(bodies) == 1
    headers = [{k: v for k, v in a.items() if k not in {"Expires", "Date"}} for a in answers]
    assert all(h == headers[0] for h in headers)
    # An expired receipt is destroyed, not only refused.
    expired = Submission.objects.order_by("received_at").first()
    assert expired.receipt_lookup is None and expired.receipt_wrapped_key is None


def test_receipts_last_the_configured_number_of_days(intake_team, settings, submit):
    settings.AEGIS_RECEIPT_DAYS = 30
    receipt = submit()
    submission = Submission.objects.get()
    lifetime = submission.receipt_expires_at - submission.received_at
    assert lifetime == timedelta(days=30)
    assert services.open_receipt(receipt.code).submission_id == submission.pk
    Submission.objects.update(receipt_expires_at=F("received_at"))
    with pytest.raises(services.ReceiptRefused):
        services.open_receipt(receipt.code)


def test_wrong_codes_are_refused_without_argon2id_and_never_pause_a_real_code(
    intake_team, settings, argon2id_calls
):
    settings.AEGIS_RECEIPT_OPENINGS_PER_MINUTE = 2
    code = receipt_code(post_report(Client()))
    guesser = Client()
    before = len(argon2id_calls)
    for attempt in range(60):  # twice the old pause-for-everyone limit
        response = open_thread(guesser, f"ABCD-EFGH-JKMN-PQRS-{attempt:04d}")
        assert response.status_code == 200
        assert "We could not open a report with this code" in response.content.decode()
    assert len(argon2id_calls) == before  # no key derivation for a code that does not exist
    assert not ReceiptOpenings.objects.exists()  # and nothing written
    assert open_thread(Client(), code).status_code == 302
    assert len(argon2id_calls) == before + 1


def test_each_receipt_may_be_opened_so_often_a_minute(intake_team, settings):
    settings.AEGIS_RECEIPT_OPENINGS_PER_MINUTE = 2
    start = timezone.now().replace(second=5, microsecond=0)
    code, other = receipt_code(post_report(Client())), receipt_code(post_report(Client()))
    with clock.frozen(start):
        assert [open_thread(Client(), code).status_code for _ in range(2)] == [302, 302]
        refused = open_thread(Client(), code)
        assert refused.status_code == 429
        assert "Too many attempts, wait a minute" in refused.content.decode()
        # Another reporter's receipt has its own allowance, and wrong codes still get the
        # usual answer.
        assert open_thread(Client(), other).status_code == 302
        assert open_thread(Client(), "ABCD-EFGH-JKMN-PQRS-TVWX").status_code == 200
        clock.advance(timedelta(minutes=1))
        assert open_thread(Client(), code).status_code == 302
    assert sorted(ReceiptOpenings.objects.values_list("openings", flat=True)) == [1, 1, 3]


def test_the_api_and_the_page_share_a_receipts_allowance(intake_team, settings):
    settings.AEGIS_RECEIPT_OPENINGS_PER_MINUTE = 2
    client = Client()
    code = receipt_code(post_report(client))
    for _ in range(2):
        response = client.post(
            "/api/v1/intake/follow-up", {"code": code}, content_type="application/json"
        )
        assert response.status_code == 200
    assert open_thread(client, code).status_code == 429


def test_one_argon2id_derivation_at_a_time_per_process(monkeypatch):
    """A flood of reports or guesses cannot multiply the memory Argon2id takes in a worker."""
    import threading
    import time

    from aegis.vault import crypto

    running, most = [0], [0]
    lock = threading.Lock()

    def slow_derive(secret, salt, cost):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return b"k" * 32

    monkeypatch.setattr(crypto, "derive_key", slow_derive)
    cost = crypto.KDF_PROFILES["test"]
    threads = [
        threading.Thread(target=receipts.derive, args=("A" * 20, bytes(16), cost)) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
