"""The API says what is wrong with a request in words and in the caller's language: a
schema mismatch (pydantic's own messages name Python's types, in English) and a body that
cannot be read."""

from __future__ import annotations

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
