"""Incident pages through the real stack: signed-in caseworkers, forms, the 404 that hides
incidents of other compartments, and the roles that may not use them."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from aegis.incidents import services
from aegis.incidents.models import Act, Incident, IncidentLink, Perpetrator, Source
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

from .conftest import DAY

pytestmark = pytest.mark.django_db

MISSING = "INC-1999-99999"
SCOPED_VIEWS = [
    ("incidents:detail", "get"),
    ("incidents:edit", "get"),
    ("incidents:edit", "post"),
    ("incidents:act-add", "get"),
    ("incidents:act-add", "post"),
    ("incidents:source-add", "get"),
    ("incidents:source-add", "post"),
    ("incidents:perpetrator-add", "get"),
    ("incidents:perpetrator-add", "post"),
    ("incidents:link-add", "get"),
    ("incidents:link-add", "post"),
    ("incidents:verify", "post"),
]


@pytest.fixture
def client(team) -> Client:
    return sign_in(Client(), team.worker)


def _url(name: str, incident) -> str:
    ref = incident if isinstance(incident, str) else incident.reference
    return reverse(name, kwargs={"incident_ref": ref})


def _text(response) -> str:
    return response.content.decode()


def _form(day=DAY, **fields):
    data = {
        "compartment": "",
        "title": "Threat at the community hall",
        "description": "A note under the door.",
        "date_start": day.isoformat(),
        "date_end": "",
        "date_precision": "day",
        "country": "CO",
        "region": "CO-ANT",
        "exact_location": "Hall of the Junta, 3rd street",
    }
    data.update(fields)
    return data


def test_the_list_is_empty_with_a_useful_message_then_lists_incidents(team, client):
    response = client.get(reverse("incidents:list"))
    assert response.status_code == 200
    assert "No incidents recorded yet" in _text(response)
    incident = team.record(title="Surveillance of the office", country="CO", region="CO-ANT")
    response = client.get(reverse("incidents:list"))
    assert "Surveillance of the office" in _text(response)
    assert _url("incidents:detail", incident) in _text(response)
    # Its order is said: by month, as the exact days are sealed (a tester read it as unsorted).
    assert "Newest month first; within a month, the latest recorded first" in _text(response)


def test_the_list_filters_by_country_violation_and_verification(team, client):
    colombia = team.record(title="Colombian case", country="CO")
    mexico = team.record(title="Mexican case", country="MX")
    with unlocked(team.worker.keychain()):
        services.add_act(colombia, violation_type="torture", actor_id=None)
        services.add_act(colombia, violation_type="torture", actor_id=None)
        services.add_act(mexico, violation_type="threat", actor_id=None)
        services.set_verification(mexico, "verified", actor_id=None)

    def titles(**query):
        page = _text(client.get(reverse("incidents:list"), query))
        return {t for t in ("Colombian case", "Mexican case") if t in page}, page

    assert titles(country="co")[0] == {"Colombian case"}
    found, page = titles(violation_type="torture")
    assert found == {"Colombian case"}
    assert page.count("Colombian case") == 1  # two torture acts, listed once
    assert titles(verification="verified")[0] == {"Mexican case"}
    assert titles(country="MX", violation_type="torture")[0] == set()
    assert "No incident matches these filters" in titles(country="PE")[1]
    assert titles(violation_type="nonsense")[0] == {"Colombian case", "Mexican case"}


def test_pages_keep_the_filters(team, client):
    for n in range(26):
        team.record(title=f"Incident number {n}", country="CO")
    team.record(title="Not in Colombia", country="PE")
    page = _text(client.get(reverse("incidents:list"), {"country": "CO"}))
    assert "Page 1 of 2" in page
    assert re.search(r'href="\?country=CO&amp;page=2"', page), page
    second = _text(client.get(reverse("incidents:list"), {"country": "CO", "page": 2}))
    assert second.count("Incident number") == 1 and "Not in Colombia" not in second


def test_record_an_incident_through_the_form(team, client):
    response = client.get(reverse("incidents:new"))
    assert response.status_code == 200
    assert 'name="title"' in _text(response) and 'for="id_title"' in _text(response)
    response = client.post(
        reverse("incidents:new"),
        _form(compartment=str(team.compartment.pk), cases=[team.case.reference]),
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("incidents:detail", incident)
    assert list(incident.cases.all()) == [team.case]
    detail = _text(client.get(response["Location"]))
    for shown in ("Threat at the community hall", "A note under the door.", "3rd street"):
        assert shown in detail
    assert "Antioquia" in detail and "Colombia" in detail


def test_show_the_regions_redraws_the_form_without_saving(team, client):
    response = client.post(
        reverse("incidents:new"),
        _form(compartment=str(team.compartment.pk), country="MX", region="", show_regions="1"),
    )
    assert response.status_code == 200
    assert 'value="MX-CHP"' in _text(response) and 'value="CO-ANT"' not in _text(response)
    assert Incident.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date_end": "2024-03-01"}, "The end date is before the start date."),
        ({"region": "MX-CHP"}, "Select a valid choice"),
        ({"title": "x" * 1_000_000}, "at most 200 characters"),
        ({"description": "y" * 1_000_000}, "at most 20000 characters"),
        ({"title": "Null\x00byte"}, "Null characters are not allowed."),
        ({"exact_location": "tab\x07bell"}, "invisible control characters"),
        ({"title": "Report \u202eexe.pdf"}, "reading direction"),
        ({"date_start": "2024-13-45"}, "Enter a valid date."),
    ],
)
def test_bad_input_on_the_form_gets_a_clear_message_and_stores_nothing(
    team, client, fields, message
):
    response = client.post(
        reverse("incidents:new"), _form(compartment=str(team.compartment.pk), **fields)
    )
    assert response.status_code == 200
    assert message in _text(response)
    assert Incident.objects.count() == 0


def test_edit_an_incident(team, client):
    incident = team.record(title="Old title")
    page = _text(client.get(_url("incidents:edit", incident)))
    assert 'value="Old title"' in page
    response = client.post(
        _url("incidents:edit", incident), _form(title="New title", reason="Typo")
    )
    assert response.status_code == 302
    with unlocked(team.worker.keychain()):
        assert Incident.objects.get(pk=incident.pk).title == "New title"
    response = client.post(
        _url("incidents:edit", incident), _form(date_end="2020-01-01", reason="Typo")
    )
    assert "The end date is before the start date." in _text(response)


def test_acts_perpetrators_sources_and_links_through_the_forms(team, client):
    incident, later = team.record(), team.record(title="Later attack")
    with unlocked(team.worker.keychain()):
        police = services.create_perpetrator(
            team.compartment, actor_id=None, perpetrator_type="police", name="Patrol 12"
        )
    page = _text(client.get(_url("incidents:act-add", incident)))
    assert team.case.person.pseudonym in page and "Patrol 12" in page
    response = client.post(
        _url("incidents:act-add", incident),
        {
            "violation_type": "arbitrary_detention",
            "victims": [str(team.case.person.pk)],
            "victim_description": "Her brother",
            "victim_sex": "man",
            "victim_age_group": "18_29",
            "perpetrators": [str(police.pk)],
            "involvement": "perpetrator",
        },
    )
    assert response.status_code == 302
    act = Act.objects.get()
    response = client.post(
        _url("incidents:perpetrator-add", incident),
        {
            "perpetrator_type": "public_official",
            "name": "The mayor",
            "description": "",
            "act": str(act.pk),
            "involvement": "instigator",
        },
    )
    assert response.status_code == 302
    assert Perpetrator.objects.count() == 2
    for kind in ("testimony", "media"):
        response = client.post(
            _url("incidents:source-add", incident),
            {"kind": kind, "reliability": "B", "independent": "on", "description": f"{kind}!"},
        )
        assert response.status_code == 302
    assert Source.objects.filter(independent=True).count() == 2
    response = client.post(
        _url("incidents:link-add", incident), {"kind": "caused", "to_reference": later.reference}
    )
    assert response.status_code == 302
    assert IncidentLink.objects.get().to_incident == later

    detail = _text(client.get(_url("incidents:detail", incident)))
    for shown in (
        "Arbitrary detention",
        team.case.person.pseudonym,
        "Her brother",
        "Patrol 12",
        "The mayor",
        "(instigator)",
        "testimony!",
        "Later attack",
        "2 independent sources",
    ):
        assert shown in detail, shown
    assert incident.reference in _text(client.get(_url("incidents:detail", later)))


def test_act_form_errors(team, client):
    incident = team.record()
    response = client.post(
        _url("incidents:act-add", incident),
        {
            "violation_type": "",
            "victim_sex": "unknown",
            "victim_age_group": "unknown",
            "involvement": "perpetrator",
        },
    )
    assert "This field is required." in _text(response)
    response = client.post(
        _url("incidents:act-add", incident),
        {
            "violation_type": "threat",
            "victim_description": "a\x00b",
            "victim_sex": "unknown",
            "victim_age_group": "unknown",
            "involvement": "perpetrator",
        },
    )
    assert "Null characters are not allowed." in _text(response)
    assert Act.objects.count() == 0


def test_link_to_an_unknown_or_hidden_incident_reads_the_same(
    team, client, make_person, make_compartment
):
    incident = team.record()
    karim = make_person(Role.COORDINATOR)
    with unlocked(karim.keychain()):
        hidden = services.create_incident(
            make_compartment(karim), actor_id=karim.user.pk, title="Hidden", date_start=DAY
        )
    answers = []
    for reference in (hidden.reference, MISSING):
        response = client.post(
            _url("incidents:link-add", incident), {"kind": "related", "to_reference": reference}
        )
        answers.append(
            (response.status_code, "There is no incident with this reference." in _text(response))
        )
    assert answers == [(200, True), (200, True)]
    assert IncidentLink.objects.count() == 0


def test_verification_through_the_page(team, client):
    incident = team.record()
    url = _url("incidents:verify", incident)
    response = client.post(url, {"status": "corroborated"}, follow=True)
    assert "at least two independent sources" in _text(response)
    assert Incident.objects.get(pk=incident.pk).verification == "unverified"
    response = client.post(url, {"status": "verified"}, follow=True)
    page = _text(response)
    assert "Verification status changed." in page
    assert f"verified by <bdi>{team.worker.user.username}</bdi>" in page
    assert Incident.objects.get(pk=incident.pk).verified_by == team.worker.user
    assert client.get(url).status_code == 405


def _same_page(response, reference: str) -> tuple[int, str]:
    # The language form in the footer carries a fresh CSRF token and the page's own path.
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", _text(response))
    return response.status_code, body.replace(reference, "REFERENCE")


@pytest.mark.parametrize(("name", "method"), SCOPED_VIEWS)
def test_an_outsider_gets_the_same_404_as_for_a_missing_incident(team, outsider, name, method):
    incident = team.record()
    client = sign_in(Client(), outsider)
    data = {"status": "verified", "kind": "testimony", "reliability": "A", "title": "Mine now"}
    call = getattr(client, method)
    existing = call(_url(name, incident), data) if method == "post" else call(_url(name, incident))
    missing = call(_url(name, MISSING), data) if method == "post" else call(_url(name, MISSING))
    assert existing.status_code == 404
    assert _same_page(existing, incident.reference) == _same_page(missing, MISSING)
    stored = Incident.objects.get(pk=incident.pk)
    assert (stored.verification, stored.sources.count()) == ("unverified", 0)


@pytest.mark.parametrize(
    "role", [Role.ANALYST, Role.AUDITOR, Role.ADMIN, Role.RESPONDER, Role.DEFENDER]
)
def test_other_roles_are_refused(team, signed_in, role):
    incident = team.record()
    client, _ = signed_in(role)
    assert client.get(reverse("incidents:list")).status_code == 403
    assert client.get(reverse("incidents:new")).status_code == 403
    assert client.get(_url("incidents:detail", incident)).status_code == 403
    assert (
        client.post(_url("incidents:verify", incident), {"status": "verified"}).status_code == 403
    )
    assert Incident.objects.get(pk=incident.pk).verification == "unverified"


def test_a_coordinator_in_the_compartment_may_work_on_it(team, make_person):
    from aegis.cases import services as cases

    karim = make_person(Role.COORDINATOR)
    with unlocked(team.worker.keychain()):
        cases.add_member(team.compartment, karim.user, actor_id=team.worker.user.pk)
    incident = team.record(title="Shared incident")
    client = sign_in(Client(), karim)
    assert "Shared incident" in _text(client.get(_url("incidents:detail", incident)))


def test_someone_in_no_compartment_is_told_so(signed_in):
    client, _ = signed_in(Role.CASEWORKER)
    response = client.get(reverse("incidents:new"))
    assert "not a member of any compartment" in _text(response)


def test_an_untouched_source_form_records_nothing(team, client):
    """It had recorded an empty source graded "A, reliable": the grade is the caseworker's
    choice, and a source says who or what it is."""
    incident = team.record()
    form = _text(client.get(_url("incidents:source-add", incident)))
    # What a browser sends for an untouched menu: its first option.
    grade = re.search(r'name="reliability"[^>]*>\s*<option value="([^"]*)"', form).group(1)
    untouched = {"kind": "testimony", "reliability": grade, "description": ""}
    answer = client.post(_url("incidents:source-add", incident), untouched)
    assert "This field is required." in _text(answer)
    assert not Source.objects.filter(incident=incident).exists()


def test_a_perpetrator_linked_to_no_act_is_said_to_be_shown_nowhere_yet(team, client):
    """Added without an act, it appeared nowhere on the incident's page, and was added again."""
    incident = team.record()
    data = {"perpetrator_type": "police", "name": "", "description": "", "act": ""}
    response = client.post(
        _url("incidents:perpetrator-add", incident),
        {**data, "involvement": "perpetrator"},
        follow=True,
    )
    assert "It is linked to no act yet" in _text(response)
