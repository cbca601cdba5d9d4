"""The staff pages, used by members of the compartment through the real sign-in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aegis.audit.models import AuditEntry
from aegis.cases import selectors, services
from aegis.cases.models import Case, CaseTask, Person
from aegis.roles import Role
from aegis.vault.keychain import unlocked

from .conftest import client

pytestmark = pytest.mark.django_db

NEW_PERSON = {
    "person-pseudonym": "Ceiba",
    "person-legal_name": "Marisol Quintero Arango",
    "person-other_names": "La Profe",
    "person-phone": "+57 310 555 0142",
    "person-email": "marisol@example.org",
    "person-contact_channels": "Signal: +57 310 555 0142",
    "person-organisation": "Asociación Campesina del Río Claro",
    "person-identity_document": "CC 1.017.555.321",
    "person-gender": "woman",
    "person-age_group": "30_44",
    "person-sector": "land_environment",
    "person-country": "CO",
    "person-region": "CO-ANT",
    "person-languages": "es, QU",
}


def open_case_form(team, **extra):
    return {
        "compartment": team.compartment.pk,
        "subject_kind": "person",
        "person": "",
        "summary": "Death threats after the land restitution claim",
        "country": "",
        "region": "",
        "sector": "",
        **NEW_PERSON,
        **extra,
    }


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- Cases --------------------------------------------------------------------------------


def test_opening_a_case_about_a_new_person(team):
    lucia = client(team.lucia)
    page = lucia.get(reverse("cases:new"))
    assert page.status_code == 200
    assert 'name="person-pseudonym"' in page.content.decode()
    assert team.other_compartment.name not in page.content.decode()  # only her compartments

    response = lucia.post(reverse("cases:new"), open_case_form(team))
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert response["Location"] == reverse("cases:detail", kwargs={"reference": case.reference})
    person = case.person
    assert person.pseudonym == "Ceiba" and person.compartment == team.compartment
    assert (person.country, person.region, person.sector) == ("CO", "CO-ANT", "land_environment")
    assert (case.country, case.region, case.sector) == ("CO", "CO-ANT", "land_environment")
    assert person.languages == "es,qu"
    with unlocked(team.karim.keychain()):  # the other member can read it at once
        person = Person.objects.get(pk=person.pk)
        assert person.legal_name == "Marisol Quintero Arango"
        assert person.identity_document == "CC 1.017.555.321"
        assert Case.objects.get(pk=case.pk).summary.startswith("Death threats")

    detail = text(lucia.get(response["Location"]))
    assert f"Case {case.reference} is open." in detail
    assert "Death threats after the land restitution claim" in detail
    assert "Ceiba" in detail and "Antioquia, Colombia" in detail
    assert '<td><bdi>lucia</bdi></td><td dir="auto">Case opened</td>' in detail


def test_opening_a_case_about_a_known_person_or_an_organisation(team):
    lucia = client(team.lucia)
    people_before = Person.objects.count()
    response = lucia.post(
        reverse("cases:new"),
        open_case_form(team, person=team.person.pk, summary="A second threat", sector="labour"),
    )
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.person == team.person and case.sector == "labour"
    assert Person.objects.count() == people_before  # the new-person fields were ignored

    response = lucia.post(
        reverse("cases:new"),
        {
            "compartment": team.compartment.pk,
            "subject_kind": "organisation",
            "subject_name": "Red de Defensoras del Agua",
            "summary": "Office broken into",
            "country": "HN",
            "region": "HN-AT",
            "sector": "land_environment",
        },
    )
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.person is None and (case.country, case.region) == ("HN", "HN-AT")
    detail = text(lucia.get(response["Location"]))
    assert "An organisation: Red de Defensoras del Agua" in detail


def test_a_case_in_another_country_than_its_person_does_not_keep_her_region(team):
    lucia = client(team.lucia)
    response = lucia.post(
        reverse("cases:new"),
        open_case_form(team, person=team.person.pk, country="GT", region=""),
    )
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert (case.country, case.region) == ("GT", "")


def test_show_regions_lists_the_countrys_regions_and_stores_nothing(team):
    lucia = client(team.lucia)
    before = (Case.objects.count(), Person.objects.count())
    data = open_case_form(team, show_regions="1", **{"person-country": "KE", "person-region": ""})
    page = lucia.post(reverse("cases:new"), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="KE-28">Mombasa</option>' in html
    assert 'value="Marisol Quintero Arango"' in html  # what was typed is kept
    assert "errorlist" not in html
    assert (Case.objects.count(), Person.objects.count()) == before


def test_the_case_list_filters_and_paginates(team, make_case):
    lucia = client(team.lucia)
    page = text(lucia.get(reverse("cases:list")))
    assert team.case.reference in page and "Pedro" not in page
    for _ in range(selectors.PAGE_SIZE):
        make_case(team.compartment, team.lucia)
    with unlocked(team.lucia.keychain()):
        services.change_status(team.case, "active", "Threats continue", actor_id=None)
    filtered = text(lucia.get(reverse("cases:list"), {"status": "active"}))
    assert team.case.reference in filtered and "1 case" in filtered
    assert "No case matches these filters." in text(
        lucia.get(reverse("cases:list"), {"status": "closed"})
    )
    assert "No case matches" in text(lucia.get(reverse("cases:list"), {"country": "KE"}))
    assert team.case.reference in text(
        lucia.get(reverse("cases:list"), {"country": "CO", "sector": "land_environment"})
    )
    everything = text(lucia.get(reverse("cases:list"), {"country": "CO"}))
    assert "Page 1 of 2" in everything
    assert 'href="?country=CO&amp;page=2"' in everything  # the filter stays on the next page
    second = text(lucia.get(reverse("cases:list"), {"country": "CO", "page": 2}))
    assert "Page 2 of 2" in second


def test_empty_states_say_what_to_do(make_person, make_compartment):
    newcomer = make_person(Role.CASEWORKER)
    signed_in = client(newcomer)
    assert "Ask a coordinator to add you" in text(signed_in.get(reverse("cases:list")))
    assert "Ask a coordinator to add you" in text(signed_in.get(reverse("cases:new")))
    assert "Ask a coordinator to add you" in text(signed_in.get(reverse("cases:people")))
    make_compartment(newcomer)
    page = text(signed_in.get(reverse("cases:list")))
    assert "There are no cases yet. To open one, choose “Open a case”" in page
    assert reverse("cases:new") in page
    assert "A person is added when you open a case about them" in text(
        signed_in.get(reverse("cases:people"))
    )


def test_the_case_page_shows_everything_about_the_case(team):
    with unlocked(team.lucia.keychain()):
        services.change_status(team.case, "active", "Second call in a week", actor_id=None)
        services.add_task(
            team.case,
            "Visit the farm",
            actor_id=None,
            due_on=timezone.localdate() - timedelta(days=2),
            assigned_to=team.karim.user,
        )
        services.add_task(
            team.case, "Renew the plan", actor_id=None, due_on=timezone.localdate() + timedelta(5)
        )
    page = text(client(team.karim).get(f"/cases/{team.case.reference}/"))
    for expected in (
        "Threats after the land claim",
        "Call log received",
        "Request protective measures",
        "Visit the farm",
        "Renew the plan",
        "Second call in a week",
        "Active protection",
        "Send to a UN or regional mechanism",
        team.person.pseudonym,
    ):
        assert expected in page, expected
    assert page.count(">Overdue<") == 1
    assert re.search(
        r"Visit the farm</td><td>\d{1,2} [A-Z][a-z]{2} \d{4}</td><td><bdi>karim</bdi></td>", page
    )
    for name in ("cases:note-add", "cases:task-add", "cases:status"):
        assert reverse(name, kwargs={"reference": team.case.reference}) in page


def test_notes_tasks_and_status_changes(team):
    lucia = client(team.lucia)
    ref = {"reference": team.case.reference}
    assert lucia.get(reverse("cases:note-add", kwargs=ref)).status_code == 200
    response = lucia.post(reverse("cases:note-add", kwargs=ref), {"body": "Met her in town"})
    assert response.status_code == 302
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = lucia.post(
        reverse("cases:task-add", kwargs=ref),
        {"title": "Call the lawyer", "due_on": due, "assigned_to": team.karim.user.pk},
    )
    assert response.status_code == 302
    task = CaseTask.objects.latest("pk")
    assert task.due_on.isoformat() == due and task.assigned_to == team.karim.user
    # Only members can be assigned.
    response = lucia.post(
        reverse("cases:task-add", kwargs=ref), {"title": "x", "assigned_to": team.pedro.user.pk}
    )
    assert response.status_code == 200 and "Select a valid choice" in text(response)

    url = reverse("cases:task-done", kwargs={**ref, "task_id": task.pk})
    assert lucia.post(url).status_code == 302
    assert CaseTask.objects.get(pk=task.pk).done_at is not None

    url = reverse("cases:status", kwargs=ref)
    response = lucia.post(url, {"to_status": "monitoring", "reason": ""})
    assert response.status_code == 200 and "This field is required." in text(response)
    response = lucia.post(url, {"to_status": "intake", "reason": "again"})
    assert "The case already has this status" in text(response)
    assert lucia.post(url, {"to_status": "closed", "reason": "Relocated"}).status_code == 302
    case = Case.objects.get(pk=team.case.pk)
    assert case.status == "closed" and case.closed_at is not None
    page = text(lucia.get(reverse("cases:detail", kwargs=ref)))
    assert "Met her in town" in page and "Relocated" in page and "Done on" in page


def test_the_work_queues_task_counts_lead_to_those_tasks(team):
    """The count "5 overdue tasks" had led to the list of cases, which shows no task: the
    user opened every case to find them. Each count leads to its tasks, soonest first,
    titles readable by members only."""
    today = timezone.localdate()
    pedro_case = Case.objects.exclude(pk=team.case.pk).get()
    with unlocked(team.lucia.keychain()):
        services.add_task(
            team.case, "File the appeal", actor_id=None, due_on=today - timedelta(days=2)
        )
        services.add_task(
            team.case, "Call the family", actor_id=None, due_on=today - timedelta(days=5)
        )
        services.add_task(team.case, "Check in by phone", actor_id=None, due_on=today)
    with unlocked(team.pedro.keychain()):
        services.add_task(
            pedro_case, "Sahel visit", actor_id=None, due_on=today - timedelta(days=1)
        )
    lucia = client(team.lucia)
    dashboard = text(lucia.get("/"))
    assert 'href="/cases/tasks/?due=overdue">2 overdue tasks' in dashboard
    assert 'href="/cases/tasks/?due=today">1 task due today' in dashboard
    overdue = text(lucia.get("/cases/tasks/?due=overdue"))
    assert overdue.index("Call the family") < overdue.index("File the appeal")
    assert "Check in by phone" not in overdue and "Sahel visit" not in overdue
    assert team.case.reference in overdue
    assert "Check in by phone" in text(lucia.get("/cases/tasks/?due=today"))
    every = text(lucia.get("/cases/tasks/?due=nonsense"))
    assert "File the appeal" in every and "Check in by phone" in every
    assert "Request protective measures" not in every  # no due date: on its case's page
    with unlocked(team.lucia.keychain()):
        for task in CaseTask.objects.filter(case=team.case):
            services.complete_task(task, actor_id=None)
    assert "No task is overdue." in text(lucia.get("/cases/tasks/?due=overdue"))


# --- People and consent -------------------------------------------------------------------


def test_people_list_and_person_page(team):
    karim = client(team.karim)
    listing = text(karim.get(reverse("cases:people")))
    assert team.person.pseudonym in listing
    assert "Legal Name" not in listing  # lists show pseudonyms only
    page = text(karim.get(reverse("cases:person", kwargs={"person_id": team.person.pk})))
    with unlocked(team.karim.keychain()):
        legal_name = Person.objects.get(pk=team.person.pk).legal_name
    assert legal_name in page
    assert team.case.reference in page
    assert "Oral, by phone" in page and "Withdraw" in page


def test_a_person_page_shows_a_dash_for_what_was_never_given(team, make_case):
    """Contact channels never given are stored as nothing (NULL): the page shows a dash, as
    for every field left empty, not the word "None"."""
    case = make_case(team.compartment, team.lucia)
    page = text(
        client(team.lucia).get(reverse("cases:person", kwargs={"person_id": case.person.pk}))
    )
    assert "None" not in page
    assert re.search(r'Contact channels</dt> ?<dd dir="auto">—</dd>', page)


def test_editing_a_person_updates_the_search_index(team):
    lucia = client(team.lucia)
    url = reverse("cases:person-edit", kwargs={"person_id": team.person.pk})
    form = lucia.get(url).content.decode()
    assert 'value="Legal Name' in form and '<option value="CO-ANT" selected>' in form
    response = lucia.post(
        url,
        {
            "pseudonym": "Ceiba",
            "legal_name": "Marisol Quintero",
            "phone": "+57 310 555 0142",
            "gender": "woman",
            "age_group": "30_44",
            "sector": "journalism",
            "country": "CO",
            "region": "CO-CUN",
            "languages": "es",
            "reason": "She asked us to use her full name",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(pk=team.person.pk)
    assert (person.pseudonym, person.sector, person.region) == ("Ceiba", "journalism", "CO-CUN")
    with unlocked(team.lucia.keychain()):
        assert selectors.search(team.lucia.user, "marisol quintero").people == [person]
        assert selectors.search(team.lucia.user, "Legal Name 1").people == []


def test_recording_and_withdrawing_consent(team):
    lucia = client(team.lucia)
    person = {"person_id": team.person.pk}
    response = lucia.post(
        reverse("cases:consent-add", kwargs=person),
        {"scope": "publish_name", "note": "Signed form"},
    )
    assert response.status_code == 302
    assert selectors.has_consent(team.person, "publish_name")
    response = lucia.post(reverse("cases:consent-add", kwargs=person), {"scope": "nonsense"})
    assert response.status_code == 400 and "Select a valid choice" in text(response)
    url = reverse("cases:consent-withdraw", kwargs={**person, "consent_id": team.consent.pk})
    # The button asks first (a page, no JavaScript); asking changes nothing.
    assert f'href="{url}"' in text(lucia.get(reverse("cases:person", kwargs=person)))
    question = text(lucia.get(url))
    assert "Withdraw this consent?" in question and f'action="{url}"' in question
    assert selectors.has_consent(team.person, "un_mechanism")
    assert lucia.post(url).status_code == 302
    assert not selectors.has_consent(team.person, "un_mechanism")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"consent.give", "consent.withdraw"} <= actions


# --- Compartments -------------------------------------------------------------------------


def test_a_coordinator_creates_a_compartment_and_manages_its_members(team, make_person):
    karim = client(team.karim)
    listing = text(karim.get(reverse("cases:compartments")))
    assert "Andes" in listing and "Sahel" in listing
    response = karim.post(reverse("cases:compartments"), {"name": "Great Lakes"})
    assert response.status_code == 302
    compartment = selectors.compartments_of(team.karim.user).get(name="Great Lakes")
    again = karim.post(reverse("cases:compartments"), {"name": "great lakes"})
    assert "A compartment with this name exists already" in text(again)

    analyst = make_person(Role.ANALYST, "mei")
    page = text(karim.get(response["Location"]))
    assert "lucia" in page and "pedro" in page  # caseworkers may be added
    assert "mei" not in page  # an analyst may not
    add = reverse("cases:compartment-member-add", kwargs={"compartment_id": compartment.pk})
    response = karim.post(add, {"user": analyst.user.pk})
    assert "Choose one of the caseworkers, coordinators or responders listed." in text(
        karim.get(response.url)
    )
    karim.post(add, {"user": team.lucia.user.pk})
    assert selectors.member_of(team.lucia.user, compartment.pk)

    remove = reverse(
        "cases:compartment-member-remove",
        kwargs={"compartment_id": compartment.pk, "member_id": team.lucia.user.pk},
    )
    question = text(karim.get(remove))
    assert "Remove lucia from Great Lakes?" in question and "Their copies of its keys" in question
    assert selectors.member_of(team.lucia.user, compartment.pk)  # asking changes nothing
    response = karim.post(remove)
    assert "lucia is no longer a member" in text(karim.get(response.url))
    assert not selectors.member_of(team.lucia.user, compartment.pk)
    own = reverse(
        "cases:compartment-member-remove",
        kwargs={"compartment_id": compartment.pk, "member_id": team.karim.user.pk},
    )
    assert "Leave Great Lakes?" in text(karim.get(own))  # said plainly: it is yourself
    response = karim.post(own)
    assert "This is the last member" in text(karim.get(response.url))
    assert selectors.member_of(team.karim.user, compartment.pk)


def test_adding_a_member_gives_them_the_compartments_cases(team):
    karim = client(team.karim)
    add = reverse("cases:compartment-member-add", kwargs={"compartment_id": team.compartment.pk})
    response = karim.post(add, {"user": team.pedro.user.pk})
    assert "pedro is now a member" in text(karim.get(response.url))
    pedro = client(team.pedro)
    page = text(pedro.get(reverse("cases:detail", kwargs={"reference": team.case.reference})))
    assert "Threats after the land claim" in page


def test_a_responder_joins_a_compartment_for_its_alerts_and_nothing_else(team, make_person):
    """The ladders' first step is "Responders of the compartment": a coordinator adds a
    responder from the page (it had been refused), who then holds the alert keys only."""
    from aegis.cases.services import RESPONDER_KEY_PURPOSES
    from aegis.vault.models import KeyWrap
    from aegis.vault.selectors import keypair_for_user

    ines = make_person(Role.RESPONDER, "ines")
    karim = client(team.karim)
    add = reverse("cases:compartment-member-add", kwargs={"compartment_id": team.compartment.pk})
    response = karim.post(add, {"user": ines.user.pk})
    shown = text(karim.get(response.url))
    assert "ines is now a member and will receive the compartment&#x27;s alerts" in shown
    assert selectors.member_of(ines.user, team.compartment.pk)
    held = set(
        KeyWrap.objects.filter(keypair=keypair_for_user(ines.user.pk)).values_list(
            "data_key__purpose", flat=True
        )
    )
    assert held <= set(RESPONDER_KEY_PURPOSES), "no key that opens a case's records"
    alert_keys = team.compartment.keys.filter(data_key__purpose__in=RESPONDER_KEY_PURPOSES)
    assert len(held) == min(1, alert_keys.count())


def test_a_coordinator_outside_a_compartment_cannot_let_anyone_in(team, make_person):
    outsider = make_person(Role.COORDINATOR, "zainab")
    signed_in = client(outsider)
    url = reverse("cases:compartment", kwargs={"compartment_id": team.compartment.pk})
    page = text(signed_in.get(url))
    assert "You are not a member of this compartment, so you cannot add or remove" in page
    add = reverse("cases:compartment-member-add", kwargs={"compartment_id": team.compartment.pk})
    response = signed_in.post(add, {"user": team.pedro.user.pk})
    assert "Only a member of this compartment can change who is in it" in text(
        signed_in.get(response.url)
    )
    assert not selectors.member_of(team.pedro.user, team.compartment.pk)
    remove = reverse(
        "cases:compartment-member-remove",
        kwargs={"compartment_id": team.compartment.pk, "member_id": team.lucia.user.pk},
    )
    signed_in.post(remove)
    assert selectors.member_of(team.lucia.user, team.compartment.pk)


def test_a_member_without_every_key_gets_a_clear_message(team, make_person):
    """A member whose keys were not all sealed to them (a broken ceremony) cannot pass them on."""
    from aegis.cases.models import CompartmentMember

    halfway = make_person(Role.COORDINATOR, "halfway")
    CompartmentMember.objects.create(compartment=team.compartment, user=halfway.user)
    signed_in = client(halfway)
    add = reverse("cases:compartment-member-add", kwargs={"compartment_id": team.compartment.pk})
    response = signed_in.post(add, {"user": team.pedro.user.pk})
    assert "You do not hold every key of this compartment" in text(signed_in.get(response.url))
    assert not selectors.member_of(team.pedro.user, team.compartment.pk)
    # Nothing half-done: not one of the compartment's keys was sealed to Pedro.
    from aegis.vault.models import KeyWrap
    from aegis.vault.selectors import keypair_for_user

    compartment_keys = team.compartment.keys.values("data_key_id")
    assert not KeyWrap.objects.filter(
        keypair=keypair_for_user(team.pedro.user.pk), data_key_id__in=compartment_keys
    ).exists()


def test_case_page_links_its_incidents_and_evidence(make_person, make_compartment, make_case):
    import datetime

    from django.test import Client

    from aegis.evidence import services as evidence
    from aegis.files.uploads import check_upload
    from aegis.incidents import services as incidents
    from tests.conftest import sign_in

    lucia = make_person(Role.CASEWORKER)
    compartment = make_compartment(lucia)
    case = make_case(compartment, lucia)
    with unlocked(lucia.keychain()):
        incident = incidents.create_incident(
            compartment,
            actor_id=lucia.user.pk,
            title="Office raided",
            date_start=datetime.date(2026, 3, 1),
            cases=[case],
        )
        import io

        upload = check_upload(io.BytesIO(b"A fictional testimony\n"), "testimony.txt", "text/plain")
        evidence.add_evidence(case, upload, actor_id=lucia.user.pk)
    page = sign_in(Client(), lucia).get(f"/cases/{case.reference}/").content.decode()
    assert f">{incident.reference}</a>" in page
    assert f'href="/evidence/case/{case.reference}/">1 file</a>' in page


def test_the_history_says_case_opened_in_the_readers_language_and_names_apart(team):
    """Written by Aegis in English, it had stayed English in every language; a username
    beside an Arabic date is set apart (<bdi>), or the two read scrambled."""
    reader = client(team.karim)
    reader.cookies["django_language"] = "es"
    page = text(reader.get(f"/cases/{team.case.reference}/"))
    assert "Caso abierto" in page and "Case opened" not in page
    with unlocked(team.lucia.keychain()):
        services.add_note(team.case, "Called back", actor_id=team.lucia.user.pk)
    reader.cookies["django_language"] = "ar"
    page = text(reader.get(f"/cases/{team.case.reference}/"))
    assert f"<bdi>{team.lucia.user.username}</bdi>" in page


@pytest.mark.parametrize("due", ["0001-01-01", "9999-12-31"])
def test_a_task_due_in_a_mistyped_year_is_refused_beside_its_field(team, due):
    """Year 1 had made a task overdue for ever on the dashboard; year 9999 never due."""
    before = CaseTask.objects.count()
    response = client(team.lucia).post(
        reverse("cases:task-add", args=[team.case.reference]),
        {"title": "Call the lawyer", "due_on": due},
    )
    assert "check the year" in response.content.decode()
    assert CaseTask.objects.count() == before


def test_a_partner_vetting_that_never_runs_out_is_refused():
    import datetime

    from aegis.exchange import services as exchange
    from aegis.exchange.models import Partner
    from aegis.rules import RuleError

    partner = Partner.objects.create(name="Casa Andina", created_at=timezone.now())
    with pytest.raises(RuleError, match="check the year"):
        exchange.vet_partner(partner, actor_id=None, expires_on=datetime.date(9999, 12, 31))
    assert Partner.objects.get(pk=partner.pk).vetted_at is None


def test_a_persons_languages_are_named_in_the_readers_language(team):
    """They are stored as ISO 639 codes ("es,quc"), which the page had shown as they are."""
    from aegis.cases.models import Person

    Person.objects.filter(pk=team.case.person.pk).update(languages="es,quc")
    lucia = client(team.lucia)
    url = reverse("cases:person", kwargs={"person_id": team.case.person.pk})
    assert "<dd>Spanish, K&#x27;iche&#x27;</dd>" in text(lucia.get(url))
    lucia.cookies["django_language"] = "es"
    assert "pañol, K&#x27;iche&#x27;</dd>" in text(lucia.get(url))  # Español
