"""Review: a quarantined person or incident is matched to existing records, then created,
linked, merged or rejected by a caseworker; nothing else moves it."""

from __future__ import annotations

import pytest
from django.db import connection

from aegis.audit.models import AuditEntry
from aegis.cases import services as cases
from aegis.cases.models import Person
from aegis.exchange import queue, review, selectors, services
from aegis.exchange.models import QuarantineItem
from aegis.exchange.vocabulary import Decision
from aegis.incidents.models import Incident
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault.keychain import unlocked

from . import bundles


@pytest.fixture
def arrived(desk, partner, partner_keys):
    return services.import_bundle(
        *bundles.make(partner_keys), compartment=desk.compartment, actor_id=None
    )


def _item(kind: str) -> QuarantineItem:
    return QuarantineItem.objects.get(kind=kind)


def test_nothing_enters_the_records_without_a_decision(desk, arrived):
    assert Person.objects.count() == 1 and Incident.objects.count() == 1
    assert set(QuarantineItem.objects.values_list("decision", flat=True)) == {Decision.PENDING}


def test_what_waits_for_review_is_on_the_work_queue_up_to_the_cap(
    desk, arrived, make_person, monkeypatch
):
    waiting = QuarantineItem.objects.count()
    assert waiting >= 2
    [line] = queue.items(desk.lucia.user)
    assert line.text.startswith(f"{waiting} records from partners") and not line.more
    assert queue.items(make_person(Role.CASEWORKER).user) == []  # not their compartment
    monkeypatch.setattr("aegis.paging.COUNT_CAP", 1)
    [line] = queue.items(desk.lucia.user)
    assert line.text.startswith("1 record from a partner") and line.more


def test_a_person_is_matched_by_blind_index_and_merged(desk, arrived):
    lucia = desk.lucia
    with unlocked(lucia.keychain()):
        same = cases.create_person(
            desk.compartment,
            actor_id=lucia.user.pk,
            pseudonym="Known as G",
            legal_name="incoming  CANARYPERSON",
        )
        found = selectors.person_matches(lucia.user, _item("person"))
        assert [p.pk for p in found] == [same.pk]
        review.decide(_item("person"), Decision.MERGED, actor=lucia.user, target=str(same.pk))
        same.refresh_from_db()
        assert same.phone == "+57 311 222 3344"
    assert _item("person").target == str(same.pk)


def test_a_person_created_from_the_bundle(desk, arrived):
    with unlocked(desk.lucia.keychain()):
        review.decide(_item("person"), Decision.CREATED, actor=desk.lucia.user)
        created = Person.objects.get(pseudonym="Guardian Rio")
        assert created.legal_name == "Incoming Canaryperson"
        with pytest.raises(RuleError, match="already reviewed"):
            review.decide(_item("person"), Decision.CREATED, actor=desk.lucia.user)


def test_an_incident_is_matched_by_date_place_and_violation_and_linked(desk, arrived):
    with unlocked(desk.lucia.keychain()):
        found = selectors.incident_matches(desk.lucia.user, _item("event"))
        assert found == [desk.incident]
        review.decide(
            _item("event"), Decision.LINKED, actor=desk.lucia.user, target=desk.incident.reference
        )
    assert Incident.objects.count() == 1


def test_an_incident_created_from_the_bundle_keeps_its_acts(desk, arrived):
    with unlocked(desk.lucia.keychain()):
        review.decide(_item("event"), Decision.CREATED, actor=desk.lucia.user)
        incident = Incident.objects.get(reference=_item("event").target)
        assert incident.title == "Raid on the office"
        assert list(incident.acts.values_list("violation_type", flat=True)) == ["death_threat"]
        assert incident.sources.get().kind == "partner"


def test_an_outsider_cannot_review_or_target_what_they_do_not_see(desk, arrived, make_person):
    from aegis.roles import Role

    outsider = make_person(Role.CASEWORKER, "pedro")
    assert selectors.item_for(outsider.user, _item("person").pk) is None
    with unlocked(desk.lucia.keychain()), pytest.raises(RuleError, match="person you can open"):
        review.decide(_item("person"), Decision.LINKED, actor=desk.lucia.user, target="99999")


def test_a_rejection_writes_nothing_else(desk, arrived):
    with unlocked(desk.lucia.keychain()):
        review.decide(_item("person"), Decision.REJECTED, actor=desk.lucia.user, reason="duplicate")
    assert _item("person").decision == Decision.REJECTED
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("reason", "note", "said", "field"),
    [
        ("", "", "Say why this record is rejected", "reason"),
        ("", "we hold it already", "Say why this record is rejected", "reason"),
        ("other", "   ", "Say in a few words why", "note"),
        ("bored", "", "choose one of the listed values", "reason"),
        ("duplicate", "x" * 501, "too long", "note"),
        ("other", "a\x00b", "invisible control characters", "note"),
    ],
)
def test_a_rejection_says_why_or_is_refused_and_decides_nothing(
    desk, arrived, reason, note, said, field
):
    with unlocked(desk.lucia.keychain()), pytest.raises(RuleError, match=said) as refused:
        review.decide(
            _item("person"), Decision.REJECTED, actor=desk.lucia.user, reason=reason, note=note
        )
    assert refused.value.field == field
    kept = _item("person")
    assert kept.decision == Decision.PENDING and kept.decided_by is None
    assert kept.reject_reason == ""
    assert not AuditEntry.objects.filter(action="exchange.review").exists()


def test_a_rejection_keeps_its_reason_and_its_words_encrypted_out_of_the_audit(desk, arrived):
    words = "Canaryreject: Juan Perez asked us not to keep it"
    with unlocked(desk.lucia.keychain()):
        review.decide(
            _item("event"), Decision.REJECTED, actor=desk.lucia.user, reason="other", note=words
        )
        kept = _item("event")
        assert (kept.reject_reason, kept.reject_note) == ("other", words)
        assert kept.decided_by == desk.lucia.user and kept.target == ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reject_note FROM exchange_quarantineitem WHERE id = %s", [kept.pk])
        [(stored,)] = cursor.fetchall()
    assert b"Canaryreject" not in bytes(stored)
    [entry] = AuditEntry.objects.filter(action="exchange.review")
    assert entry.object_id == str(kept.pk)
    assert "Canaryreject" not in repr(AuditEntry.objects.values_list())


def test_a_reason_is_kept_only_for_a_rejection(desk, arrived):
    with unlocked(desk.lucia.keychain()):
        review.decide(
            _item("person"), Decision.CREATED, actor=desk.lucia.user, reason="other", note="no"
        )
        kept = _item("person")
        assert kept.decision == Decision.CREATED
        assert (kept.reject_reason, kept.reject_note) == ("", None)


def test_an_incident_recorded_before_the_days_were_sealed_is_still_matched(desk, arrived):
    """A row made before the days were sealed keeps its exact day in the month column until
    it is corrected: it is matched as one sealed since."""
    Incident.objects.filter(pk=desk.incident.pk).update(
        month_start=desk.incident.date_start, days=None
    )
    with unlocked(desk.lucia.keychain()):
        found = selectors.incident_matches(desk.lucia.user, _item("event"))
    assert found == [desk.incident]


@pytest.mark.parametrize("decision", ["linked", "merged"])
def test_evidence_is_not_linked_or_merged_but_refused_in_words(
    desk, partner, partner_keys, decision
):
    """Evidence is only ever a new original of a case: a link or merge had quietly created
    it."""
    from aegis.evidence.models import EvidenceItem

    services.import_bundle(
        *bundles.with_evidence(partner_keys), compartment=desk.compartment, actor_id=None
    )
    item = _item("evidence")
    with unlocked(desk.lucia.keychain()):
        with pytest.raises(RuleError, match="Evidence cannot be linked or merged") as refused:
            review.decide(item, decision, actor=desk.lucia.user, target=desk.case.reference)
        assert refused.value.field == "decision"
        assert EvidenceItem.objects.filter(case=desk.case).count() == 1  # the desk's own
        assert _item("evidence").decision == Decision.PENDING
        review.decide(item, "created", actor=desk.lucia.user, target=desk.case.reference)
    assert EvidenceItem.objects.filter(case=desk.case).count() == 2
