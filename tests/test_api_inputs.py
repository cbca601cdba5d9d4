"""What an operation reads besides its JSON body is taken as its schema documents it: query
parameters and multipart fields it does not take, given twice, or a whole number written
otherwise are refused in words (422), and a list's limit is the one its schema states."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aegis.evidence.models import EvidenceItem
from aegis.roles import Role
from tests.conftest import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def caseworker(make_person, make_compartment, make_case):
    person = make_person(Role.CASEWORKER)
    case = make_case(make_compartment(person), person)
    return api_client(person), case


def _issues(answer) -> list[tuple[list, str]]:
    assert answer.status_code == 422, answer.content
    return [(issue["loc"], issue["msg"]) for issue in answer.json()["detail"]]


def test_a_whole_number_written_otherwise_is_refused(caseworker):
    client, _case = caseworker
    for written in ("1.0", "1e2", " 5", "+5", "٥", "0x10"):
        issues = _issues(client.get("/api/v1/cases/", {"limit": written}))
        assert issues == [(["query", "limit"], "Give a whole number.")], written
    assert client.get("/api/v1/cases/", {"limit": "5", "offset": "0"}).status_code == 200
    assert client.get("/api/v1/cases/", {"offset": "-1"}).status_code == 422  # its range


def test_a_query_parameter_given_twice_is_refused(caseworker):
    client, _case = caseworker
    answer = client.get("/api/v1/cases/?limit=5&limit=6")
    assert _issues(answer) == [(["query", "limit"], "This is given more than once: give it once.")]
    spanish = client.get("/api/v1/cases/?limit=5&limit=6", HTTP_ACCEPT_LANGUAGE="es")
    assert _issues(spanish)[0][1] == "Esto se ha dado más de una vez: indíquelo una sola vez."


def test_a_list_s_limit_is_the_one_its_schema_states(caseworker):
    """django-ninja had documented 1,000 and answered `limit=500` with 100 rows, as if there
    were no more; the evidence and quarantine lists had turned 0 into 1 and 500 into 200."""
    client, case = caseworker
    schema = client.get("/api/v1/openapi.json").json()["paths"]

    def most(path: str) -> int:
        parameters = schema[path]["get"]["parameters"]
        return next(p for p in parameters if p["name"] == "limit")["schema"]["maximum"]

    for path, url, stated in [
        ("/api/v1/cases/", "/api/v1/cases/", 100),
        ("/api/v1/cases/people", "/api/v1/cases/people", 100),
        (
            "/api/v1/evidence/cases/{reference}/items",
            f"/api/v1/evidence/cases/{case.reference}/items",
            200,
        ),
        ("/api/v1/exchange/quarantine", "/api/v1/exchange/quarantine", 200),
    ]:
        assert most(path) == stated, path
        assert client.get(url, {"limit": stated}).status_code != 422, url
        over = _issues(client.get(url, {"limit": stated + 1}))
        assert over == [(["query", "limit"], f"Give a number of {stated} or less.")], url
        assert _issues(client.get(url, {"limit": 0}))[0][0] == ["query", "limit"], url


def test_a_multipart_field_the_upload_does_not_take_is_refused_and_nothing_stored(caseworker):
    """A field the upload does not take had been dropped without a word: a caller who wrote
    `note` for `description` believed it kept. A description given twice kept the last."""
    client, case = caseworker
    url = f"/api/v1/evidence/cases/{case.reference}/upload"

    def upload(**fields):
        sent = SimpleUploadedFile("a.txt", b"some text", content_type="text/plain")
        return client.post(url, {"file": sent, **fields})

    unknown = _issues(upload(note="the photo of the wall"))
    assert unknown == [(["form", "note"], "This operation takes no such field.")]
    twice = _issues(upload(description=["one", "two"]))
    assert twice == [(["form", "description"], "This is given more than once: give it once.")]
    assert EvidenceItem.objects.count() == 0
    assert upload(description="the wall").status_code == 201


def test_a_missing_body_is_named_as_the_body(caseworker):
    """The refusal had named django-ninja's parameter, `payload`, which the schema never shows."""
    client, _case = caseworker
    answer = client.post("/api/v1/cases/", "", content_type="application/json")
    assert _issues(answer) == [(["body"], "This field is required.")]
    assert _issues(client.post("/api/v1/cases/", "null", content_type="application/json"))


def test_a_list_filter_takes_only_its_codes(make_person):
    """A country's name, an unknown kind of provider or of proposal had filtered to nothing
    (or to the pending proposals), as if there were no such records: now refused in words;
    an empty filter still filters nothing."""
    client = api_client(make_person(Role.COORDINATOR))
    words = "Give a country's two-letter code (such as CO), or nothing for every country."
    for url in ("/api/v1/cases/", "/api/v1/incidents/", "/api/v1/support/providers"):
        assert _issues(client.get(url, {"country": "Colombia"})) == [(["query", "country"], words)]
        for taken in ("co", "CO", ""):
            assert client.get(url, {"country": taken}).status_code == 200, (url, taken)
    refused = _issues(client.get("/api/v1/support/providers", {"kind": "hotel"}))
    assert refused[0][0] == ["query", "kind"] and refused[0][1].startswith("Choose one of:")
    assert client.get("/api/v1/support/providers", {"kind": ""}).status_code == 200
    assert client.get("/api/v1/support/providers", {"kind": "safe_house"}).status_code == 200
    for empty in ({"status": "", "sector": "", "country": ""}, {"status": "active", "sector": ""}):
        assert client.get("/api/v1/cases/", empty).status_code == 200, empty
    analyst = api_client(make_person(Role.ANALYST))
    assert analyst.get("/api/v1/monitoring/proposals", {"status": ""}).status_code == 200
    proposals = _issues(analyst.get("/api/v1/monitoring/proposals", {"status": "bogus"}))
    assert proposals[0][0] == ["query", "status"]
    assert analyst.get("/api/v1/monitoring/proposals", {"status": "rejected"}).status_code == 200
