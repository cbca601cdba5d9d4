"""Expiry by crypto-shredding, with the controllable clock: a report never taken up and a
closed case past their periods are gone, their keys destroyed so that the ciphertext taken
before cannot be opened with any key or secret that survives; a case under a legal hold is
kept; each is audited without content; a dry run writes nothing."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from aegis import clock
from aegis.audit.models import AuditEntry
from aegis.cases import services as cases
from aegis.cases.models import Case, CaseNote, Person
from aegis.intake import services as intake
from aegis.intake.models import Submission
from aegis.retention import selectors, services
from aegis.retention.models import ExpiryRun, LegalHold
from aegis.rules import RuleError
from aegis.vault import crypto
from aegis.vault import services as vault
from aegis.vault.fields import field_context
from aegis.vault.keychain import NoKeyAccess, unlocked
from aegis.vault.models import DataKey, KeyWrap
from tests.conftest import PASSWORD
from tests.retention.conftest import later
from tests.test_wipe import _candidate_keys

pytestmark = pytest.mark.django_db

SECRET_FIELDS = ("narrative", "place_details", "contact_name")


def _every_value_in_the_database() -> list:
    values: list = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                values.extend(row)
    return values


def _actions(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def test_an_expired_report_is_shredded_and_nothing_left_opens_it(team, report, organisation):
    _lucia, _karim, _compartment = team
    receipt = report("Canary-narrative-7731: they burned the seed store.")
    kept = report("A report received later.")
    submission = Submission.objects.get(pk=receipt.submission_id)
    key_id = submission.data_key_id
    stored = {
        name: bytes(value)
        for name, value in Submission.objects.filter(pk=submission.pk)
        .values(*SECRET_FIELDS)[0]
        .items()
        if value is not None
    }
    assert stored and KeyWrap.objects.filter(data_key_id=key_id).count() >= 2  # team + recovery
    Submission.objects.filter(pk=kept.submission_id).update(received_at=later(200))

    with clock.frozen(later(366)):
        outcome = services.expire()

    assert [d.record_id for d in outcome.expired] == [submission.pk]
    assert not Submission.objects.filter(pk=submission.pk).exists()
    assert Submission.objects.filter(pk=kept.submission_id).exists()
    assert not KeyWrap.objects.filter(data_key_id=key_id).exists()
    assert DataKey.objects.get(pk=key_id).shredded_at is not None
    # The recovery key, the reporter's receipt code and the team's keys open nothing.
    with unlocked(vault.recovery_keychain(organisation)) as chain, pytest.raises(NoKeyAccess):
        chain.data_key(key_id)
    with pytest.raises(intake.ReceiptRefused):
        intake.open_receipt(receipt.code)
    # Every key-like value left in the database and every surviving secret, tried on the
    # ciphertext taken before expiry.
    secrets_dir = Path(settings.AEGIS_HOME) / "secrets"
    surviving = [settings.SECRET_KEY, PASSWORD, organisation, receipt.code]
    surviving += [p.read_bytes() for p in secrets_dir.glob("*")] if secrets_dir.exists() else []
    candidates = _candidate_keys(_every_value_in_the_database(), surviving)
    candidates.add(bytes(vault.parse_recovery_key(organisation)))
    assert len(candidates) > 10
    opened = 0
    for (name, ciphertext), key in itertools.product(stored.items(), candidates):
        try:
            crypto.aead_decrypt(key, ciphertext, field_context(Submission, name, key_id))
            opened += 1
        except crypto.DecryptionError:
            pass
    assert opened == 0
    # Audited: which record, no content.
    (entry,) = _actions("retention.expire")
    assert (entry.object_type, entry.object_id) == ("submission", str(submission.pk))
    assert "Canary" not in str(AuditEntry.objects.values_list()[:])
    assert ExpiryRun.objects.get().expired == 1


def test_a_report_taken_up_does_not_expire_as_a_report(team, report):
    receipt = report()
    Submission.objects.filter(pk=receipt.submission_id).update(status="converted")
    with clock.frozen(later(10_000)):
        assert services.expire().expired == []
    submission = Submission.objects.get(pk=receipt.submission_id)
    with pytest.raises(ValueError, match="expires with its case"):
        intake.shred_report(submission, actor_id=None)


def test_a_closed_case_expires_with_its_notes_and_person(team, closed_case):
    lucia, _karim, _compartment = team
    case = closed_case()
    with unlocked(lucia.keychain()):
        note = cases.add_note(case, "Canary-note: visit on Tuesday.", actor_id=lucia.user.pk)
    person_id, key_id = case.person_id, case.data_key_id
    assert CaseNote.objects.filter(pk=note.pk).exists()
    with clock.frozen(later(5 * 365 - 1)):
        assert services.expire().expired == []
    with clock.frozen(later(5 * 365 + 1)):
        outcome = services.expire()
    assert [d.record_id for d in outcome.expired] == [case.pk]
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Person.objects.filter(pk=person_id).exists()
    assert not CaseNote.objects.filter(case_id=case.pk).exists()
    assert not KeyWrap.objects.filter(data_key_id=key_id).exists()
    assert [e.object_id for e in _actions("retention.expire")] == [str(case.pk)]


def test_a_case_under_legal_hold_is_kept_until_the_hold_is_lifted(team, closed_case):
    _lucia, karim, _compartment = team
    case = closed_case()
    with unlocked(karim.keychain()):
        hold = services.place_hold(
            case, "Court order 12/2026: keep the file.", actor_id=karim.user.pk
        )
    with clock.frozen(later(6 * 365)):
        outcome = services.expire()
        assert [d.record_id for d in outcome.held] == [case.pk] and outcome.expired == []
        assert Case.objects.filter(pk=case.pk).exists()
        with unlocked(karim.keychain()):
            services.lift_hold(hold, "The court decided; the order ends.", actor_id=karim.user.pk)
        assert [d.record_id for d in services.expire().expired] == [case.pk]
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not LegalHold.objects.exists()  # the lifted hold went with the case
    placed, lifted = _actions("legal_hold.place"), _actions("legal_hold.lift")
    assert [(e.actor_id, e.object_id) for e in placed] == [(karim.user.pk, str(case.pk))]
    assert [(e.actor_id, e.object_id) for e in lifted] == [(karim.user.pk, str(case.pk))]


def test_the_hold_reason_is_encrypted_and_a_second_hold_refused(team, closed_case):
    _lucia, karim, _compartment = team
    case = closed_case()
    with unlocked(karim.keychain()):
        services.place_hold(case, "Canary-hold-5521 proceedings", actor_id=karim.user.pk)
        with pytest.raises(RuleError, match="already"):
            services.place_hold(case, "again", actor_id=karim.user.pk)
        with pytest.raises(RuleError) as missing:
            services.place_hold(case, "   ", actor_id=karim.user.pk)
    assert missing.value.field == "reason"
    raw = LegalHold.objects.values_list("reason", flat=True).get()
    assert b"Canary-hold" not in bytes(raw)
    assert LegalHold.objects.count() == 1


def test_a_case_other_records_need_is_kept_and_said_so(team, closed_case, monkeypatch):
    from aegis.cases import services as cases

    case = closed_case()

    def refuse(*args, **kwargs):
        raise cases.StillNeeded(["evidence items"])

    monkeypatch.setattr(cases, "shred_case", refuse)
    with clock.frozen(later(6 * 365)):
        outcome = services.expire()
    assert [(d.record_id, why) for d, why in outcome.needed] == [(case.pk, "evidence items")]
    assert Case.objects.filter(pk=case.pk).exists()
    assert not _actions("retention.expire")


def test_keep_forever_and_a_dry_run_expire_nothing(team, report, closed_case, capsys):
    lucia, _karim, _compartment = team
    receipt = report()
    case = closed_case()
    with clock.frozen(later(6 * 365)):
        call_command("retention", "run", "--dry-run")
        printed = capsys.readouterr().out
        assert f"would expire: closed_cases {case.reference}" in printed
        assert "2 would expire" in printed
        assert Submission.objects.filter(pk=receipt.submission_id).exists()
        assert Case.objects.filter(pk=case.pk).exists()  # the dry run's shred was undone
        assert not _actions("retention.expire")
        assert not ExpiryRun.objects.exists()
        keep = {"reports": None, "closed_cases": None, "evidence": None}
        services.set_periods(keep, actor_id=lucia.user.pk)
        assert services.expire().expired == []
    assert selectors.periods() == {**selectors.DEFAULT_DAYS, **keep}
    assert len(_actions("retention.period")) == 3


def test_bad_periods_are_refused_and_nothing_is_written(team):
    lucia, _karim, _compartment = team
    for bad in ({"reports": 0}, {"reports": 40_000}, {"nonsense": 3}, {"reports": "ten"}):
        with pytest.raises(RuleError):
            services.set_periods({"closed_cases": 10, **bad}, actor_id=lucia.user.pk)
    assert selectors.periods() == selectors.DEFAULT_DAYS


def test_the_worker_expires_once_a_day(team, report):
    report()
    with clock.frozen(later(400)):
        assert services.expire_if_due() == 1
        report_later = report()
        Submission.objects.filter(pk=report_later.submission_id).update(received_at=later(0))
        clock.advance(__import__("datetime").timedelta(hours=1))
        assert services.expire_if_due() == 0  # ran less than a day ago
    assert ExpiryRun.objects.count() == 1


def test_a_resolved_alert_expires_with_its_deliveries_unless_its_person_is_held(team, make_case):
    from aegis.accounts import channels
    from aegis.alerts import services as alerts
    from aegis.alerts.models import Alert, Delivery, EscalationLevel

    lucia, karim, compartment = team
    for staff in (lucia, karim):
        channels.set_channels(staff.user, {"email": "staff@example.org"}, actor_id=staff.user.pk)
    held_case, free_case = make_case(compartment, lucia), make_case(compartment, lucia)
    raised = []
    for case in (held_case, free_case):
        alert = alerts.raise_alert(case.person, "panic", is_drill=True)
        with unlocked(karim.keychain()):
            alerts.resolve(alert, "A drill.", actor=karim.user)
        raised.append(alert)
    assert EscalationLevel.objects.filter(alert__in=raised).count() == 4  # two rungs each
    with unlocked(karim.keychain()):
        services.place_hold(held_case, "Proceedings under way.", actor_id=karim.user.pk)
    with clock.frozen(later(2 * 365 + 1)):
        outcome = services.expire()
    assert [d.record_id for d in outcome.expired] == [raised[1].pk]
    assert [d.record_id for d in outcome.held] == [raised[0].pk]
    assert list(Alert.objects.values_list("pk", flat=True)) == [raised[0].pk]
    assert not Delivery.objects.filter(alert_id=raised[1].pk).exists()
    assert not EscalationLevel.objects.filter(alert_id=raised[1].pk).exists()
    assert not KeyWrap.objects.filter(data_key_id=raised[1].data_key_id).exists()
    assert [(e.object_type, e.object_id) for e in _actions("retention.expire")] == [
        ("alert", str(raised[1].pk))
    ]


def test_a_dry_run_says_which_records_others_still_need(team, closed_case, monkeypatch):
    """The dry run had listed every due record as expiring, when the real run keeps those
    that other records need (an assessment, a communication)."""
    from aegis.cases import services as cases

    case = closed_case()

    def refuse(*args, **kwargs):
        raise cases.StillNeeded(["assessments"])

    monkeypatch.setattr(cases, "shred_case", refuse)
    with clock.frozen(later(6 * 365)):
        outcome = services.expire(dry_run=True)
    assert outcome.expired == []
    assert [(d.record_id, why) for d, why in outcome.needed] == [(case.pk, "assessments")]
