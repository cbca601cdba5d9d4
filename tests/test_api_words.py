"""The API says what is wrong with a request in words and in the caller's language: a
schema mismatch (pydantic's own messages name Python's types, in English) and a body that
cannot be read."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def test_a_schema_mismatch_is_said_in_words_in_the_caller_s_language(make_person):
    """pydantic's own messages name Python's types, in English; the common ones are said in
    words and translated, and the place names the field, not the operation's parameter."""
    import json

    from aegis.roles import Role
    from tests.conftest import api_client

    api = api_client(make_person(Role.CASEWORKER))
    body = {"compartment_id": "many", "subject_kind": "person", "summary": 7, "extra": 1}
    answer = api.post(
        "/api/v1/cases/",
        json.dumps(body),
        content_type="application/json",
        headers={"accept-language": "es"},
    )
    assert answer.status_code == 422
    said = {tuple(issue["loc"]): issue["msg"] for issue in answer.json()["detail"]}
    assert said[("body", "compartment_id")] == "Indique un número entero."
    assert said[("body", "summary")] == "Indique un texto."
    assert said[("body", "extra")] == "Esta operación no admite ese campo."
    unread = api.post(
        "/api/v1/cases/", "{", content_type="application/json", headers={"accept-language": "fr"}
    )
    assert unread.status_code == 400 and "JSON" in unread.json()["detail"]
    assert not unread.json()["detail"].startswith("The body")


def test_an_address_without_its_slash_is_a_404_naming_it_not_a_redirect(make_person):
    """A POST to /api/v1/cases had been redirected (301) to /api/v1/cases/; clients follow a
    301 as a GET, so nothing was created and the client saw 200 and the list of cases."""
    import json

    from aegis.cases.models import Case
    from aegis.roles import Role
    from tests.conftest import api_client

    api = api_client(make_person(Role.CASEWORKER))
    before = Case.objects.count()
    answer = api.post(
        "/api/v1/cases",
        json.dumps({"subject_kind": "person", "summary": "x"}),
        content_type="application/json",
        headers={"accept-language": "fr"},
    )
    assert answer.status_code == 404 and "/api/v1/cases/" in answer.json()["detail"]
    assert Case.objects.count() == before
    other = api.get("/api/v1/me/")
    assert other.status_code == 404 and "/api/v1/me?" in other.json()["detail"]
    nowhere = api.get("/api/v1/nothing-here")
    assert nowhere.status_code == 404 and "/api/v1/docs" in nowhere.json()["detail"]
    # Mistyped as a client may (capitals; a doubled slash too, which the test client would
    # read as a host): the API's JSON 404, not a page.
    for mistyped in ("/API/V1/me", "/Api/v1/cases/"):
        answer = api.get(mistyped)
        assert answer.status_code == 404 and "/api/v1/docs" in answer.json()["detail"], mistyped
    # Pages keep Django's redirect to the address with the slash.
    assert api.get("/cases").status_code == 301


def test_rarer_mismatches_carry_no_english_of_the_parser(make_person):
    """A number that is not finite, a choice among values (pydantic joins them with an
    English "or") and a parser's own reason in `ctx.error` had stayed English."""
    from aegis.roles import Role
    from tests.conftest import api_client

    api = api_client(make_person(Role.CASEWORKER))
    spanish = {"accept-language": "es"}
    body = '{"compartment_id": NaN, "subject_kind": "zzz", "summary": "x"}'
    answer = api.post("/api/v1/cases/", body, content_type="application/json", headers=spanish)
    assert answer.status_code == 422
    said = {tuple(issue["loc"]): issue for issue in answer.json()["detail"]}
    assert said[("body", "compartment_id")]["msg"] == "Indique un número."
    choice = said[("body", "subject_kind")]["msg"]
    assert choice.startswith("Elija uno de") and " or " not in choice, choice
    unknown = api.get("/api/v1/evidence/items/xyz", headers=spanish)
    assert unknown.status_code == 422
    (issue,) = unknown.json()["detail"]
    assert "error" not in (issue.get("ctx") or {}) and "invalid character" not in str(issue)


def test_a_query_parameter_the_operation_does_not_take_is_refused(make_person):
    """`/cases/people?legal_name=x` had answered every person, as if it had been filtered."""
    from aegis.roles import Role
    from tests.conftest import api_client

    api = api_client(make_person(Role.CASEWORKER))
    answer = api.get("/api/v1/cases/people", {"legal_name": "x"}, headers={"accept-language": "es"})
    assert answer.status_code == 422
    (issue,) = answer.json()["detail"]
    assert issue["loc"] == ["query", "legal_name"]
    assert issue["msg"] == "Esta operación no admite ese campo."
    assert api.get("/api/v1/incidents/", {"sort": "title", "page": 1}).status_code == 422
    # What the operation takes is still taken.
    assert api.get("/api/v1/incidents/", {"page": 1}).status_code == 200
    assert api.get("/api/v1/cases/people", {"limit": 5}).status_code == 200


def test_a_length_limit_is_written_with_the_readers_digit_grouping(db):
    """French and Spanish group thousands with a space: "5,000" reads as five there."""
    from django.utils import translation

    from aegis import rules
    from aegis.rules import RuleError

    for language, limit in (("fr", "1\xa0000"), ("es", "1\xa0000"), ("en", "1,000")):
        with translation.override(language), pytest.raises(RuleError) as refused:
            rules.text("x" * 5000, "reason", "Reason", limit=1000)
        assert limit in str(refused.value) and ("5,000" in str(refused.value)) == (
            language == "en"
        ), (language, str(refused.value))


def test_an_address_with_a_doubled_slash_is_the_apis():
    from django.test import RequestFactory

    from aegis.visits import for_api

    factory = RequestFactory()
    request = factory.get("/x")
    for path, api in (("//api/v1/me", True), ("/API/v1/me", True), ("/apiary/", False)):
        request.path_info = path
        assert for_api(request) is api, path


def test_the_query_parameter_check_holds_under_a_prefix_and_spares_the_gateway(
    make_person, settings
):
    """Served under a prefix, every lookup had missed and nothing was checked; an SMS
    gateway adding a parameter of its own must not lose a panic text over it."""
    from django.test import Client
    from django.urls import set_script_prefix

    from aegis import api as api_module
    from aegis.roles import Role
    from tests.conftest import api_client

    api_module._documented_inputs.cache_clear()
    try:
        set_script_prefix("/aegis/")
        api = api_client(make_person(Role.CASEWORKER))
        answer = api.get("/api/v1/cases/people", {"legal_name": "x"}, SCRIPT_NAME="/aegis")
        assert answer.status_code == 422
    finally:
        set_script_prefix("/")
        api_module._documented_inputs.cache_clear()
    settings.AEGIS_SMS_WEBHOOK_SECRET = "a gateway secret of 32 characters"
    gateway = Client(headers={"authorization": "Bearer a gateway secret of 32 characters"})
    sent = gateway.post(
        "/api/v1/alerts/gateway/inbound?source=modem1",
        {"from": "+15550100", "text": "hello"},
        content_type="application/json",
    )
    assert sent.status_code != 422, sent.content


def test_a_value_outside_the_schema_s_list_is_a_422_in_words(make_person, make_compartment):
    """Coded values (a violation type, a verification status, a perpetrator type) had been
    plain text in the schema and refused afterwards with a 400, so the schema allowed what
    the server refused; they are the project's lists now, refused in the caller's language."""
    from aegis.incidents.models import Perpetrator
    from aegis.roles import Role
    from tests.conftest import api_client

    worker = make_person(Role.CASEWORKER)
    compartment = make_compartment(worker)
    api = api_client(worker)
    spanish = {"accept-language": "es"}
    listed = api.get("/api/v1/incidents/", {"violation_type": "insult"}, headers=spanish)
    assert listed.status_code == 422
    (issue,) = listed.json()["detail"]
    assert issue["loc"] == ["query", "violation_type"]
    assert issue["msg"].startswith("Elija uno de") and "death_threat" in issue["msg"]
    made = api.post(
        "/api/v1/incidents/perpetrators",
        json.dumps({"compartment_id": compartment.pk, "perpetrator_type": "wizard"}),
        content_type="application/json",
        headers=spanish,
    )
    assert made.status_code == 422
    (issue,) = made.json()["detail"]
    assert issue["loc"] == ["body", "perpetrator_type"] and issue["msg"].startswith("Elija")
    assert not Perpetrator.objects.exists()
    schema = api.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "police" in json.dumps(schema["PerpetratorIn"]) or "police" in json.dumps(
        schema["PerpetratorType"]
    )


def test_empty_text_and_lists_the_server_refuses_are_in_the_schema(make_person):
    """A note's body, a provider's kinds: required and refused empty by the server, yet the
    schema had allowed "" and []; each is refused by the schema, in words."""
    from aegis.roles import Role
    from tests.conftest import api_client

    api = api_client(make_person(Role.COORDINATOR))
    schema = api.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schema["NoteIn"]["properties"]["body"]["minLength"] == 1
    assert schema["ProviderIn"]["properties"]["kinds"]["minItems"] == 1
    answer = api.post(
        "/api/v1/support/providers",
        '{"compartment_id": 1, "name": "", "kinds": []}',
        content_type="application/json",
        headers={"accept-language": "fr"},
    )
    assert answer.status_code == 422
    said = {tuple(issue["loc"]): issue["msg"] for issue in answer.json()["detail"]}
    assert said[("body", "name")] == "Ce champ ne peut pas être vide : saisissez du texte."
    assert said[("body", "kinds")].startswith("Cette liste ne peut pas être vide")


def test_a_page_limit_past_the_largest_is_a_422(make_person):
    """`limit=10**23` had been taken as a number (and cut to the page's maximum later)."""
    from aegis.api_schemas import MAX_LIMIT
    from aegis.roles import Role
    from tests.conftest import api_client

    api = api_client(make_person(Role.CASEWORKER))
    for address in ("/api/v1/cases/people", "/api/v1/cases/", "/api/v1/alerts/history"):
        answer = api.get(address, {"limit": 10**23}, headers={"accept-language": "es"})
        assert answer.status_code in (422, 403), (address, answer.content)
        if answer.status_code == 422:
            (issue,) = answer.json()["detail"]
            assert issue["loc"] == ["query", "limit"], address
            assert re.search(r"de (100|1000) o menos", issue["msg"].replace(".", "")), issue
    assert api.get("/api/v1/cases/people", {"limit": 100}).status_code == 200
    assert api.get("/api/v1/alerts/open", {"limit": MAX_LIMIT}).status_code in (200, 403)
    schema = api.get("/api/v1/openapi.json").json()["paths"]["/api/v1/cases/people"]["get"]
    (limit,) = [p for p in schema["parameters"] if p["name"] == "limit"]
    assert limit["schema"]["maximum"] == 100  # the list's own (Pages)


@pytest.mark.parametrize(
    "kind", ["text/plain", "application/xml", "application/x-www-form-urlencoded"]
)
def test_a_json_body_sent_as_another_type_is_a_415_in_words(make_person, make_compartment, kind):
    """A JSON body sent as text/plain or XML had been read as JSON: a client that sent the
    wrong type learnt nothing, and a form-encoded body that happened to parse was taken."""
    from aegis.cases.models import Case
    from aegis.roles import Role
    from tests.conftest import api_client

    worker = make_person(Role.CASEWORKER)
    compartment = make_compartment(worker)
    api = api_client(worker)
    body = json.dumps(
        {"compartment_id": compartment.pk, "subject_kind": "group", "subject_name": "Radio"}
        | {"summary": "Threats after the broadcast"}
    )
    answer = api.post("/api/v1/cases/", body, content_type=kind, headers={"accept-language": "fr"})
    assert answer.status_code == 415, answer.content
    detail = answer.json()["detail"]
    assert "application/json" in detail and detail.startswith("Cette opération")
    assert not Case.objects.exists()
    # Sent as JSON, with its charset, the same body is taken.
    sent = api.post("/api/v1/cases/", body, content_type="application/json; charset=utf-8")
    assert sent.status_code == 201, sent.content
    schema = api.get("/api/v1/openapi.json").json()["paths"]["/api/v1/cases/"]["post"]
    assert "415" in schema["responses"]


@pytest.mark.django_db
def test_an_empty_list_filter_filters_nothing(make_person):
    """A form's empty select sends `?status=`: it had filtered nothing before the filters
    took the vocabularies, and stays so; only a value outside the list is refused."""
    from aegis.roles import Role
    from tests.conftest import api_client

    client = api_client(make_person(Role.COORDINATOR))
    for path in (
        "/api/v1/incidents/?violation_type=&verification=",
        "/api/v1/advocacy/communications?status=",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/v1/incidents/?violation_type=nonsense").status_code == 422


@pytest.mark.engine_independent
@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"ids": ["3"]}, "int_not_other"),
        ({"ids": [1, 2.0]}, "int_not_other"),
        ({"flags": {"a": 1}}, "bool_not_other"),
        ({"flag": "yes"}, "bool_not_other"),
        ({"flag": 0}, "bool_not_other"),
        ({"count": "2"}, "int_not_other"),
    ],
)
def test_lists_and_objects_are_read_as_strictly_as_single_values(body, kind):
    """Pydantic's lax mode read "3" and 2.0 as whole numbers, and 1 or "yes" as true, inside
    lists and objects as well as alone: each is refused in words at the gate."""
    from pydantic import ValidationError

    from aegis.api_schemas import InputSchema, RecordId

    class Probe(InputSchema):
        ids: list[RecordId] = []
        flags: dict[str, str | bool] = {}
        flag: bool | None = None
        count: int = 0

    with pytest.raises(ValidationError) as refused:
        Probe.model_validate(body)
    assert [error["type"] for error in refused.value.errors()] == [kind]
    taken = Probe.model_validate({"ids": [3], "flags": {"a": True, "b": "x"}, "flag": None})
    assert taken.ids == [3] and taken.flags == {"a": True, "b": "x"}
