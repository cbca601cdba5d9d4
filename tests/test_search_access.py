"""The search key given on a page, not only in the offline ceremony: a caseworker without it
is told what is missing and who can give it (never a 500, nothing half-written); a
coordinator who holds it gives it with one audited POST; the administrator cannot."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from aegis.accounts import selectors as account_selectors
from aegis.accounts import services as accounts
from aegis.audit.models import AuditEntry
from aegis.cases import services as cases
from aegis.cases.models import Case, Person
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault import services as vault
from aegis.vault.keychain import NoKeyAccess, NoSearchKey, unlocked
from aegis.vault.models import DataKey, KeyWrap
from aegis.vault.selectors import keypair_for_user
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

MISSING = "You do not hold the search key yet."
NEW_PERSON = {
    "compartment": "",
    "subject_kind": "person",
    "person": "",
    "summary": "Threats after the radio interview",
    "country": "",
    "region": "",
    "sector": "",
    "person-pseudonym": "Ceiba",
    "person-legal_name": "Marisol Quintero Arango",
    "person-phone": "+57 310 555 0142",
    "person-gender": "woman",
    "person-age_group": "30_44",
    "person-sector": "land_environment",
    "person-country": "CO",
    "person-languages": "es",
}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def holds(person) -> bool:
    keypair = keypair_for_user(person.user.pk)
    return KeyWrap.objects.filter(data_key_id=vault.index_key_id(), keypair=keypair).exists()


@pytest.fixture
def office(make_person, make_compartment):
    """Nina, a new caseworker without the search key, in a compartment with Karim, a
    coordinator who holds it."""
    nina = make_person(Role.CASEWORKER, "nina", index_key=False)
    karim = make_person(Role.COORDINATOR, "karim")
    compartment = make_compartment(nina, karim, name="Andes")
    return nina, karim, compartment


def open_case(client: Client, compartment) -> object:
    return client.post(reverse("cases:new"), {**NEW_PERSON, "compartment": compartment.pk})


def test_creating_a_person_without_the_search_key_explains_and_writes_nothing(office):
    nina, _karim, compartment = office
    before = (Person.objects.count(), Case.objects.count(), DataKey.objects.count())
    response = open_case(sign_in(Client(), nina), compartment)
    assert response.status_code == 403
    page = text(response)
    assert MISSING in page
    assert "“Search access” page" in page and "aegis grant-search-key" in page
    assert "Nothing was saved." in page
    assert 'value="Marisol Quintero Arango"' in page  # the form comes back as typed
    assert (Person.objects.count(), Case.objects.count(), DataKey.objects.count()) == before


def test_the_vault_says_who_can_give_the_search_key(office):
    nina, _karim, compartment = office
    with unlocked(nina.keychain()), pytest.raises(NoSearchKey) as missing:
        cases.create_person(compartment, actor_id=nina.user.pk, pseudonym="X", legal_name="Ana")
    assert isinstance(missing.value, NoKeyAccess)  # callers that catch NoKeyAccess still do
    assert str(missing.value).startswith(MISSING)
    assert "coordinator" in str(missing.value)
    assert not Person.objects.exists()


def test_searching_without_the_search_key_says_why_names_were_not_searched(office):
    nina, _karim, _compartment = office
    response = sign_in(Client(), nina).get(reverse("cases:search"), {"q": "Marisol"})
    assert response.status_code == 200
    page = text(response)
    assert MISSING in page and "Only case and incident references were searched." in page
    assert "No exact match in your compartments" not in page


def test_a_coordinator_gives_the_search_key_and_the_caseworker_can_work(office):
    nina, karim, compartment = office
    coordinator = sign_in(Client(), karim)
    page = coordinator.get(reverse("accounts:search-access"))
    assert page.status_code == 200
    assert "Give the search key to <bdi>nina</bdi>" in text(page)
    assert "Give the search key to karim" not in text(page)  # he holds it already
    grant = reverse("accounts:search-access-grant", kwargs={"user_id": nina.user.pk})

    response = coordinator.post(grant, follow=True)
    assert response.status_code == 200
    assert "nina now holds the search key" in text(response)
    assert "Give the search key to <bdi>nina</bdi>" not in text(response)
    assert holds(nina)
    entry = AuditEntry.objects.filter(action="key.grant", object_type="user").get()
    assert (entry.actor_id, entry.object_id) == (karim.user.pk, str(nina.user.pk))
    # The vault's own entry names the key that was sealed.
    assert AuditEntry.objects.filter(
        action="key.grant", object_type="datakey", object_id=str(vault.index_key_id())
    ).exists()
    # A second click changes nothing and says so.
    again = coordinator.post(grant, follow=True)
    assert "nina already holds the search key." in text(again)
    assert AuditEntry.objects.filter(action="key.grant", object_type="user").count() == 1

    # Nina's signed-in session picks the key up at once.
    caseworker = sign_in(Client(), nina)
    opened = open_case(caseworker, compartment)
    assert opened.status_code == 302, text(opened)[:3000]
    assert Person.objects.count() == 1
    found = text(caseworker.get(reverse("cases:search"), {"q": "marisol quintero arango"}))
    assert "Ceiba" in found and MISSING not in found
    found = text(caseworker.get(reverse("cases:search"), {"q": "+573105550142"}))
    assert "Ceiba" in found


def test_the_grant_needs_the_csrf_token(office):
    nina, karim, _compartment = office
    client = sign_in(Client(), karim)
    client.handler.enforce_csrf_checks = True  # as a browser posting from another site
    grant = reverse("accounts:search-access-grant", kwargs={"user_id": nina.user.pk})
    assert client.post(grant).status_code == 403
    assert not holds(nina)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.COORDINATOR], ids=lambda r: r.value)
def test_other_roles_are_refused_the_page_and_the_grant(office, make_person, role):
    nina, _karim, _compartment = office
    client = sign_in(Client(), make_person(role))
    assert client.get(reverse("accounts:search-access")).status_code == 403
    grant = reverse("accounts:search-access-grant", kwargs={"user_id": nina.user.pk})
    assert client.post(grant).status_code == 403
    assert not holds(nina)
    assert not AuditEntry.objects.filter(action="key.grant", object_type="user").exists()


def test_the_administrator_holds_no_key_and_cannot_give_it(office, make_person):
    nina, _karim, _compartment = office
    admin = make_person(Role.ADMIN)
    with unlocked(admin.keychain()), pytest.raises(RuleError):
        accounts.grant_search_access(nina.user, actor=admin.user)
    assert not holds(nina)


def test_a_coordinator_without_the_key_is_told_who_can(office, make_person):
    nina, _karim, _compartment = office
    newcomer = make_person(Role.COORDINATOR, "olga", index_key=False)
    client = sign_in(Client(), newcomer)
    page = text(client.get(reverse("accounts:search-access")))
    assert "You do not hold the search key yourself" in page
    assert "These coordinators hold it and can give it from this page: karim" in page
    assert "Give the search key to" not in page  # no button that could only fail
    grant = reverse("accounts:search-access-grant", kwargs={"user_id": nina.user.pk})
    response = client.post(grant, follow=True)
    assert "You do not hold the search key yourself, so you cannot give it." in text(response)
    assert "aegis grant-search-key --username nina" in text(response)
    assert not holds(nina)
    assert not AuditEntry.objects.filter(action="key.grant", object_type="user").exists()


def test_when_no_coordinator_holds_it_the_page_points_to_the_ceremony(make_person):
    olga = make_person(Role.COORDINATOR, "olga", index_key=False)
    make_person(Role.CASEWORKER, "nina", index_key=False)
    page = text(sign_in(Client(), olga).get(reverse("accounts:search-access")))
    assert "No coordinator holds it yet." in page
    assert "aegis grant-search-key --username NAME" in page
    assert [u.username for u in account_selectors.search_access_pending()] == ["nina", "olga"]


def test_only_case_staff_receive_the_search_key(office, make_person):
    _nina, karim, _compartment = office
    analyst = make_person(Role.ANALYST)
    with unlocked(karim.keychain()), pytest.raises(RuleError) as refused:
        accounts.grant_search_access(analyst.user, actor=karim.user)
    assert "Only caseworkers and coordinators" in str(refused.value)
    assert not holds(analyst)


def test_the_administrator_sees_search_access_pending(office, make_person):
    admin = sign_in(Client(), make_person(Role.ADMIN))
    page = text(admin.get(reverse("accounts:users")))
    assert re.search(r"<td><bdi>nina</bdi></td><td>Caseworker</td><td>Pending: a coordinator", page)
    assert re.search(
        r"<td><bdi>karim</bdi></td><td>Coordinator</td><td>Has the search key</td>", page
    )
    created = admin.post(
        reverse("accounts:user-create"),
        {"username": "tomas", "password": "another long passphrase 7", "role": "caseworker"},
    )
    assert created.status_code == 200
    assert "Search access pending" in text(created)
    responder = admin.post(
        reverse("accounts:user-create"),
        {"username": "rosa", "password": "another long passphrase 7", "role": "responder"},
    )
    assert "Search access pending" not in text(responder)
    pending = [u.username for u in account_selectors.search_access_pending()]
    assert pending == ["nina", "tomas"]


def test_changing_a_name_without_the_search_key_explains_and_keeps_the_old_one(office):
    nina, karim, compartment = office
    with unlocked(karim.keychain()):
        person = cases.create_person(
            compartment, actor_id=karim.user.pk, pseudonym="Ceiba", legal_name="Marisol Q"
        )
    response = sign_in(Client(), nina).post(
        reverse("cases:person-edit", kwargs={"person_id": person.pk}),
        {
            **{k.removeprefix("person-"): v for k, v in NEW_PERSON.items() if "-" in k},
            "legal_name": "Marisol Quintero",
            "reason": "Full name",
        },
    )
    assert response.status_code == 403
    assert MISSING in text(response) and "Nothing was saved." in text(response)
    with unlocked(karim.keychain()):
        assert Person.objects.get().legal_name == "Marisol Q"


def test_any_other_form_that_needs_the_search_key_gets_a_clear_page(office):
    """A perpetrator's name is indexed too: the page says what is missing, not a 500."""
    from aegis.incidents import services as incidents
    from aegis.incidents.models import Perpetrator

    nina, _karim, compartment = office
    with unlocked(nina.keychain()):
        incident = incidents.create_incident(
            compartment,
            actor_id=nina.user.pk,
            title="Threat at the community hall",
            date_start=datetime.date(2024, 3, 5),
        )
    response = sign_in(Client(), nina).post(
        reverse("incidents:perpetrator-add", kwargs={"incident_ref": incident.reference}),
        {"perpetrator_type": "public_official", "name": "The mayor", "involvement": "instigator"},
    )
    assert response.status_code == 403
    page = text(response)
    assert "The search key is missing" in page and MISSING in page
    assert "Coordinators who hold the search key: karim" in page
    assert not Perpetrator.objects.exists()


def test_the_forms_say_so_before_anything_is_typed(office):
    nina, karim, _compartment = office
    caseworker = sign_in(Client(), nina)
    new_case = text(caseworker.get(reverse("cases:new")))
    assert MISSING in new_case and "given only by a pseudonym" in new_case
    search_page = text(caseworker.get(reverse("cases:search")))
    assert MISSING in search_page and "only case and incident references" in search_page
    coordinator = sign_in(Client(), karim)
    assert MISSING not in text(coordinator.get(reverse("cases:new")))
    assert MISSING not in text(coordinator.get(reverse("cases:search")))


def test_a_new_person_known_only_by_pseudonym_needs_no_search_key(office):
    nina, _karim, compartment = office
    data = {**NEW_PERSON, "compartment": compartment.pk, "person-legal_name": ""}
    data["person-phone"] = ""
    response = sign_in(Client(), nina).post(reverse("cases:new"), data)
    assert response.status_code == 302
    assert Person.objects.count() == 1
