"""A caseworker links a defender's account to the defender's file (cases.services), and the
safety plan's key follows the link: sealed to the account on linking, destroyed on unlinking."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aegis.alerts.models import Alert, CheckIn
from aegis.audit.models import AuditEntry
from aegis.cases import selectors as cases_selectors
from aegis.cases import services as cases
from aegis.cases.models import CompartmentMember
from aegis.cases.models import Person as CasePerson
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.safety import selectors
from aegis.safety.models import SafetyPlan
from aegis.vault.keychain import NoKeyAccess, unlocked
from aegis.vault.models import KeyWrap
from aegis.vault.selectors import keypair_for_user

from .conftest import client, small_draft

pytestmark = pytest.mark.django_db


def _wraps(person, account) -> int:
    plan = SafetyPlan.objects.get(person=person)
    return KeyWrap.objects.filter(
        data_key_id=plan.data_key_id, keypair=keypair_for_user(account.pk)
    ).count()


def _actions(action: str) -> list[str]:
    return list(AuditEntry.objects.filter(action=action).values_list("object_id", flat=True))


@pytest.fixture
def unlinked(team, make_case):
    """A second person of the compartment with a plan and no account."""
    person = make_case(team.compartment, team.lucia).person
    with unlocked(team.lucia.keychain()):
        from aegis.safety import services

        services.save_plan(person, small_draft(), actor_id=team.lucia.user.pk)
    return person


def test_linking_seals_the_plan_to_the_defender_and_is_audited(team, unlinked):
    tomas = team.tomas.user
    assert _wraps(unlinked, tomas) == 0
    with unlocked(team.lucia.keychain()):
        cases.link_account(unlinked, tomas, actor=team.lucia.user)
    unlinked.refresh_from_db(fields=["account"])
    assert unlinked.account == tomas
    assert _wraps(unlinked, tomas) == 1
    with unlocked(team.tomas.keychain()):
        version = selectors.current_version(unlinked)
        assert selectors.can_open(version)
        assert selectors.contents(version).contacts[0].name == "Achieng Otieno"
    assert _actions("account.link") == [str(unlinked.pk)]
    assert cases_selectors.linkable_accounts().filter(pk=tomas.pk).count() == 0


def test_a_person_linked_before_their_first_plan_gets_it_sealed_on_saving(team, make_case):
    person = make_case(team.compartment, team.lucia).person
    with unlocked(team.lucia.keychain()):
        cases.link_account(person, team.tomas.user, actor=team.lucia.user)
        assert selectors.own_person(team.tomas.user) == person
        team.person = person
        team.save(small_draft())
    assert _wraps(person, team.tomas.user) == 1


def test_unlinking_revokes_the_plan_and_the_pages_answer_as_for_no_file(team):
    team.save(small_draft())
    rosa = team.rosa.user
    assert _wraps(team.person, rosa) == 1
    web = client(team.rosa)
    assert "Achieng Otieno" in web.get(reverse("safety:mine")).content.decode()

    with unlocked(team.lucia.keychain()):
        cases.unlink_account(team.person, actor=team.lucia.user)
    team.person.refresh_from_db(fields=["account"])
    assert team.person.account is None
    assert _wraps(team.person, rosa) == 0
    with unlocked(team.rosa.keychain()):
        assert not selectors.can_open(selectors.current_version(team.person))
    assert _actions("account.unlink") == [str(team.person.pk)]
    assert AuditEntry.objects.filter(action="key.revoke").count() == 1

    mine = web.get(reverse("safety:mine")).content.decode()
    assert "not linked to a defender" in mine and "Achieng" not in mine
    assert web.get(reverse("safety:mine-print")).status_code == 404
    assert "not linked to a defender" in web.get(reverse("alerts:panic")).content.decode()
    assert web.post(reverse("alerts:panic")).status_code == 404
    assert web.post(reverse("alerts:checkin"), {"word": ""}).status_code == 404
    assert not Alert.objects.exists() and not CheckIn.objects.exists()
    # Unlinked, the account can be linked again (to the same file or another).
    assert cases_selectors.linkable_accounts().filter(pk=rosa.pk).count() == 1


def test_a_caseworker_outside_the_compartment_cannot_link(team, unlinked):
    with unlocked(team.pedro.keychain()), pytest.raises(RuleError):
        cases.link_account(unlinked, team.tomas.user, actor=team.pedro.user)
    outsider = client(team.pedro)
    link = reverse("cases:account-link", kwargs={"person_id": unlinked.pk})
    unlink = reverse("cases:account-unlink", kwargs={"person_id": team.person.pk})
    missing = reverse("cases:account-link", kwargs={"person_id": 999_999})
    assert outsider.post(link, {"account": team.tomas.user.pk}).status_code == 404
    assert outsider.post(unlink).status_code == 404
    assert outsider.post(missing, {"account": team.tomas.user.pk}).status_code == 404
    unlinked.refresh_from_db(fields=["account"])
    team.person.refresh_from_db(fields=["account"])
    assert unlinked.account is None and team.person.account == team.rosa.user
    assert not _actions("account.link") and not _actions("account.unlink")


def test_only_active_defenders_accounts_can_be_linked(team, unlinked, make_person):
    responder = make_person(Role.RESPONDER, "rania").user
    gone = make_person(Role.DEFENDER, "gone").user
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    candidates = list(cases_selectors.linkable_accounts().values_list("username", flat=True))
    assert candidates == ["tomas"]
    for account in (team.karim.user, team.pedro.user, responder, gone):
        with unlocked(team.lucia.keychain()), pytest.raises(RuleError, match="defender"):
            cases.link_account(unlinked, account, actor=team.lucia.user)
    # Through the page: an account not offered is refused with a message, nothing linked.
    web = client(team.lucia)
    link = reverse("cases:account-link", kwargs={"person_id": unlinked.pk})
    response = web.post(link, {"account": team.karim.user.pk}, follow=True)
    assert "Choose one of the defenders" in response.content.decode()
    unlinked.refresh_from_db(fields=["account"])
    assert unlinked.account is None and not _actions("account.link")


def test_one_account_one_person(team, unlinked):
    with unlocked(team.lucia.keychain()):
        with pytest.raises(RuleError, match="another person"):
            cases.link_account(unlinked, team.rosa.user, actor=team.lucia.user)
        with pytest.raises(RuleError, match="already linked to an account"):
            cases.link_account(team.person, team.tomas.user, actor=team.lucia.user)
    assert CasePerson.objects.filter(account=team.tomas.user).count() == 0
    unlinked.refresh_from_db(fields=["account"])
    assert unlinked.account is None
    with unlocked(team.lucia.keychain()), pytest.raises(RuleError, match="not linked"):
        cases.unlink_account(unlinked, actor=team.lucia.user)


def test_a_member_without_the_plan_key_links_nothing(team, unlinked, make_person):
    # A member on paper who was never sealed the compartment's keys (they are not held).
    newcomer = make_person(Role.CASEWORKER, "nadia")
    CompartmentMember.objects.create(compartment=team.compartment, user=newcomer.user)
    with unlocked(newcomer.keychain()), pytest.raises(RuleError) as refused:
        cases.link_account(unlinked, team.tomas.user, actor=newcomer.user)
    assert "You do not hold every key" in str(refused.value)
    assert isinstance(refused.value.__cause__, NoKeyAccess)
    unlinked.refresh_from_db(fields=["account"])
    assert unlinked.account is None
    assert _wraps(unlinked, team.tomas.user) == 0
    assert not _actions("account.link")


def test_the_person_page_links_and_unlinks(team, unlinked):
    team.save(small_draft())
    web = client(team.lucia)
    page = reverse("cases:person", kwargs={"person_id": unlinked.pk})
    html = web.get(page).content.decode()
    assert ">tomas</option>" in html and ">rosa</option>" not in html
    assert ">lucia</option>" not in html

    response = web.post(
        reverse("cases:account-link", kwargs={"person_id": unlinked.pk}),
        {"account": team.tomas.user.pk},
        follow=True,
    )
    html = response.content.decode()
    assert "The account tomas is linked" in html and "Unlink the account" in html
    defender = client(team.tomas)
    assert "Achieng Otieno" in defender.get(reverse("safety:mine")).content.decode()
    assert "I am fine: check in" in defender.get(reverse("alerts:checkin")).content.decode()

    # No defender's account is left to offer on another person's page.
    html = web.get(reverse("cases:person", kwargs={"person_id": team.person.pk})).content
    assert "Linked to the account <bdi>rosa</bdi>" in html.decode()

    response = web.post(
        reverse("cases:account-unlink", kwargs={"person_id": unlinked.pk}), follow=True
    )
    assert "The account is unlinked" in response.content.decode()
    assert "not linked to a defender" in defender.get(reverse("safety:mine")).content.decode()
