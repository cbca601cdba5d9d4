"""Receipt codes and the wipe key: a copy of a receipt's wrapped key that the disk keeps in
blocks it freed opens nothing after `aegis wipe`, the code in hand; a receipt wrapped before
the wipe key existed opens with its code and is wrapped again under it at once."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from aegis.intake import receipts
from aegis.intake import services as intake
from aegis.intake.models import Submission
from aegis.vault import crypto, wipe_key
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked
from aegis.vault.models import Keypair

from .conftest import post_report, receipt_code

# The wipe runs VACUUM on PostgreSQL, outside any transaction.
pytestmark = pytest.mark.django_db(transaction=True)

CARVED = [
    "receipt_salt",
    "receipt_wrapped_key",
    "receipt_opslimit",
    "receipt_memlimit",
    "receipt_seal_version",
]


def report(narrative: str = "They came at night and took the records.") -> intake.Receipt:
    return intake.submit_report(intake.Report(narrative=narrative, target_kind="me"))


def carve(submission: Submission) -> dict:
    return {f: getattr(submission, f) for f in CARVED if hasattr(submission, f)}


def code_key(code: str, carved: dict) -> bytes:
    normalised = receipts.normalise(code)
    assert normalised is not None
    cost = crypto.KdfCost(int(carved["receipt_opslimit"]), int(carved["receipt_memlimit"]))
    return receipts.derive(normalised, bytes(carved["receipt_salt"]), cost)


def opens(carved: dict, code: str) -> bytes | None:
    """The submission key that whoever holds the copy, the code and the instance's folder as
    it is now opens: with the key from the code alone, or bound to the wipe key."""
    derived = code_key(code, carved)
    keys = [derived]
    if wipe_key.exists():
        keys.append(wipe_key.bind(derived, wipe_key.RECEIPT, wipe_key.key_file().read_bytes()))
    for key in keys:
        try:
            return crypto.box_decrypt(key, bytes(carved["receipt_wrapped_key"]))
        except crypto.DecryptionError:
            continue
    return None


def test_a_copy_of_a_receipt_opens_nothing_after_the_wipe(intake_team):
    receipt = report()
    carved = carve(Submission.objects.get(pk=receipt.submission_id))
    assert opens(carved, receipt.code) is not None  # before the wipe, with the folder

    vault.wipe()

    assert opens(carved, receipt.code) is None
    vault.current_wipe_key()  # `aegis init` makes a new one
    assert opens(carved, receipt.code) is None


def test_a_receipt_wrapped_before_the_wipe_key_opens_and_is_wrapped_again(intake_team):
    narrative = "The river was poisoned after the protest."
    receipt = report(narrative)
    submission = Submission.objects.get(pk=receipt.submission_id)
    derived = code_key(receipt.code, carve(submission))
    bound = wipe_key.bind(derived, wipe_key.RECEIPT)
    raw = crypto.box_decrypt(bound, bytes(submission.receipt_wrapped_key or b""))
    # As Aegis wrapped it before the wipe key existed.
    Submission.objects.filter(pk=submission.pk).update(
        receipt_wrapped_key=crypto.box_encrypt(derived, raw), receipt_seal_version=0
    )

    access = intake.open_receipt(receipt.code)
    thread, chain = intake.reporter_keychain(access)
    with unlocked(chain):
        assert thread.narrative == narrative

    upgraded = Submission.objects.get(pk=submission.pk)
    assert upgraded.receipt_seal_version == wipe_key.SEAL_VERSION
    assert crypto.box_decrypt(bound, bytes(upgraded.receipt_wrapped_key or b"")) == raw
    with pytest.raises(crypto.DecryptionError):
        crypto.box_decrypt(derived, bytes(upgraded.receipt_wrapped_key or b""))
    # The same code opens it again, now through the wipe key.
    intake.reporter_keychain(intake.open_receipt(receipt.code))
    carved = carve(upgraded)
    vault.wipe()
    assert opens(carved, receipt.code) is None


def test_without_the_wipe_key_a_code_is_refused_as_a_wrong_one(intake_team, caplog):
    receipt = report()
    wipe_key.key_file().unlink()
    with pytest.raises(intake.ReceiptRefused):
        intake.open_receipt(receipt.code)
    assert "wipe key" in caplog.text


def test_a_missing_wipe_key_a_receipt_is_sealed_under_is_not_replaced(intake_team, tmp_path):
    """With only a receipt sealed under the wipe key (every private key still sealed as before
    it existed), a file missing for now (a volume not mounted) is not replaced by the next
    report: that would have made the first reporter's code open nothing for good. The report
    is taken as when a private key is bound to it (its receipt wrapped as before, version 0),
    and the first code opens its thread once the file is back."""
    narrative = "They searched the office and took the phones."
    first = report(narrative)
    Keypair.objects.update(seal_version=0)
    aside = tmp_path / "wipe_key"
    wipe_key.key_file().rename(aside)
    try:
        second = report()
        assert not wipe_key.key_file().exists()
        with pytest.raises(vault.WipeKeyMissing):
            vault.current_wipe_key()
    finally:
        aside.replace(wipe_key.key_file())
    assert Submission.objects.get(pk=second.submission_id).receipt_seal_version == 0
    thread, chain = intake.reporter_keychain(intake.open_receipt(first.code))
    with unlocked(chain):
        assert thread.narrative == narrative
    intake.reporter_keychain(intake.open_receipt(second.code))


def test_the_same_old_code_twice_at_once_opens_both_times(intake_team):
    """Two follow-ups with the same code of a receipt wrapped before the wipe key (a double
    click): the second read the row (version 0) before the first wrapped it again under the
    wipe key, and went on after its own Argon2id; it opens the receipt as it is now."""
    narrative = "They followed me home after the hearing."
    receipt = report(narrative)
    submission = Submission.objects.get(pk=receipt.submission_id)
    derived = code_key(receipt.code, carve(submission))
    raw = crypto.box_decrypt(
        wipe_key.bind(derived, wipe_key.RECEIPT), bytes(submission.receipt_wrapped_key or b"")
    )
    Submission.objects.filter(pk=submission.pk).update(
        receipt_wrapped_key=crypto.box_encrypt(derived, raw), receipt_seal_version=0
    )
    # The second request read the row, as it was then ...
    stale = Submission.objects.only("pk", "receipt_seal_version").get(pk=submission.pk)
    assert stale.receipt_seal_version == 0
    # ... the first one opens it and wraps it again under the wipe key ...
    intake.open_receipt(receipt.code)
    assert Submission.objects.get(pk=submission.pk).receipt_seal_version == 1
    # ... then the second goes on with what it read: the right code still opens it.
    key = intake._bind_receipt(stale, derived)
    thread, chain = intake.reporter_keychain(receipts.ThreadAccess(submission.pk, key))
    with unlocked(chain):
        assert thread.narrative == narrative


def test_the_follow_up_session_is_bound_to_the_wipe_key(intake_team):
    client = Client()
    code = receipt_code(post_report(client))
    response = client.post("/report/follow-up/", {"action": "open", "code": code})
    assert "Write to the team" in client.get("/report/follow-up/").content.decode()
    stored = client.session[receipts.SESSION_FIELD]
    assert stored[1] == wipe_key.SEAL_VERSION
    secret = base64.urlsafe_b64decode(response.cookies[receipts.COOKIE].value)
    sealed = base64.b64decode(stored[0])
    with pytest.raises(crypto.DecryptionError):
        crypto.box_decrypt(secret, sealed)  # the cookie alone opens nothing
    raw = crypto.box_decrypt(wipe_key.bind(secret, wipe_key.RECEIPT_SESSION), sealed)

    # A session kept before the wipe key existed still opens the thread.
    session = client.session
    session[receipts.SESSION_FIELD] = base64.b64encode(crypto.box_encrypt(secret, raw)).decode()
    session.save()
    assert "Write to the team" in client.get("/report/follow-up/").content.decode()

    # Without the wipe key (a wipe), a bound session opens nothing: the code is asked again.
    client.post("/report/follow-up/", {"action": "open", "code": code})
    assert client.session[receipts.SESSION_FIELD][1] == wipe_key.SEAL_VERSION
    wipe_key.destroy()
    page = client.get("/report/follow-up/").content.decode()
    assert "Write to the team" not in page
