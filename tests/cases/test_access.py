"""Who may use the cases pages and API. A caseworker outside a case's compartment gets the
same answer as for a case that does not exist, on every case- and person-scoped view and
endpoint, and changes nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from aegis.cases.models import Case, CaseNote, CaseStatusChange, CaseTask, ConsentRecord, Person
from aegis.roles import Role
from aegis.vault.keychain import unlocked

from .conftest import api_client, client, comparable

pytestmark = pytest.mark.django_db

MISSING_REFERENCE = "AEG-1900-99999"
MISSING_ID = 999_999

PERSON_EDIT = {
    "pseudonym": "Renamed",
    "legal_name": "Someone Else",
    "gender": "woman",
    "age_group": "30_44",
    "sector": "labour",
    "country": "CO",
    "region": "CO-ANT",
    "languages": "es",
    "reason": "An outsider corrects it",
}

# name, method, which kwargs (case / person / task / consent), POST data
CASE_VIEWS = [
    ("cases:detail", "get", None),
    ("cases:note-add", "get", None),
    ("cases:note-add", "post", {"body": "An outsider's note"}),
    ("cases:task-add", "get", None),
    ("cases:task-add", "post", {"title": "An outsider's task"}),
    ("cases:task-done", "post", {}),
    ("cases:status", "get", None),
    ("cases:status", "post", {"to_status": "closed", "reason": "An outsider closes it"}),
]
PERSON_VIEWS = [
    ("cases:person", "get", None),
    ("cases:person-edit", "get", None),
    ("cases:person-edit", "post", PERSON_EDIT),
    ("cases:consent-add", "post", {"scope": "publish_name", "note": "outsider"}),
    ("cases:consent-withdraw", "post", {}),
]


def _kwargs(name, team, *, missing: bool) -> dict:
    if name in {"cases:detail", "cases:note-add", "cases:task-add", "cases:status"}:
        return {"reference": MISSING_REFERENCE if missing else team.case.reference}
    if name == "cases:task-done":
        return {
            "reference": MISSING_REFERENCE if missing else team.case.reference,
            "task_id": team.task.pk,
        }
    person_id = MISSING_ID if missing else team.person.pk
    if name == "cases:consent-withdraw":
        return {"person_id": person_id, "consent_id": team.consent.pk}
    return {"person_id": person_id}


def _snapshot(team) -> dict:
    """Everything an outsider's request could have changed."""
    case = Case.objects.get(pk=team.case.pk)
    person = Person.objects.get(pk=team.person.pk)
    return {
        "case": (case.status, case.updated_at, bytes(case.__dict__["summary"])),
        "person": (person.pseudonym, person.name_index, person.sector, person.region),
        "notes": CaseNote.objects.count(),
        "tasks": list(CaseTask.objects.values_list("pk", "done_at")),
        "changes": CaseStatusChange.objects.count(),
        "consents": list(ConsentRecord.objects.values_list("pk", "withdrawn_at")),
    }


@pytest.mark.parametrize(("name", "method", "data"), CASE_VIEWS + PERSON_VIEWS)
def test_an_outsider_learns_nothing_from_a_view(team, name, method, data):
    outsider = client(team.pedro)
    before = _snapshot(team)
    answers = []
    for missing in (False, True):
        url = reverse(name, kwargs=_kwargs(name, team, missing=missing))
        response = getattr(outsider, method)(url, data) if data is not None else outsider.get(url)
        answers.append(comparable(response, url))
    assert answers[0][0] == 404
    assert "Nothing here" in answers[0][1]
    assert answers[0] == answers[1]
    assert _snapshot(team) == before


@pytest.mark.parametrize(("name", "method", "data"), CASE_VIEWS + PERSON_VIEWS)
def test_members_may_use_the_view(team, name, method, data):
    for member in (team.lucia, team.karim):
        url = reverse(name, kwargs=_kwargs(name, team, missing=False))
        signed_in = client(member)
        response = getattr(signed_in, method)(url, data) if data is not None else signed_in.get(url)
        assert response.status_code in (200, 302), (member.user.username, response.status_code)


def _api_calls(team):
    """(method, URL for the real record, URL for a missing one, JSON body)."""
    base = "/api/v1/cases"
    case, person = team.case, team.person
    return [
        ("get", f"{base}/{case.reference}", f"{base}/{MISSING_REFERENCE}", None),
        (
            "post",
            f"{base}/{case.reference}/notes",
            f"{base}/{MISSING_REFERENCE}/notes",
            {"body": "x"},
        ),
        ("get", f"{base}/people/{person.pk}", f"{base}/people/{MISSING_ID}", None),
    ]


API_CASES = ["get case", "post note", "get person"]


@pytest.mark.parametrize("which", range(len(API_CASES)), ids=API_CASES)
def test_an_outsider_learns_nothing_from_the_api(team, which):
    method, real, missing, body = _api_calls(team)[which]
    outsider = api_client(team.pedro)
    before = _snapshot(team)
    answers = []
    for url in (real, missing):
        kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
        response = getattr(outsider, method)(url, **kwargs)
        answers.append((response.status_code, response.content))
    assert answers[0][0] == 404
    assert answers[0] == answers[1]
    assert _snapshot(team) == before


def test_an_outsider_cannot_write_into_another_compartment_through_the_api(team):
    outsider = api_client(team.pedro)
    before = _snapshot(team)
    people_before = Person.objects.count()

    def post(url, body):
        response = outsider.post(url, data=json.dumps(body), content_type="application/json")
        return response.status_code, response.content

    person = {"pseudonym": "Intruder", "legal_name": "Intruder Name"}
    assert post("/api/v1/cases/people", {"compartment_id": team.compartment.pk, **person}) == post(
        "/api/v1/cases/people", {"compartment_id": MISSING_ID, **person}
    )
    case = {"compartment_id": team.other_compartment.pk, "subject_kind": "person", "summary": "s"}
    assert post("/api/v1/cases/", {**case, "person_id": team.person.pk}) == post(
        "/api/v1/cases/", {**case, "person_id": MISSING_ID}
    )
    status, _ = post("/api/v1/cases/", {**case, "compartment_id": team.compartment.pk})
    assert status == 404
    assert Person.objects.count() == people_before
    assert _snapshot(team) == before


def test_a_members_missing_task_or_consent_is_404(team):
    lucia = client(team.lucia)
    url = reverse(
        "cases:task-done", kwargs={"reference": team.case.reference, "task_id": MISSING_ID}
    )
    assert lucia.post(url).status_code == 404
    url = reverse(
        "cases:consent-withdraw", kwargs={"person_id": team.person.pk, "consent_id": MISSING_ID}
    )
    assert lucia.post(url).status_code == 404


def test_an_outsider_sees_neither_the_case_nor_the_person_in_lists(team):
    pedro = client(team.pedro)
    for name in ("cases:list", "cases:people"):
        page = pedro.get(reverse(name)).content.decode()
        assert team.case.reference not in page
        assert team.person.pseudonym not in page
    api = api_client(team.pedro)
    listed = api.get("/api/v1/cases/").json()
    assert [c["reference"] for c in listed["items"]] != [] and all(
        c["reference"] != team.case.reference for c in listed["items"]
    )
    people = api.get("/api/v1/cases/people").json()
    assert team.person.pk not in [p["id"] for p in people["items"]]


OTHER_ROLES = [Role.DEFENDER, Role.RESPONDER, Role.ANALYST, Role.AUDITOR, Role.ADMIN]
STAFF_VIEWS = [
    ("cases:list", "get", None),
    ("cases:new", "get", None),
    ("cases:search", "get", None),
    ("cases:people", "get", None),
    *CASE_VIEWS,
    *PERSON_VIEWS,
]


@pytest.mark.parametrize("role", OTHER_ROLES, ids=str)
def test_other_roles_are_refused_every_cases_view(team, make_person, role):
    """Even for records that exist (the matrix test uses missing ones)."""
    signed_in = client(make_person(role))
    for name, method, data in STAFF_VIEWS:
        kwargs = _kwargs(name, team, missing=False) if "<" in _pattern(name) else {}
        url = reverse(name, kwargs=kwargs or None)
        response = getattr(signed_in, method)(url, data or {})
        assert response.status_code == 403, name
        assert team.person.pseudonym not in response.content.decode()


def _pattern(name: str) -> str:
    from django.urls import get_resolver

    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) == "cases":
            for inner in pattern.url_patterns:
                if f"cases:{inner.name}" == name:
                    return str(inner.pattern)
    raise LookupError(name)


@pytest.mark.parametrize("role", [*OTHER_ROLES, Role.CASEWORKER], ids=str)
def test_compartment_pages_are_for_coordinators_only(team, make_person, role):
    signed_in = client(make_person(role))
    compartment = {"compartment_id": team.compartment.pk}
    assert signed_in.get(reverse("cases:compartments")).status_code == 403
    assert signed_in.post(reverse("cases:compartments"), {"name": "X"}).status_code == 403
    assert signed_in.get(reverse("cases:compartment", kwargs=compartment)).status_code == 403
    url = reverse("cases:compartment-member-add", kwargs=compartment)
    assert signed_in.post(url, {"user": team.pedro.user.pk}).status_code == 403
    url = reverse(
        "cases:compartment-member-remove", kwargs={**compartment, "member_id": team.lucia.user.pk}
    )
    assert signed_in.post(url).status_code == 403
    assert team.compartment.members.count() == 2


@pytest.mark.parametrize("role", OTHER_ROLES, ids=str)
def test_other_roles_are_refused_every_endpoint(team, make_person, role):
    api = api_client(make_person(role))
    base = "/api/v1/cases"
    calls = [
        ("get", f"{base}/", None),
        ("post", f"{base}/", {"compartment_id": team.compartment.pk}),
        ("get", f"{base}/people", None),
        ("post", f"{base}/people", {}),
        ("get", f"{base}/people/{team.person.pk}", None),
        ("get", f"{base}/{team.case.reference}", None),
        ("post", f"{base}/{team.case.reference}/notes", {"body": "x"}),
    ]
    for method, url, body in calls:
        kwargs = (
            {"data": json.dumps(body), "content_type": "application/json"}
            if body is not None
            else {}
        )
        response = getattr(api, method)(url, **kwargs)
        assert response.status_code == 403, (url, response.content)
    assert CaseNote.objects.count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(team):
    from django.test import Client

    response = Client().get(reverse("cases:detail", kwargs={"reference": team.case.reference}))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Client().get(f"/api/v1/cases/{team.case.reference}").status_code == 401


def test_the_keys_of_the_team_really_differ(team):
    """The outsider's 404 is not only a filter: Pedro holds no key to the case either."""
    from aegis.vault.keychain import NoKeyAccess

    with unlocked(team.pedro.keychain()), pytest.raises(NoKeyAccess):
        _ = Case.objects.get(pk=team.case.pk).summary
