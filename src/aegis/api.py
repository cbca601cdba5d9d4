"""The REST API at /api/v1/. Bearer tokens unlock their own copy of the user's key."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Schema, Status, Swagger
from ninja.errors import HttpError
from ninja.security import HttpBearer

from .accounts import selectors as account_selectors
from .accounts import services as account_services
from .vault.keychain import unlocked


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = account_services.authenticate_token(token)
        if found is None:
            return None
        request.user, request.keychain = found  # type: ignore[attr-defined]
        return found[0]


api = NinjaAPI(
    title="Aegis API",
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


def require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(f"accounts.{permission}"):
        raise HttpError(403, "Your role does not allow this.")


class RoleAuth(TokenAuth):
    """The bearer token, then the role: refused (403) before the body is even read."""

    def __init__(self, permission: str) -> None:
        super().__init__()
        self.permission = permission

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = super().authenticate(request, token)
        if user is not None:
            require(request, self.permission)
        return user


class MeOut(Schema):
    username: str
    role: str | None


class TokenOut(Schema):
    id: uuid.UUID
    label: str
    created_at: datetime
    last_used_at: datetime | None


@api.get("/me", response=MeOut, tags=["accounts"])
def me(request: HttpRequest) -> dict[str, Any]:
    require(request, "use_dashboard")
    with unlocked(request.keychain):  # type: ignore[attr-defined]
        return {"username": request.user.get_username(), "role": request.user.role}  # type: ignore[union-attr]


@api.get("/tokens", response=list[TokenOut], tags=["accounts"])
def list_tokens(request: HttpRequest) -> Any:
    require(request, "use_dashboard")
    return list(account_selectors.tokens_of(request.user.pk))


@api.delete("/tokens/{token_id}", response={204: None}, tags=["accounts"])
def revoke_token(request: HttpRequest, token_id: uuid.UUID) -> Any:
    require(request, "use_dashboard")
    if not account_services.revoke_api_token(request.user, token_id):  # type: ignore[arg-type]
        raise HttpError(404, "There is no such token.")
    return Status(204, None)


def _mount_app_routers() -> None:
    from .alerts.api import router as alerts_router
    from .cases.api import router as cases_router
    from .evidence.api import router as evidence_router
    from .incidents.api import router as incidents_router
    from .intake.api import router as intake_router
    from .risk.api import router as risk_router
    from .safety.api import router as safety_router

    api.add_router("/cases", cases_router)
    api.add_router("/incidents", incidents_router)
    api.add_router("/evidence", evidence_router)
    api.add_router("/intake", intake_router)
    api.add_router("/risk", risk_router)
    api.add_router("/safety", safety_router)
    api.add_router("/alerts", alerts_router)


_mount_app_routers()
