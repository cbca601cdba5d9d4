"""The grant ledger: every tranche is a chained entry; an edited, removed or reordered entry
is reported with its number by `aegis ledger verify`, as the audit log's are."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aegis.audit.models import AppendOnlyError
from aegis.support import ledger, services
from aegis.support.models import LedgerEntry
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_entries(team):
    grant = team.approved_grant(amount="900")
    with unlocked(team.karim.keychain()):
        for amount in ("100", "200", "300"):
            services.disburse(
                grant,
                actor=team.karim.user,
                method="bank",
                amount=amount,
                currency="EUR",
                payment_details="IBAN",
            )
    assert LedgerEntry.objects.count() == 3
    return grant


def _verify() -> str:
    out = StringIO()
    call_command("ledger", "verify", stdout=out)
    return out.getvalue()


def _tampered(match: str) -> None:
    with pytest.raises(CommandError, match=match):
        _verify()


def test_an_intact_ledger_verifies(three_entries):
    assert "intact: 3 entries verified" in _verify()


def test_entries_cannot_be_changed_or_deleted_through_the_models(three_entries):
    entry = LedgerEntry.objects.get(seq=2)
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_an_edited_entry_is_reported_with_its_number(three_entries):
    LedgerEntry.objects.filter(seq=2).update(amount="2000.00")
    _tampered("entry 2: was changed")


def test_a_deleted_entry_is_reported_with_its_number(three_entries):
    LedgerEntry.objects.filter(seq=2).delete()
    _tampered("entry 2: is missing")


def test_a_removed_last_entry_is_reported(three_entries):
    LedgerEntry.objects.filter(seq=3).delete()
    _tampered("entry 3: is missing")


def test_reordered_entries_are_reported_with_the_number(three_entries):
    # Swap the contents of entries 2 and 3, keeping each row's number: the order is changed.
    two, three = LedgerEntry.objects.get(seq=2), LedgerEntry.objects.get(seq=3)
    LedgerEntry.objects.filter(pk=two.pk).update(seq=99)
    LedgerEntry.objects.filter(pk=three.pk).update(seq=2)
    LedgerEntry.objects.filter(pk=two.pk).update(seq=3)
    _tampered("entry 2: was changed or moved")


def test_the_ledger_reuses_the_audit_chain(three_entries):
    from aegis.audit.chain import KeyedChain

    assert isinstance(ledger.CHAIN, KeyedChain) and ledger.CHAIN.name == "ledger"
    checked, problem = ledger.verify()
    assert (checked, problem) == (3, None)


def test_the_csv_export_holds_no_identity(three_entries, team):
    out = StringIO()
    call_command("ledger", "csv", stdout=out)
    text = out.getvalue()
    assert three_entries.reference in text and "300.00" in text
    with unlocked(team.lucia.keychain()):
        person = team.case.person
        for identity in (person.pseudonym, person.legal_name, team.case.reference, "IBAN"):
            assert identity not in text


def test_verify_fails_with_exit_status_1(three_entries):
    # `aegis ledger verify` runs this command: a CommandError exits with its returncode.
    LedgerEntry.objects.filter(seq=1).update(grant_ref="GR-2000-99999")
    with pytest.raises(CommandError, match="entry 1: was changed") as failed:
        _verify()
    assert failed.value.returncode == 1
