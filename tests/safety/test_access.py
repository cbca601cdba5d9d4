"""Who may reach a safety plan. Staff reach only plans of people in their compartments (an
outsider caseworker gets exactly the answer for a missing person, pages and API alike);
responders, analysts, auditors and administrators are refused; a defender sees only her own
plan, never another defender's."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from aegis.roles import Role
from aegis.safety.models import PlanVersion
from tests.conftest import sign_in

from .conftest import api_client, client, comparable, form_data, small_draft

pytestmark = pytest.mark.django_db

MISSING = 999_999
STAFF_PAGES = ["plan", "edit", "versions", "print"]
REFUSED_ROLES = [Role.RESPONDER, Role.ANALYST, Role.AUDITOR, Role.ADMIN, Role.DEFENDER]


def page_urls(person_id: int) -> list[str]:
    urls = [reverse(f"safety:{name}", kwargs={"person_id": person_id}) for name in STAFF_PAGES]
    urls.append(reverse("safety:version", kwargs={"person_id": person_id, "plan_version": 1}))
    return urls


def api_urls(person_id: int) -> list[str]:
    base = f"/api/v1/safety/people/{person_id}/plan"
    return [base, f"{base}/versions", f"{base}/versions/1"]


@pytest.fixture
def planned(team):
    team.save(small_draft())
    return team


@pytest.mark.parametrize("role", REFUSED_ROLES, ids=lambda r: r.value)
def test_other_roles_are_refused_every_staff_page_and_endpoint(planned, make_person, role):
    other = make_person(role)
    web = sign_in(Client(), other)
    for url in page_urls(planned.person.pk):
        response = web.get(url)
        assert response.status_code == 403, url
        assert "Achieng" not in response.content.decode()
    assert (
        web.post(
            reverse("safety:edit", kwargs={"person_id": planned.person.pk}),
            form_data(small_draft()),
        ).status_code
        == 403
    )
    api = api_client(other)
    for url in api_urls(planned.person.pk):
        response = api.get(url)
        assert response.status_code == 403, url
        assert "Achieng" not in response.content.decode()
    response = api.post(
        api_urls(planned.person.pk)[0],
        data=json.dumps({"language": "en"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert PlanVersion.objects.count() == 1


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.COORDINATOR], ids=lambda r: r.value)
def test_staff_cannot_use_the_defender_pages(planned, make_person, role):
    web = sign_in(Client(), make_person(role))
    assert web.get(reverse("safety:mine")).status_code == 403
    assert web.get(reverse("safety:mine-print")).status_code == 403
    assert api_client(make_person(role)).get("/api/v1/safety/mine").status_code == 403


def test_an_outsider_caseworker_gets_the_same_404_as_for_a_missing_person(planned):
    outsider = client(planned.pedro)
    for real, missing in zip(page_urls(planned.person.pk), page_urls(MISSING), strict=True):
        seen = comparable(outsider.get(real), real)
        assert seen[0] == 404, real
        assert seen == comparable(outsider.get(missing), missing)
    edit = reverse("safety:edit", kwargs={"person_id": planned.person.pk})
    missing_edit = reverse("safety:edit", kwargs={"person_id": MISSING})
    data = form_data(small_draft(safe_places="Outsider's rewrite"))
    assert comparable(outsider.post(edit, data), edit) == comparable(
        outsider.post(missing_edit, data), missing_edit
    )
    assert PlanVersion.objects.count() == 1


def test_an_outsider_gets_the_same_404_as_missing_from_the_api(planned):
    api = api_client(planned.pedro)
    for real, missing in zip(api_urls(planned.person.pk), api_urls(MISSING), strict=True):
        one, other = api.get(real), api.get(missing)
        assert one.status_code == other.status_code == 404, real
        assert one.json() == other.json()
    body = json.dumps({"language": "en", "safe_places": "Outsider's rewrite"})
    one = api.post(api_urls(planned.person.pk)[0], data=body, content_type="application/json")
    other = api.post(api_urls(MISSING)[0], data=body, content_type="application/json")
    assert one.status_code == other.status_code == 404
    assert one.json() == other.json()
    assert PlanVersion.objects.count() == 1


def test_a_missing_version_of_a_real_plan_is_404(planned):
    web = client(planned.lucia)
    url = reverse("safety:version", kwargs={"person_id": planned.person.pk, "plan_version": 7})
    assert web.get(url).status_code == 404
    assert (
        api_client(planned.lucia).get(api_urls(planned.person.pk)[2][:-1] + "7").status_code == 404
    )


def test_print_of_a_person_without_a_plan_is_404(team):
    url = reverse("safety:print", kwargs={"person_id": team.person.pk})
    assert client(team.lucia).get(url).status_code == 404


def test_the_coordinator_of_the_compartment_reads_and_changes_the_plan(planned):
    web = client(planned.karim)
    page = web.get(reverse("safety:plan", kwargs={"person_id": planned.person.pk}))
    assert "Achieng Otieno" in page.content.decode()
    edit = reverse("safety:edit", kwargs={"person_id": planned.person.pk})
    assert web.post(edit, form_data(small_draft())).status_code == 302
    assert PlanVersion.objects.count() == 2


def test_another_defender_never_reaches_a_plan_that_is_not_hers(planned):
    tomas = client(planned.tomas)
    for url in page_urls(planned.person.pk):
        assert tomas.get(url).status_code == 403
    mine = tomas.get(reverse("safety:mine")).content.decode()
    assert "Achieng" not in mine and "not linked to a defender" in mine
    assert tomas.get(reverse("safety:mine-print")).status_code == 404
    api = api_client(planned.tomas)
    response = api.get("/api/v1/safety/mine")
    assert response.status_code == 404 and "Achieng" not in response.content.decode()
    for url in api_urls(planned.person.pk):
        assert api.get(url).status_code == 403
    # Rosa, whose plan it is, sees it on both.
    assert "Achieng Otieno" in client(planned.rosa).get(reverse("safety:mine")).content.decode()
    assert api_client(planned.rosa).get("/api/v1/safety/mine").json()["contacts"][0]["name"] == (
        "Achieng Otieno"
    )


def test_anonymous_visitors_are_sent_to_sign_in(planned):
    for url in [*page_urls(planned.person.pk), reverse("safety:mine")]:
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Client().get("/api/v1/safety/mine").status_code == 401


def test_nothing_the_defender_can_be_made_to_show_says_there_is_a_duress_word(planned):
    """Her own page said "A duress word is set" and that it is not shown, the printed page
    that it is not printed, and the API `duress_word_set: true`: whoever watches or coerces
    her learnt there was a word to demand. The staff who hold the plan still see it."""
    from aegis.safety.models import PlanVersion

    assert PlanVersion.objects.filter(plan__person=planned.person, duress_digest__isnull=False)
    rosa = client(planned.rosa)
    for url in (reverse("safety:mine"), reverse("safety:mine-print")):
        page = rosa.get(url).content.decode().lower()
        assert "achieng otieno" in page, url
        assert "duress" not in page, url
    rosa.cookies["django_language"] = "es"
    for url in (reverse("safety:mine"), reverse("safety:mine-print")):
        assert "coacción" not in rosa.get(url).content.decode(), url
    answer = api_client(planned.rosa).get("/api/v1/safety/mine")
    assert answer.status_code == 200 and "duress" not in answer.content.decode()
    staff = client(planned.lucia).get(reverse("safety:plan", args=[planned.person.pk]))
    assert staff.status_code == 200
    assert "A duress word is set." in staff.content.decode()
