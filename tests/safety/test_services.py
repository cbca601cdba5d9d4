"""Safety plans through the services: versions, the duress word, the alert service key, the
defender's own access, and bad input refused with nothing half-written."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection

from aegis import clock
from aegis.audit.models import AuditEntry
from aegis.safety import selectors, services
from aegis.safety.drafts import ContactDraft, ScenarioDraft
from aegis.safety.models import EmergencyContact, PlanVersion, SafetyPlan, Scenario
from aegis.vault import service_keys
from aegis.vault.keychain import NoKeyAccess, VaultLocked, unlocked
from aegis.vault.models import DataKey, KeyWrap

from .conftest import full_draft, small_draft

pytestmark = pytest.mark.django_db

T0 = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)


def _snapshot(version):
    plan = selectors.contents(version)
    return (
        version.language,
        version.checkin_interval_hours,
        [(c.priority, c.name, c.relation, c.phone, c.email, c.language) for c in plan.contacts],
        [(s.kind, s.steps, s.whom_to_call, s.what_to_carry) for s in plan.scenarios],
        plan.safe_places,
        plan.quiet_hours,
        version.duress_word,
    )


# --- Versions -----------------------------------------------------------------------------


def test_each_save_is_a_new_version_and_the_old_one_stays_as_it_was(team):
    with clock.frozen(T0):
        first = team.save(small_draft())
    with unlocked(team.lucia.keychain()):
        before = _snapshot(PlanVersion.objects.get(pk=first.pk))
    with clock.frozen(T0 + timedelta(days=3)):
        second = team.save(
            small_draft(
                contacts=[ContactDraft(name="Advocate Fatma Said", phone="+254 711 555 046")],
                checkin_interval_hours=12,
            ),
            by=team.karim,
        )
    assert (first.number, second.number) == (1, 2)
    assert SafetyPlan.objects.count() == 1 and PlanVersion.objects.count() == 2
    with unlocked(team.karim.keychain()):
        assert selectors.current_version(team.person).pk == second.pk
        old = selectors.version_of(team.person, 1)
        assert _snapshot(old) == before  # identical, readable, untouched
        assert [c.name for c in selectors.contacts_of(old)] == ["Achieng Otieno", "Peter Mwangi"]
        assert [c.name for c in selectors.emergency_contacts(team.person)] == [
            "Advocate Fatma Said"
        ]
    listed = list(selectors.versions_of(team.person))
    assert [(v.number, v.created_by.username, v.created_at) for v in listed] == [
        (2, "karim", T0 + timedelta(days=3)),
        (1, "lucia", T0),
    ]
    # All versions use the plan's one key.
    assert {v.data_key_id for v in listed} == {SafetyPlan.objects.get().data_key_id}


def test_earlier_versions_refuse_to_be_changed(team):
    version = team.save(small_draft())
    with unlocked(team.lucia.keychain()):
        version.safe_places = "rewritten history"
        with pytest.raises(ValueError, match="kept as written"):
            version.save()
        contact = EmergencyContact.objects.filter(version=version).first()
        contact.name = "Someone else"
        with pytest.raises(ValueError, match="kept as written"):
            contact.save()
        scenario = Scenario.objects.filter(version=version).first()
        with pytest.raises(ValueError, match="kept as written"):
            scenario.save()
        assert PlanVersion.objects.get(pk=version.pk).safe_places == "Parish hall\nColleague's flat"


def test_contacts_keep_their_order_and_scenarios_the_order_of_kinds(team):
    draft = full_draft()
    draft.scenarios.reverse()
    version = team.save(draft)
    with unlocked(team.lucia.keychain()):
        plan = selectors.contents(version)
        assert plan.contacts[0].name == "Achieng Otieno"
    assert [c.priority for c in plan.contacts] == [1, 2, 3, 4, 5]
    assert [s.kind for s in plan.scenarios] == [
        "arrest",
        "raid",
        "abduction",
        "online_attack",
        "travel",
        "family_threatened",
    ]
    assert plan.quiet_hours == (time(23, 0), time(5, 30))


def test_the_edit_starts_from_the_current_version(team):
    version = team.save(full_draft())
    with unlocked(team.lucia.keychain()):
        draft = selectors.draft_of(version)
    assert draft.duress_word is None  # kept unless a new one is typed
    assert len(draft.contacts) == 5 and len(draft.scenarios) == 6
    assert draft.quiet_from == time(23, 0)
    again = team.save(draft)
    with unlocked(team.lucia.keychain()):
        assert _snapshot(again) == _snapshot(version)


def test_saves_are_audited(team):
    team.save(small_draft())
    team.save(small_draft())
    actions = list(
        AuditEntry.objects.filter(object_type="safety-plan")
        .exclude(action="record.open")
        .values_list("action", "actor_id")
    )
    assert actions == [("record.create", team.lucia.user.pk), ("record.update", team.lucia.user.pk)]


# --- Duress word --------------------------------------------------------------------------


def test_the_duress_word_is_encrypted_and_matched_normalised(team):
    team.save(small_draft(duress_word="Mango Season"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT duress_word, duress_digest FROM safety_planversion")
        stored, digest = cursor.fetchone()
    assert b"Mango" not in bytes(stored) and b"mango" not in bytes(stored)
    assert digest and "mango" not in digest.lower()
    with unlocked(team.lucia.keychain()):
        assert selectors.current_version(team.person).duress_word == "Mango Season"
        for typed in ("Mango Season", "mango season", "  MANGO   season! ", "Mángo Séason"):
            assert selectors.duress_word_matches(team.person, typed), typed
        for typed in ("mango", "Mango Seasons", "", "   "):
            assert not selectors.duress_word_matches(team.person, typed), typed


def test_an_arabic_duress_word_matches_with_or_without_vowel_marks(team):
    team.save(small_draft(duress_word="يَاسَمِين"))
    with unlocked(team.lucia.keychain()):
        assert selectors.duress_word_matches(team.person, "ياسمين")
        assert not selectors.duress_word_matches(team.person, "زيتون")


def test_the_duress_word_is_kept_changed_or_removed(team):
    team.save(small_draft(duress_word="girasol"))
    team.save(small_draft(duress_word=None))
    with unlocked(team.lucia.keychain()):
        assert selectors.duress_word_matches(team.person, "Girasol")
    team.save(small_draft(duress_word="jacaranda"))
    with unlocked(team.lucia.keychain()):
        assert not selectors.duress_word_matches(team.person, "girasol")
        assert selectors.duress_word_matches(team.person, "jacaranda")
    team.save(small_draft(duress_word=""))
    with unlocked(team.lucia.keychain()):
        assert not selectors.duress_word_matches(team.person, "jacaranda")
        assert selectors.current_version(team.person).duress_digest == ""
        # The earlier version still holds its word.
        assert selectors.version_of(team.person, 3).duress_word == "jacaranda"


def test_the_same_word_in_two_plans_gives_unrelated_digests(team, make_case):
    other = make_case(team.compartment, team.lucia).person
    team.save(small_draft(duress_word="girasol"))
    with unlocked(team.lucia.keychain()):
        services.save_plan(other, small_draft(duress_word="girasol"), actor_id=None)
    digests = set(PlanVersion.objects.values_list("duress_digest", flat=True))
    assert len(digests) == 2


def test_no_plan_no_duress_match(team):
    with unlocked(team.lucia.keychain()):
        assert not selectors.duress_word_matches(team.person, "anything")
        assert selectors.emergency_contacts(team.person) == []
        assert selectors.checkin_schedule(team.person) is None


# --- The alert service key ----------------------------------------------------------------


def test_the_alert_worker_reads_contacts_schedule_and_duress_with_nobody_signed_in(team):
    team.save(full_draft())
    with unlocked(service_keys.service_keychain()):
        contacts = selectors.emergency_contacts(team.person)
        schedule = selectors.checkin_schedule(team.person)
        assert selectors.duress_word_matches(team.person, "Mango season")
    assert [(c.priority, c.name, c.phone) for c in contacts][:2] == [
        (1, "Achieng Otieno", "+254 722 555 031"),
        (2, "Peter Mwangi", "+254 733 555 087"),
    ]
    assert contacts[3].email == "desk.demo@example.org" and contacts[3].phone == ""
    assert contacts[0].language == "en"
    assert schedule.interval == timedelta(hours=24) and schedule.grace == timedelta(minutes=30)
    assert (schedule.quiet_from, schedule.quiet_until) == (time(23, 0), time(5, 30))
    # With no key context at all nothing opens.
    with pytest.raises(VaultLocked):
        selectors.emergency_contacts(team.person)
    with pytest.raises(VaultLocked):
        _ = selectors.current_version(team.person).contacts.first().phone


def test_the_plan_key_is_sealed_to_the_service_but_not_to_outsiders(team):
    team.save(small_draft())
    data_key_id = SafetyPlan.objects.get().data_key_id
    service = service_keys.service_keypair()
    assert KeyWrap.objects.filter(data_key_id=data_key_id, keypair=service).exists()
    with unlocked(team.pedro.keychain()), pytest.raises(NoKeyAccess):
        selectors.emergency_contacts(team.person)


def test_without_an_alert_service_key_nothing_is_saved(team):
    service_keys.service_keypair().delete()
    keys_before, wraps_before = DataKey.objects.count(), KeyWrap.objects.count()
    with pytest.raises(services.SafetyPlanError, match="alert service key"):
        team.save(small_draft())
    assert SafetyPlan.objects.count() == 0 and PlanVersion.objects.count() == 0
    assert (DataKey.objects.count(), KeyWrap.objects.count()) == (keys_before, wraps_before)


def test_check_in_schedule_and_quiet_hours_over_midnight(team):
    team.save(small_draft(quiet_from=time(22, 0), quiet_until=time(6, 0)))
    with unlocked(team.lucia.keychain()):
        schedule = selectors.checkin_schedule(team.person)
    assert schedule.is_quiet(time(23, 30)) and schedule.is_quiet(time(5, 59))
    assert not schedule.is_quiet(time(6, 0)) and not schedule.is_quiet(time(12, 0))
    team.save(small_draft(quiet_from=time(13, 0), quiet_until=time(15, 0)))
    with unlocked(team.lucia.keychain()):
        schedule = selectors.checkin_schedule(team.person)
    assert schedule.is_quiet(time(14, 0)) and not schedule.is_quiet(time(23, 0))


def test_versions_with_checkins_lists_only_current_versions_asking_for_them(team, make_case):
    other = make_case(team.compartment, team.lucia).person
    team.save(small_draft(checkin_interval_hours=24))
    team.save(small_draft(checkin_interval_hours=6))
    with unlocked(team.lucia.keychain()):
        services.save_plan(other, small_draft(checkin_interval_hours=8), actor_id=None)
        services.save_plan(other, small_draft(checkin_interval_hours=None), actor_id=None)
    # No key needed: these columns are in clear on purpose.
    found = [
        (v.plan.person_id, v.number, v.checkin_interval_hours)
        for v in selectors.versions_with_checkins()
    ]
    assert found == [(team.person.pk, 2, 6)]


# --- The defender's own access ------------------------------------------------------------


def test_the_defender_can_open_their_own_plan_and_no_one_elses(team):
    team.save(small_draft())
    with unlocked(team.rosa.keychain()):
        version = selectors.current_version(team.person)
        assert selectors.can_open(version)
        assert selectors.contents(version).contacts[0].name == "Achieng Otieno"
    with unlocked(team.tomas.keychain()):
        assert not selectors.can_open(version)
        with pytest.raises(NoKeyAccess):
            _ = PlanVersion.objects.get(pk=version.pk).safe_places


def test_an_account_linked_later_gets_the_plan_on_the_next_save(team, make_case, make_person):
    other = make_case(team.compartment, team.lucia).person
    with unlocked(team.lucia.keychain()):
        services.save_plan(other, small_draft(), actor_id=None)
    other.account = team.tomas.user
    other.save(update_fields=["account"])
    with unlocked(team.tomas.keychain()):
        assert not selectors.can_open(selectors.current_version(other))
    with unlocked(team.lucia.keychain()):
        assert services.share_with_defender(other)
    with unlocked(team.tomas.keychain()):
        assert selectors.can_open(selectors.current_version(other))


# --- Bad input ----------------------------------------------------------------------------

MEGABYTE = "x" * (1024 * 1024)


@pytest.mark.parametrize(
    ("changes", "where", "words"),
    [
        ({"safe_places": MEGABYTE}, "safe_places", "too long"),
        ({"safe_places": "Parish\x00hall"}, "safe_places", "null character"),
        ({"safe_places": "photo\u202egpj.exe"}, "safe_places", "hidden"),
        ({"duress_word": "x\x00y"}, "duress_word", "null character"),
        ({"duress_word": "!!"}, "duress_word", "at least 3"),
        ({"checkin_interval_hours": 0}, "checkin_interval_hours", "every 1 to"),
        ({"checkin_interval_hours": 10_000}, "checkin_interval_hours", "every 1 to"),
        ({"checkin_grace_minutes": -1}, "checkin_grace_minutes", "grace period"),
        ({"quiet_from": time(22, 0)}, "quiet_from", "both the start and the end"),
        ({"language": "de"}, "language", "languages offered"),
        (
            {
                "contacts": [
                    ContactDraft(name=f"Contact {n}", phone="+57 300 555 0101") for n in range(6)
                ]
            },
            "contacts",
            "at most 5",
        ),
        ({"contacts": [ContactDraft(name="Ana")]}, "contacts.0.phone", "at least one way"),
        ({"contacts": [ContactDraft(relation="Sister", phone="+57 1")]}, "contacts.0.name", "name"),
        (
            {"contacts": [ContactDraft(name="Ana", email="not-an-address")]},
            "contacts.0.email",
            "not an email",
        ),
        ({"contacts": [ContactDraft(name="Ana", phone="call me")]}, "contacts.0.phone", "digits"),
        (
            {"contacts": [ContactDraft(name=MEGABYTE, phone="+57 300 555 0101")]},
            "contacts.0.name",
            "too long",
        ),
        (
            {"contacts": [ContactDraft(name="A\x00na", phone="+57 300 555 0101")]},
            "contacts.0.name",
            "null character",
        ),
        ({"scenarios": [ScenarioDraft("arrest", MEGABYTE)]}, "scenarios.arrest.steps", "too long"),
        (
            {"scenarios": [ScenarioDraft("arrest", "\x00")]},
            "scenarios.arrest.steps",
            "null character",
        ),
        ({"scenarios": [ScenarioDraft("flood", "Go uphill")]}, "scenarios", "six kinds"),
        (
            {"scenarios": [ScenarioDraft("raid", "a"), ScenarioDraft("raid", "b")]},
            "scenarios",
            "at most once",
        ),
    ],
)
def test_bad_input_is_refused_in_plain_words_and_nothing_is_written(team, changes, where, words):
    keys_before = DataKey.objects.count()
    with pytest.raises(services.SafetyPlanError) as refused:
        team.save(small_draft(**changes))
    assert where in refused.value.errors, refused.value.errors
    assert words in " ".join(refused.value.errors[where])
    assert SafetyPlan.objects.count() == 0 and PlanVersion.objects.count() == 0
    assert EmergencyContact.objects.count() == 0 and Scenario.objects.count() == 0
    assert DataKey.objects.count() == keys_before


def test_a_refused_new_version_leaves_the_current_one_in_force(team):
    team.save(small_draft())
    with pytest.raises(services.SafetyPlanError):
        team.save(small_draft(safe_places=MEGABYTE))
    assert PlanVersion.objects.count() == 1
    assert EmergencyContact.objects.count() == 2


def test_empty_contact_rows_are_ignored(team):
    version = team.save(
        small_draft(
            contacts=[
                ContactDraft(),
                ContactDraft(name="Ana", phone="+57 300 555 0101"),
                ContactDraft(),
            ]
        )
    )
    with unlocked(team.lucia.keychain()):
        contacts = [(c.priority, c.name, c.language) for c in selectors.contacts_of(version)]
    assert contacts == [(1, "Ana", "en")]
