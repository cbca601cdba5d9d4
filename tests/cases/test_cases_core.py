"""Compartments govern every record key; people and cases through the services."""

import pytest

from aegis.cases import selectors, services
from aegis.cases.models import Case, Person
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault.keychain import NoKeyAccess, unlocked

pytestmark = pytest.mark.django_db


def test_members_read_outsiders_cannot_even_find(make_person, make_compartment, make_case):
    lucia, pedro = make_person(Role.CASEWORKER), make_person(Role.CASEWORKER)
    compartment = make_compartment(lucia)
    case = make_case(compartment, lucia, summary="Threats after land claim")
    assert selectors.case_for(lucia.user, case.reference) == case
    assert selectors.case_for(pedro.user, case.reference) is None
    with unlocked(pedro.keychain()), pytest.raises(NoKeyAccess):
        _ = Case.objects.get(pk=case.pk).summary


def test_adding_and_removing_a_member_grants_and_revokes_every_key(
    make_person, make_compartment, make_case
):
    lucia, pedro = make_person(Role.CASEWORKER), make_person(Role.CASEWORKER, index_key=False)
    compartment = make_compartment(lucia)
    case = make_case(compartment, lucia, summary="Raid on the office")
    with unlocked(lucia.keychain()):
        services.add_member(compartment, pedro.user, actor_id=lucia.user.pk)
    with unlocked(pedro.keychain()):
        assert Case.objects.get(pk=case.pk).summary == "Raid on the office"
        assert Person.objects.get(pk=case.person_id).legal_name.startswith("Legal Name")
        assert selectors.search(
            pedro.user, case.person.pseudonym
        ).empty  # pseudonyms are not indexed
        found = selectors.search(pedro.user, "legal name 0")
        assert found.people == [case.person] and found.cases == [case]
    from aegis.audit.models import AuditEntry, AuditRecordList
    from aegis.vault.models import KeyWrap
    from aegis.vault.selectors import keypair_for_user

    keys = set(compartment.keys.values_list("data_key_id", flat=True))
    assert len(keys) > 1  # the case's and its person's at least
    held = KeyWrap.objects.filter(keypair=keypair_for_user(pedro.user.pk), data_key_id__in=keys)
    assert held.count() == len(keys)
    with unlocked(lucia.keychain()):
        services.remove_member(compartment, pedro.user, actor_id=lucia.user.pk)
    with unlocked(pedro.keychain()), pytest.raises(NoKeyAccess):
        _ = Case.objects.get(pk=case.pk).summary
    assert not held.exists()
    # Sealed in one go and taken back in one go: one audit entry each, listing the keys.
    for action in ("key.grant", "key.revoke"):
        (entry,) = AuditEntry.objects.filter(action=action, object_type="keypair")
        listed = AuditRecordList.objects.get(entry=entry).records.split()
        assert {r.split(":", 1)[1] for r in listed if r.startswith("datakey:")} == {
            str(k) for k in keys
        }


def test_status_changes_need_a_reason_and_are_kept(make_person, make_compartment, make_case):
    lucia = make_person(Role.CASEWORKER)
    case = make_case(make_compartment(lucia), lucia)
    with unlocked(lucia.keychain()):
        with pytest.raises(RuleError, match="Say why"):
            services.change_status(case, "active", "  ", actor_id=lucia.user.pk)
        services.change_status(case, "closed", "Relocated safely", actor_id=lucia.user.pk)
        history = [(c.from_status, c.to_status, c.reason) for c in case.status_changes.all()]
    assert history == [("", "intake", "Case opened"), ("intake", "closed", "Relocated safely")]
    assert case.closed_at is not None


def test_references_are_sequential(make_person, make_compartment, make_case):
    lucia = make_person(Role.CASEWORKER)
    compartment = make_compartment(lucia)
    first, second = make_case(compartment, lucia), make_case(compartment, lucia)
    assert int(second.reference.rsplit("-", 1)[1]) == int(first.reference.rsplit("-", 1)[1]) + 1


def test_consent_is_scoped_and_withdrawable(make_person, make_compartment, make_case):
    lucia = make_person(Role.CASEWORKER)
    case = make_case(make_compartment(lucia), lucia)
    with unlocked(lucia.keychain()):
        consent = services.record_consent(
            case.person, "un_mechanism", "Oral, by phone", actor_id=lucia.user.pk
        )
    assert selectors.has_consent(case.person, "un_mechanism")
    assert not selectors.has_consent(case.person, "publish_name")
    services.withdraw_consent(consent, actor_id=lucia.user.pk)
    assert not selectors.has_consent(case.person, "un_mechanism")
