"""Evidence as a record class, with the controllable clock: a closed case with evidence
outlives the closed cases' period and expires with its evidence at the end of the
evidence's; the files' ciphertext taken before then opens with no key that survives; a case
under a legal hold keeps its evidence; each item's expiry is audited by id only."""

from __future__ import annotations

import io
import itertools

import nacl.exceptions
import pytest
from django.conf import settings

from aegis import clock
from aegis.audit.models import AuditEntry
from aegis.cases.models import Case
from aegis.evidence import services as evidence
from aegis.evidence.models import CustodyEvent, EvidenceItem, EvidenceTampering
from aegis.files import storage
from aegis.retention import services
from aegis.retention.selectors import DEFAULT_DAYS
from aegis.vault import crypto
from aegis.vault.keychain import unlocked
from aegis.vault.models import KeyWrap
from tests.conftest import PASSWORD
from tests.retention.conftest import later
from tests.retention.test_expiry import _every_value_in_the_database
from tests.test_wipe import _candidate_keys

pytestmark = pytest.mark.django_db

CASE_DAYS, EVIDENCE_DAYS = DEFAULT_DAYS["closed_cases"], DEFAULT_DAYS["evidence"]


@pytest.fixture
def case_with_evidence(team, closed_case, make_case):
    lucia, _karim, compartment = team
    case = make_case(compartment, lucia)
    with unlocked(lucia.keychain()):
        original = evidence.upload_evidence(
            case,
            io.BytesIO(b"Canary-evidence-4471: a witness statement.\n"),
            "statement.txt",
            actor_id=lucia.user.pk,
            reason="Given by the witness",
        )
        copy = evidence.make_working_copy(original, actor_id=lucia.user.pk)
        from aegis.cases import services as cases

        cases.change_status(case, "closed", "Protection no longer needed.", actor_id=lucia.user.pk)
    return Case.objects.get(pk=case.pk), [original, copy]


def _ciphertexts(items) -> list[bytes]:
    return [storage._path(item.blob_id).read_bytes() for item in items]


def test_a_case_with_evidence_expires_with_it_and_its_files_open_with_no_key(
    case_with_evidence, organisation, django_capture_on_commit_callbacks
):
    case, items = case_with_evidence
    stored = _ciphertexts(items)
    with clock.frozen(later(CASE_DAYS + 1)):
        outcome = services.expire()
    assert outcome.expired == [] and outcome.needed == []  # the case waits for its evidence
    assert EvidenceItem.objects.count() == 2

    with clock.frozen(later(EVIDENCE_DAYS + 1)), django_capture_on_commit_callbacks(execute=True):
        outcome = services.expire()
    assert [(d.record_class, d.record_id) for d in outcome.expired] == [("evidence", case.pk)]
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not EvidenceItem.objects.exists() and not CustodyEvent.objects.exists()
    assert not any(storage.exists(item.blob_id) for item in items)
    assert not KeyWrap.objects.filter(data_key_id=case.data_key_id).exists()
    # The files as they were (a copy taken before expiry): no key left opens them.
    candidates = _candidate_keys(
        _every_value_in_the_database(), [settings.SECRET_KEY, PASSWORD, organisation]
    )
    opened = 0
    for blob, key in itertools.product(stored, candidates):
        try:
            crypto.decrypt_stream(key, io.BytesIO(blob), io.BytesIO())
            opened += 1
        except (crypto.DecryptionError, nacl.exceptions.CryptoError, ValueError):
            pass
    assert opened == 0 and len(candidates) > 10
    expired = AuditEntry.objects.filter(action="evidence.expire")
    assert sorted(e.object_id for e in expired) == sorted(str(i.pk) for i in items)
    assert "Canary" not in str(list(AuditEntry.objects.values_list()))
    [entry] = AuditEntry.objects.filter(action="retention.expire")
    assert (entry.object_type, entry.object_id) == ("case", str(case.pk))


def test_a_held_case_keeps_its_evidence(case_with_evidence, team):
    _lucia, karim, _compartment = team
    case, items = case_with_evidence
    with unlocked(karim.keychain()):
        services.place_hold(case, "Appeal pending.", actor_id=karim.user.pk)
    with clock.frozen(later(EVIDENCE_DAYS + 1)):
        outcome = services.expire()
    assert [(d.record_class, d.record_id) for d in outcome.held] == [("evidence", case.pk)]
    assert EvidenceItem.objects.count() == 2 and all(storage.exists(i.blob_id) for i in items)


def test_evidence_needed_elsewhere_keeps_case_and_evidence_together(
    case_with_evidence, monkeypatch
):
    from aegis.cases import services as cases

    case, _items = case_with_evidence

    def refuse(*args, **kwargs):
        raise cases.StillNeeded(["risk assessments"])

    monkeypatch.setattr(cases, "shred_case", refuse)
    with clock.frozen(later(EVIDENCE_DAYS + 1)):
        outcome = services.expire()
    assert [(d.record_id, why) for d, why in outcome.needed] == [(case.pk, "risk assessments")]
    assert EvidenceItem.objects.count() == 2 and CustodyEvent.objects.exists()
    assert not AuditEntry.objects.filter(action="evidence.expire").exists()


def test_originals_and_custody_still_refuse_any_other_deletion(case_with_evidence):
    _case, (original, _copy) = case_with_evidence
    with pytest.raises(EvidenceTampering):
        EvidenceItem.objects.filter(pk=original.pk).delete()
    with pytest.raises(EvidenceTampering):
        CustodyEvent.objects.filter(item=original).delete()


def test_coordinators_are_reminded_before_evidence_expires(case_with_evidence, team):
    from django.test import Client

    from aegis.work_queue import items_for
    from tests.conftest import sign_in

    _lucia, karim, _compartment = team
    case, _items = case_with_evidence
    with clock.frozen(later(EVIDENCE_DAYS - 10)):
        assert any("1 record expires" in i.text for i in items_for(karim.user))
        page = sign_in(Client(), karim).get("/retention/").content.decode()
    assert case.reference in page and "Evidence of closed cases" in page
    assert f"?case={case.reference}" in page  # a hold can be placed from the line
