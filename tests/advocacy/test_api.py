"""The API: case staff create, read and move communications in their compartments (others'
answer 404); a broken rule answers 400 with the element named; analysts get counts only."""

from __future__ import annotations

import json

import pytest

from aegis.advocacy.models import Mechanism

from .conftest import ELEMENTS, LEGAL_NAME, NARRATIVE, PSEUDONYM, api_client, draft_for

pytestmark = pytest.mark.django_db
BASE = "/api/v1/advocacy"


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_create_review_and_send_through_the_api(team):
    source = draft_for(team, "achpr")
    writer, reviewer = api_client(team.writer), api_client(team.reviewer)
    mechanisms = writer.get(f"{BASE}/mechanisms").json()
    achpr = next(m for m in mechanisms if m["code"] == "achpr-hrds")
    assert "consent" in achpr["required_elements"]
    body = {
        "case": source.case.reference,
        "mechanism_id": achpr["id"],
        "kind": "urgent_appeal",
        "language": "fr",
        "incidents": [i.reference for i in source.incidents.all()],
        "narrative": NARRATIVE,
        "elements": {"confidential": ELEMENTS["confidential"]},
    }
    response = _post(writer, f"{BASE}/communications", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["missing"] == ["source"]
    url = f"{BASE}/communications/{created['id']}"
    draft = _post(reviewer, f"{url}/steps", {"step": "approve"})  # not yet in review
    assert draft.status_code == 409 and "in review" in draft.json()["detail"]
    assert _post(writer, f"{url}/steps", {"step": "submit"}).status_code == 200
    refused = _post(writer, f"{url}/steps", {"step": "approve"})
    assert refused.status_code == 403 and "own" in refused.json()["detail"]
    assert _post(reviewer, f"{url}/steps", {"step": "approve"}).status_code == 200
    refused = _post(reviewer, f"{url}/steps", {"step": "send"})
    assert refused.status_code == 400
    assert "the source's identity" in refused.json()["detail"]
    assert refused.json()["field"] == "source"
    # Not sent, so no reply is due: the communication's state refuses the step (409).
    early = _post(reviewer, f"{url}/steps", {"step": "no_reply"})
    assert early.status_code == 409 and "has not passed" in early.json()["detail"]
    listing = writer.get(f"{BASE}/communications").json()
    assert {c["id"] for c in listing} == {source.pk, created["id"]}
    assert writer.get(f"{BASE}/communications", {"page": 2}).json() == []  # past the end
    assert api_client(team.outsider).get(url).status_code == 404


def test_bad_input_is_refused_and_writes_nothing(team):
    source = draft_for(team, "wgeid")
    writer = api_client(team.writer)
    wgeid = Mechanism.objects.get(code="wgeid")
    body = {
        "case": source.case.reference,
        "mechanism_id": wgeid.pk,
        "kind": "precautionary",
        "language": "en",
    }
    response = _post(writer, f"{BASE}/communications", body)
    assert response.status_code == 409 and "does not take" in response.json()["detail"]
    body = {**body, "kind": "disappearance", "language": "ar"}
    refused = _post(writer, f"{BASE}/communications", body)  # not a working language of it
    assert refused.status_code == 409 and refused.json()["field"] == "language"
    body = {**body, "language": "en", "elements": {"unknown": "x"}}
    assert _post(writer, f"{BASE}/communications", body).status_code == 400
    assert writer.get(f"{BASE}/communications?status=bogus").status_code == 422
    assert len(writer.get(f"{BASE}/communications").json()) == 1


def test_the_analyst_gets_counts_only(team):
    draft_for(team, "special_procedures")
    response = api_client(team.analyst).get(f"{BASE}/outcomes")
    assert response.status_code == 200
    text = response.content.decode()
    assert LEGAL_NAME not in text and PSEUDONYM not in text
    rows = {r["code"]: r for r in response.json()}
    assert rows["un-special-procedures"]["communications"] == 1
    assert api_client(team.analyst).get(f"{BASE}/communications").status_code == 403
