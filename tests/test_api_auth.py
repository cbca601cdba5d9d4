"""API authentication in one place: every operation that takes a token names its role, and the
token's keys are open for the length of the call, and only then."""

from __future__ import annotations

import pytest
from django.test import Client

from aegis import api as api_module
from aegis.api import api
from aegis.api_auth import RoleAuth, TokenAuth
from aegis.roles import Role
from aegis.vault.keychain import current_or_none

from .conftest import api_client


def _operations():
    for bound in api._get_bound_routers():
        for path, view in bound.path_operations.items():
            for operation in view.operations:
                yield path, operation


def test_every_operation_with_a_token_names_its_role():
    """The role is checked by the auth, before the body is read: no endpoint checks it by
    hand (and a new router cannot forget to)."""
    with_token = [
        (path, operation)
        for path, operation in _operations()
        if any(isinstance(auth, TokenAuth) for auth in operation.auth_callbacks)
    ]
    assert with_token
    for path, operation in with_token:
        assert all(isinstance(auth, RoleAuth) for auth in operation.auth_callbacks), path


@pytest.mark.django_db
def test_the_tokens_keys_are_open_during_the_call_and_closed_after(make_person, monkeypatch):
    person = make_person(Role.CASEWORKER)
    seen = []
    real = api_module.account_selectors.tokens_of

    def spy(user_id):
        seen.append(current_or_none())
        return real(user_id)

    monkeypatch.setattr(api_module.account_selectors, "tokens_of", spy)
    response = api_client(person).get("/api/v1/tokens")
    assert response.status_code == 200
    [chain] = seen
    assert chain is not None and chain.actor_id == person.user.pk
    assert current_or_none() is None


@pytest.mark.django_db
def test_a_refused_role_opens_nothing(make_person, monkeypatch):
    person = make_person(Role.RESPONDER)
    response = api_client(person).get("/api/v1/cases/")
    assert response.status_code == 403
    assert current_or_none() is None


@pytest.mark.django_db
def test_what_no_operation_answers_is_json_in_words(make_person, settings):
    """A program calling the API gets JSON in its {"detail": ...} shape everywhere, never a
    staff page: an address with no operation, a method it does not take, a body too large,
    no token, and a role refused (in the caller's language); HEAD is answered as GET."""
    from django.test import Client

    analyst = api_client(make_person(Role.ANALYST))
    unknown = analyst.get("/api/v1/monitoring/sources/1")
    assert unknown.status_code == 404 and "no operation" in unknown.json()["detail"]
    wrong = analyst.delete("/api/v1/monitoring/sources")
    assert wrong.status_code == 405 and "does not take DELETE" in wrong.json()["detail"]
    assert "GET" in wrong["Allow"] and "POST" in wrong["Allow"]
    head = analyst.head("/api/v1/monitoring/sources")
    got = analyst.get("/api/v1/monitoring/sources")
    assert head.status_code == got.status_code == 200
    assert head.content == b"" and head["Content-Length"] == str(len(got.content))
    post_only = analyst.head("/api/v1/monitoring/articles")
    assert post_only.status_code == 405 and post_only.content == b""
    # The JSON answer's headers, not the page's: a page's body had followed the HEAD.
    assert post_only["Content-Type"].startswith("application/json")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    large = analyst.post(
        "/api/v1/monitoring/articles",
        {"title": "t", "text": "w " * 2000},
        content_type="application/json",
    )
    assert large.status_code == 413 and "too large" in large.json()["detail"]
    # Documented where a body is read: a fuzzer checks every answer against the schema.
    schema = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "413" in schema["/api/v1/monitoring/articles"]["post"]["responses"]
    assert "413" in schema["/api/v1/evidence/cases/{reference}/upload"]["post"]["responses"]
    assert "413" not in schema["/api/v1/monitoring/sources"]["get"]["responses"]
    nobody = Client().get("/api/v1/monitoring/sources")
    assert nobody.status_code == 401 and "Bearer" in nobody.json()["detail"]
    assert nobody["WWW-Authenticate"] == 'Bearer realm="aegis"'
    refused = api_client(make_person(Role.RESPONDER)).get(
        "/api/v1/monitoring/sources", headers={"Accept-Language": "es"}
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] != "Your role does not allow this."
    missing = analyst.get("/api/v1/monitoring/proposals/999999", headers={"Accept-Language": "fr"})
    assert missing.status_code == 404 and missing.json()["detail"] != "Not found."
    token = analyst.delete(
        "/api/v1/tokens/00000000-0000-0000-0000-000000000000", headers={"Accept-Language": "es"}
    )
    assert token.status_code == 404 and token.json()["detail"] == "Ese token no existe."


def test_a_body_past_the_limit_is_one_line_in_the_log_not_a_traceback(make_person, settings):
    """Django logs a body past the limit (and a Host header not ours) as an error with its
    traceback: at every scan of the server, Django's internals filled the error log."""
    import io
    import logging

    from aegis.serverlog import RequestFaultWithoutTrace

    handlers = logging.getLogger("django.security").handlers
    (handler,) = [
        h for h in handlers if any(isinstance(f, RequestFaultWithoutTrace) for f in h.filters)
    ]
    log = io.StringIO()
    previous = handler.setStream(log)
    try:
        analyst = api_client(make_person(Role.ANALYST))
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        large = analyst.post(
            "/api/v1/monitoring/articles", {"text": "w " * 2000}, content_type="application/json"
        )
        assert large.status_code == 413
        assert Client(headers={"host": "not-ours.example"}).get("/").status_code == 400
    finally:
        handler.setStream(previous)
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and "Traceback" not in log.getvalue(), lines
    assert lines == [
        "Refused a request whose body is over the size limit.",
        "Refused a request for a host name not in AEGIS_ALLOWED_HOSTS (nor AEGIS_BASE_URL's).",
    ]


def _log_of(logger_name: str, filter_class):
    """The stream of the handler that carries `filter_class` for this logger."""
    import logging

    handlers = logging.getLogger(logger_name).handlers
    (handler,) = [h for h in handlers if any(isinstance(f, filter_class) for f in h.filters)]
    return handler


def test_the_log_carries_no_text_a_client_sent(db):
    """Django quotes the Host header ("Invalid HTTP_HOST header: '…'"), the Origin of a form
    refused by the CSRF check, and the path of a server error ("Internal Server Error:
    /ack/<token>/"): text any client chooses, a token or a name among it."""
    import io
    import logging

    from django.http import HttpResponse
    from django.utils.log import log_response

    from aegis.serverlog import RequestFaultWithoutTrace, RequestWithoutPath

    faults = _log_of("django.security", RequestFaultWithoutTrace)
    errors = _log_of("django.request", RequestWithoutPath)
    log = io.StringIO()
    previous = faults.setStream(log), errors.setStream(log)
    try:
        host = Client(headers={"host": "maria-lopez.reporter.example"}).get("/report/")
        assert host.status_code == 400
        forged = Client(enforce_csrf_checks=True).post(
            "/report/",
            {"narrative": "x"},
            headers={"origin": "https://maria-lopez.origin.example"},
            secure=True,
        )
        assert forged.status_code == 403
        log_response(
            "%s: %s",
            "Internal Server Error",
            "/ack/maria-lopez-token/",
            response=HttpResponse(status=500),
            logger=logging.getLogger("django.request"),
        )
    finally:
        faults.setStream(previous[0])
        errors.setStream(previous[1])
    text = log.getvalue()
    assert "maria-lopez" not in text, text
    assert text.splitlines() == [
        "Refused a request for a host name not in AEGIS_ALLOWED_HOSTS (nor AEGIS_BASE_URL's).",
        "Refused a form sent without a valid CSRF token.",
        "Server error 500 (the request's path is not logged)",
    ]
