"""The REST API at /api/v1/: mounts every app's router. Who may call it, and the keys a
call unlocks, are `api_auth`'s.

Besides the shapes in `api_schemas`, every operation shares: its keys unlocked for the length
of the call, the handler that turns a missing key into a clear 403, the one that answers a
broken rule (`aegis.rules.RuleError`) with its message and input, and the error statuses
documented in the OpenAPI schema."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as InputMismatch
from ninja.operation import Operation
from ninja.parser import Parser

from .accounts import selectors as account_selectors
from .accounts import services as account_services
from .api_auth import RoleAuth, TokenAuth, keys_unlocked
from .api_schemas import (
    ErrorOut,
    FieldErrorsOut,
    RuleErrorOut,
    ValidationErrorOut,
    issue_in_words,
)
from .rules import Conflict, NotAllowed, NotFound, RuleError
from .vault import services as vault
from .vault.keychain import NoKeyAccess, NoSearchKey, search_key_missing_message


class NotJson(ValueError):
    """A body sent with a content type other than JSON's."""


class JsonBodies(Parser):
    """A body is read as JSON only when it is sent as JSON: text/plain or XML that happened
    to parse had been taken as JSON. A body without a content type is still read as JSON;
    the SMS gateway's addresses read theirs whatever it is sent as, so that a gateway
    configured otherwise does not lose a panic text."""

    def parse_body(self, request: HttpRequest) -> Any:
        kind = (request.content_type or "").lower()
        json_sent = kind in ("", "application/json") or (
            kind.startswith("application/") and kind.endswith("+json")
        )
        if not json_sent and not _for_gateway(request):
            raise NotJson(kind)
        return super().parse_body(request)


api = NinjaAPI(
    title="Aegis API",
    parser=JsonBodies(),
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    # Public, like openapi.json beside it: the documentation describes the endpoints and holds
    # no data. Swagger UI comes from django-ninja's own static files ("ninja" is an installed
    # app), so the page loads nothing from elsewhere and passes the Content Security Policy;
    # no validator badge, which would call swagger.io.
    docs_url="/docs",
    docs=Swagger(settings={"validatorUrl": None}),
    description="Aegis protection platform. Authenticate with 'Authorization: Bearer <token>'.",
)


# Where the URLconf mounts the API (urls.py). Operations are looked up below it, so a site
# served under a prefix (SCRIPT_NAME) finds them too.
ROOT = "api/v1/"


@dataclass(frozen=True)
class _Inputs:
    """What an operation reads besides its path and JSON body, as its schema documents it."""

    query: dict[str, str]  # query parameter → its JSON schema type ("integer", "string", …)
    form: frozenset[str]  # the fields of a multipart body, where it reads one


@functools.cache
def _documented_inputs() -> dict[tuple[str, str], _Inputs]:
    """(path below the API's root, as the schema writes it, method) → what it reads."""
    found = {}
    for path, operations in api.get_openapi_schema(path_prefix="")["paths"].items():
        for method, operation in operations.items():
            query = {
                p["name"]: str(p.get("schema", {}).get("type", ""))
                for p in operation.get("parameters", [])
                if p.get("in") == "query"
            }
            body = operation.get("requestBody", {}).get("content", {})
            form = body.get("multipart/form-data", {}).get("schema", {}).get("properties", {})
            found[(path, method.upper())] = _Inputs(query, frozenset(form))
    return found


def _for_gateway(request: HttpRequest) -> bool:
    """The SMS gateway's addresses: they take the gateway's secret, not a person's token."""
    return "/alerts/gateway/" in request.path_info


WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def _mismatch(kind: str, source: str, name: str) -> dict[str, Any]:
    return {"type": kind, "loc": [source, name], "msg": kind}


def _undocumented(request: HttpRequest, inputs: _Inputs) -> list[dict[str, Any]]:
    """What the request sends that the operation's schema does not take, as schema
    mismatches: an unknown query parameter or form field, one given twice (the last had won
    silently), and a whole number written otherwise ("1.0", "1e2")."""
    issues = []
    for name in sorted(request.GET):
        if name not in inputs.query:
            issues.append(_mismatch("extra_forbidden", "query", name))
        elif len(request.GET.getlist(name)) > 1:
            issues.append(_mismatch("given_twice", "query", name))
        elif inputs.query[name] == "integer" and not WHOLE_NUMBER.fullmatch(request.GET[name]):
            issues.append(_mismatch("int_parsing", "query", name))
    if inputs.form and request.method == "POST":
        for name in sorted({*request.POST, *request.FILES}):
            if name not in inputs.form:
                issues.append(_mismatch("extra_forbidden", "form", name))
            elif len(request.POST.getlist(name)) > 1:
                issues.append(_mismatch("given_twice", "form", name))
    return issues


def known_inputs(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A query parameter or form field the operation does not take is refused (422), as a
    body's unknown field is: `/cases/people?legal_name=x` had answered every person, as if
    filtered, and `?limit=1.0` had been read as 1. Not for the SMS gateway's addresses: a
    gateway configured to add a parameter of its own must not lose a panic text over it."""

    @wraps(endpoint)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        match = request.resolver_match
        route = match.route if match is not None else ""
        if route.startswith(ROOT) and not _for_gateway(request):
            path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.removeprefix(ROOT))
            inputs = _documented_inputs().get((path, request.method or "GET"))
            if inputs is not None and (issues := _undocumented(request, inputs)):
                raise InputMismatch(issues)
        return endpoint(request, *args, **kwargs)

    return checked


# Every operation of every router mounted below, once its token is checked.
api.add_decorator(keys_unlocked)
api.add_decorator(known_inputs)


@api.exception_handler(NoKeyAccess)
def _no_key(request: HttpRequest, exc: NoKeyAccess) -> HttpResponse:
    """A key the account was never given: a clear refusal, never a 500. The services write
    inside transactions, so nothing was stored."""
    if isinstance(exc, NoSearchKey) or exc.data_key_id == vault.index_key_id():
        message = _("Nothing was stored.") + " " + search_key_missing_message()
    else:
        message = _("Your account holds no key that opens this record, so nothing was done.")
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(HttpError)
def _refused(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """A refusal an operation raised, in the caller's language (the messages are marked
    with gettext_noop where they are raised)."""
    if isinstance(exc.__cause__, NotJson):  # django-ninja answers any parser error with 400
        message = _(
            "This operation reads a JSON body: send it as JSON, with the header "
            "'Content-Type: application/json'."
        )
        return api.create_response(request, {"detail": message}, status=415)
    message = str(exc)
    message = NINJA_WORDS.get(message, message)
    return api.create_response(request, {"detail": gettext(message)}, status=exc.status_code)


@api.exception_handler(InputMismatch)
def _input_mismatch(request: HttpRequest, exc: InputMismatch) -> HttpResponse:
    """The request does not match the operation's schema: each problem in words."""
    issues = [issue_in_words(issue) for issue in exc.errors]
    return api.create_response(request, {"detail": issues}, status=422)


# django-ninja's own refusals, in words and translatable.
NINJA_WORDS = {
    "Cannot parse request body": gettext_noop(
        "The body of the request could not be read: send JSON, as application/json, in UTF-8."
    ),
}


@api.exception_handler(AuthenticationError)
def _no_token(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    """No token, or one that is unknown, expired or revoked: what to send, not "Unauthorized".
    The SMS gateway's addresses take the gateway's secret, not a person's token."""
    if _for_gateway(request):
        message = _(
            "No gateway secret was sent: send AEGIS_SMS_WEBHOOK_SECRET as "
            "'Authorization: Bearer <secret>'."
        )
    else:
        message = _(
            "No valid API token was sent. Make one on your account's page and send it as "
            "'Authorization: Bearer <token>'."
        )
    response = api.create_response(request, {"detail": message}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="aegis"'  # RFC 9110: a 401 names its scheme
    return response


@api.exception_handler(DataError)
def _refused_by_database(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A value the database cannot take, such as a NUL character in a reference looked up
    on PostgreSQL: the request's fault, answered like a schema mismatch, never a 500. An
    atomic block the error crossed has rolled back, so nothing was stored."""
    issue = {
        "type": "unstorable_value",
        "loc": ["request"],
        "msg": _(
            "The request holds a value the database cannot take (such as a NUL "
            "character), so nothing was stored."
        ),
    }
    return api.create_response(request, {"detail": [issue]}, status=422)


@api.exception_handler(RuleError)
def _rule_broken(request: HttpRequest, exc: RuleError) -> HttpResponse:
    """A service refused the request: its message and the input it names. 400, or 422 where
    the operation documents the field-errors shape (cases, whose rules the web form checked
    first); 409 where the record's state refuses it (`Conflict`), 404 where a record it names
    is not found (`NotFound`), 403 where the person may not take the step (`NotAllowed`). The
    services write inside transactions, so nothing was stored."""
    message = str(exc.message)
    body: dict[str, Any] = {"detail": message, "field": exc.field}
    if exc.row is not None:
        body["row"] = exc.row
    if isinstance(exc, Conflict):
        return api.create_response(request, body, status=409)
    if isinstance(exc, NotFound):
        return api.create_response(request, body, status=404)
    if isinstance(exc, NotAllowed):
        return api.create_response(request, body, status=403)
    status = getattr(request, "rule_status", 400)
    if status == 422:
        body["errors"] = getattr(exc, "errors", None) or {exc.field or "__all__": [message]}
    return api.create_response(request, body, status=status)


class MeOut(Schema):
    username: str
    role: str | None


class TokenOut(Schema):
    id: uuid.UUID
    label: str
    created_at: datetime
    last_used_at: datetime | None


SIGNED_IN = RoleAuth("use_dashboard")


@api.get("/me", response=MeOut, tags=["accounts"], auth=SIGNED_IN)
def me(request: HttpRequest) -> dict[str, Any]:
    return {"username": request.user.get_username(), "role": request.user.role}  # type: ignore[union-attr]


@api.get("/tokens", response=list[TokenOut], tags=["accounts"], auth=SIGNED_IN)
def list_tokens(request: HttpRequest) -> Any:
    return list(account_selectors.tokens_of(request.user.pk))


@api.delete(
    "/tokens/{token_id}", response={204: None, 404: ErrorOut}, tags=["accounts"], auth=SIGNED_IN
)
def revoke_token(request: HttpRequest, token_id: uuid.UUID) -> Any:
    if not account_services.revoke_api_token(request.user, token_id):  # type: ignore[arg-type]
        raise HttpError(404, gettext_noop("There is no such token."))
    return Status(204, None)


def _mount_app_routers() -> None:
    from .advocacy.api import router as advocacy_router
    from .alerts.api import router as alerts_router
    from .cases.api import router as cases_router
    from .evidence.api import router as evidence_router
    from .exchange.api import router as exchange_router
    from .incidents.api import router as incidents_router
    from .intake.api import router as intake_router
    from .monitoring.api import router as monitoring_router
    from .reports.api import router as reports_router
    from .retention.api import router as retention_router
    from .risk.api import router as risk_router
    from .safety.api import router as safety_router
    from .support.api import router as support_router

    api.add_router("/cases", cases_router)
    api.add_router("/incidents", incidents_router)
    api.add_router("/evidence", evidence_router)
    api.add_router("/intake", intake_router)
    api.add_router("/risk", risk_router)
    api.add_router("/safety", safety_router)
    api.add_router("/alerts", alerts_router)
    api.add_router("/support", support_router)
    api.add_router("/advocacy", advocacy_router)
    api.add_router("/reports", reports_router)
    api.add_router("/exchange", exchange_router)
    api.add_router("/monitoring", monitoring_router)
    api.add_router("/retention", retention_router)


def _answer_model(operation: Operation, status: int) -> Any:
    model = operation.response_models.get(status)
    return None if model is None else model.model_fields["response"].annotation


def _document(operation: Operation, status: int, shape: type[Schema]) -> None:
    """Add `shape` to what `operation` may answer with `status`: either body, where it had
    one of another shape; its own, where that already extends `shape`."""
    known = _answer_model(operation, status)
    if isinstance(known, type) and issubclass(known, shape):
        return
    answer = shape if known is None else shape | known
    operation.response_models[status] = operation._create_response_model(answer)


def _answer_rules_with(operation: Operation, status: int) -> None:
    """Tell _rule_broken which status this operation documents for a broken rule."""
    view = operation.view_func

    @wraps(view)
    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        request.rule_status = status  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    operation.view_func = run


WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _document_common_errors() -> None:
    """The refusals every operation shares, in the OpenAPI schema: 401 and 403 where a token
    is needed, 400 and 415 where a JSON body is read (it may not parse, break a rule, or be
    sent as another type), 413 where any body is read (it may be too large), 422 where
    anything is read (it may not match the schema), 409 where a token writes something (the
    record's state may refuse it). Each operation that documents field errors for 422
    answers a broken rule with them."""
    for bound in api._get_bound_routers():
        for view in bound.path_operations.values():
            for operation in view.operations:
                known = _answer_model(operation, 422)
                if isinstance(known, type) and issubclass(known, FieldErrorsOut):
                    _answer_rules_with(operation, 422)
                if operation.auth_callbacks:
                    _document(operation, 401, ErrorOut)
                    _document(operation, 403, ErrorOut)
                sources = {model.__ninja_param_source__ for model in operation.models}
                if "body" in sources:
                    _document(operation, 400, RuleErrorOut)
                    _document(operation, 415, ErrorOut)
                if sources & {"body", "form", "file"}:  # past DATA_UPLOAD_MAX_MEMORY_SIZE
                    _document(operation, 413, ErrorOut)
                if sources:
                    _document(operation, 422, ValidationErrorOut)
                if operation.auth_callbacks and set(operation.methods) & WRITES:
                    _document(operation, 409, RuleErrorOut)


_mount_app_routers()
_document_common_errors()
