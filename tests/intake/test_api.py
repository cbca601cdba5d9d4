"""The public intake API for a future mobile client: submit, read the thread and answer with
the receipt code in the body; the schemas in OpenAPI."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from aegis.intake import triage
from aegis.intake.models import Submission
from aegis.vault.keychain import unlocked

pytestmark = pytest.mark.django_db

REPORT = {
    "narrative": "A drone flew over our assembly and then the leaders got calls.",
    "target_kind": "group",
    "perpetrator_type": "unknown",
    "when": {"year": 2025, "month": 6},
    "country": "PH",
    "region": "PH-14",
    "place_details": "Barangay hall",
    "language": "en",
}


def post(path: str, payload: dict, client: Client | None = None):
    return (client or Client()).post(
        f"/api/v1/intake{path}", payload, content_type="application/json"
    )


def test_submit_read_and_answer_without_an_account(intake_team):
    _compartment, lucia = intake_team
    response = post("/submissions", REPORT)
    assert response.status_code == 201, response.content
    code = response.json()["receipt_code"]
    submission = Submission.objects.get()
    assert (submission.country, submission.region, submission.date_precision) == (
        "PH",
        "PH-14",
        "month",
    )
    with unlocked(lucia.keychain()):
        assert Submission.objects.get().narrative == REPORT["narrative"]
        triage.reply(submission, "Please tell us more.", actor_id=lucia.user.pk)

    thread = post("/follow-up", {"code": code.lower()})
    assert thread.status_code == 200
    body = thread.json()
    assert [(m["sender"], m["body"]) for m in body["messages"]] == [
        ("staff", "Please tell us more.")
    ]
    answered = post("/follow-up/messages", {"code": code, "body": "It happened twice."})
    assert answered.status_code == 201
    assert [m["body"] for m in answered.json()["messages"]] == [
        "Please tell us more.",
        "It happened twice.",
    ]


def test_the_api_does_not_need_or_use_a_token(intake_team, signed_in):
    from aegis.roles import Role

    client, _person = signed_in(Role.ANALYST)
    response = post("/submissions", REPORT, client)
    assert response.status_code == 201
    # Contact details go through the API too.
    contact = {
        **REPORT,
        "anonymous": False,
        "contact": {"name": "Ana", "preferred_channel": "Signal"},
    }
    assert post("/submissions", contact).status_code == 201


def test_a_wrong_expired_or_malformed_code_gets_the_same_answer(intake_team):
    expired = post("/submissions", REPORT).json()["receipt_code"]
    Submission.objects.update(receipt_expires_at=timezone.now() - timedelta(seconds=1))
    answers = [
        post(path, {"code": code, **extra})
        for path, extra in (("/follow-up", {}), ("/follow-up/messages", {"body": "hello"}))
        for code in ("ABCD-EFGH-JKMN-PQRS-TVWX", expired, "nonsense", "")
    ]
    assert {a.status_code for a in answers} == {404}
    assert {a.content for a in answers} == {
        b'{"detail": "We could not open a report with this code. Check that you typed it '
        b'exactly as it was shown, then try again.", "field": null}'
    }


def test_guessing_through_the_api_never_pauses_a_real_code(intake_team, settings):
    settings.AEGIS_RECEIPT_OPENINGS_PER_MINUTE = 1
    code = post("/submissions", REPORT).json()["receipt_code"]
    assert {post("/follow-up", {"code": "x"}).status_code for _ in range(40)} == {404}
    assert post("/follow-up", {"code": code}).status_code == 200
    paused = post("/follow-up", {"code": code})  # past this receipt's allowance
    assert paused.status_code == 429
    assert "Too many attempts, wait a minute" in paused.json()["detail"]


def test_the_code_never_travels_in_the_url_and_the_schemas_are_published():
    schema = Client().get("/api/v1/openapi.json").json()
    paths = {p: v for p, v in schema["paths"].items() if p.startswith("/api/v1/intake/")}
    assert set(paths) == {
        "/api/v1/intake/submissions",
        "/api/v1/intake/follow-up",
        "/api/v1/intake/follow-up/messages",
    }
    for operations in paths.values():
        assert set(operations) == {"post"}
        assert "parameters" not in operations["post"] or not operations["post"]["parameters"]
        assert operations["post"].get("security", []) == []
    submit = paths["/api/v1/intake/submissions"]["post"]
    assert set(submit["responses"]) == {"201", "400", "413", "415", "422", "503"}  # 503: wiped
    follow_up = paths["/api/v1/intake/follow-up"]["post"]
    assert set(follow_up["responses"]) == {"200", "400", "404", "413", "415", "422", "429", "503"}
    components = schema["components"]["schemas"]
    for name in ("SubmissionIn", "ReceiptOut", "CodeIn", "MessageIn", "ThreadOut", "ErrorOut"):
        assert name in components
    target = components["SubmissionIn"]["properties"]["target_kind"]
    assert "group" in str(components.get("TargetKind", target))


# --- Bad input gets a 4xx that says why, never a 500 (issue 19) -----------------------------

SURROGATE = '"\\ud800"'  # valid JSON, but no UTF-8 form: nothing can store it


def raw_post(path: str, body: str):
    return Client().post(f"/api/v1/intake{path}", body, content_type="application/json")


def with_narrative(text_json: str) -> str:
    """REPORT as JSON text, its narrative replaced by `text_json` (written as JSON)."""
    body = json.dumps({**REPORT, "narrative": "__NARRATIVE__"})
    return body.replace('"__NARRATIVE__"', text_json)


def test_a_lone_surrogate_is_refused_with_a_clear_422(intake_team):
    response = raw_post("/submissions", with_narrative(SURROGATE))
    assert response.status_code == 422, response.content
    (issue,) = response.json()["detail"]
    assert (issue["type"], issue["loc"][-1]) == ("unstorable_text", "narrative")
    assert "cannot be stored" in issue["msg"]
    assert not Submission.objects.exists()

    code = post("/submissions", REPORT).json()["receipt_code"]
    body = json.dumps({"code": code, "body": "__B__"}).replace('"__B__"', SURROGATE)
    answered = raw_post("/follow-up/messages", body)
    assert answered.status_code == 422, answered.content
    assert "cannot be stored" in answered.json()["detail"][0]["msg"]
    assert post("/follow-up", {"code": code}).json()["messages"] == []
    # Within a nested object too.
    nested = json.dumps({**REPORT, "anonymous": False, "contact": {"name": "__N__"}})
    assert raw_post("/submissions", nested.replace('"__N__"', SURROGATE)).status_code == 422


def test_unknown_fields_are_refused_not_dropped(intake_team):
    response = post("/submissions", {**REPORT, "urgency": "high"})
    assert response.status_code == 422
    (issue,) = response.json()["detail"]
    assert (issue["type"], issue["loc"][-1]) == ("extra_forbidden", "urgency")
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("change", "place"),
    [
        ({"anonymous": "yes"}, "anonymous"),
        ({"anonymous": 1}, "anonymous"),
        ({"when": {"year": 2025, "approximate": 0}}, "approximate"),
        ({"when": {"year": "2025"}}, "year"),
    ],
)
def test_true_or_false_and_numbers_are_sent_as_such(intake_team, change, place):
    """Pydantic's lax mode had read 1, 0 and "yes" as true or false, and "2025" as a year: a
    request the schema refuses had been filed (found by schemathesis)."""
    response = post("/submissions", {**REPORT, **change}, Client(headers={"accept-language": "es"}))
    assert response.status_code == 422, response.content
    (issue,) = response.json()["detail"]
    assert issue["loc"][-1] == place
    assert issue["msg"] in ("Envíe true o false.", "Envíe un número entero, como 3.")
    assert not Submission.objects.exists()


def test_the_reporter_email_is_checked_as_the_form_checks_it(intake_team):
    contact = {**REPORT, "anonymous": False, "contact": {"email": "ana at example"}}
    response = post("/submissions", contact)
    assert response.status_code == 400
    assert response.json() == {"detail": "Enter a valid email address.", "field": "contact.email"}
    assert not Submission.objects.exists()
    contact["contact"]["email"] = "ana@example.org"
    assert post("/submissions", contact).status_code == 201


def test_a_body_that_is_not_json_gets_a_400(intake_team):
    response = raw_post("/submissions", '{"narrative": ')
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The body of the request could not be read: send JSON, as application/json, "
        "in UTF-8."
    }


def test_a_body_sent_in_chunks_is_refused_in_words_not_read_as_empty(intake_team):
    """Without a Content-Length Django reads a chunked body as empty: the intake API had
    answered "field required" for a report that had its narrative, and stored nothing."""
    import json

    from django.test import Client

    from aegis.intake.models import Submission

    body = json.dumps({"narrative": "They raided the office.", "target_kind": "organisation"})
    chunked = {"HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": ""}
    answer = Client().post(
        "/api/v1/intake/submissions",
        body,
        content_type="application/json",
        headers={"accept-language": "es"},
        **chunked,
    )
    assert answer.status_code == 411 and "Content-Length" in answer.json()["detail"]
    assert Submission.objects.count() == 0
    page = Client().post("/report/", {"narrative": "x"}, **chunked)
    assert page.status_code == 411 and "Content-Length" in page.content.decode()
    # With its length, the same body is read.
    sent = Client().post("/api/v1/intake/submissions", body, content_type="application/json")
    assert sent.status_code == 201, sent.content


def test_a_receipt_code_and_a_thread_are_kept_by_no_cache(intake_team):
    """The receipt code (shown once) and the thread it opens: no browser or proxy keeps them,
    as every answer to a signed-in caller is kept by none."""
    import json

    body = json.dumps({"narrative": "They raided the office.", "target_kind": "organisation"})
    sent = Client().post("/api/v1/intake/submissions", body, content_type="application/json")
    assert sent.status_code == 201 and "no-store" in sent["Cache-Control"]
    code = json.dumps({"code": sent.json()["receipt_code"]})
    thread = Client().post("/api/v1/intake/follow-up", code, content_type="application/json")
    assert thread.status_code == 200 and "no-store" in thread["Cache-Control"]
