"""Who may call the API, and with which keys. Every app's `api.py` names its role here.

A bearer token unlocks its own copy of the user's key (`TokenAuth`); `RoleAuth(permission)`
then checks the role, before the body is even read. `keys_unlocked`, added to every operation
where the routers are mounted, opens that key for the length of the endpoint and closes it
after, as `accounts.middleware.KeychainMiddleware` does for a page: endpoints just read."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from .accounts import services as account_services
from .vault.keychain import unlocked


class TokenAuth(HttpBearer):
    """The bearer token; the request carries the user and the key the token unlocked."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = account_services.authenticate_token(token)
        if found is None:
            return None
        request.user, request.keychain = found  # type: ignore[attr-defined]
        return found[0]


class RoleAuth(TokenAuth):
    """The bearer token, then the role: refused (403) before the body is even read."""

    def __init__(self, permission: str) -> None:
        super().__init__()
        self.permission = permission

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = super().authenticate(request, token)
        if user is not None and not user.has_perm(f"accounts.{self.permission}"):
            raise HttpError(403, "Your role does not allow this.")
        return user


def keys_unlocked(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Run the endpoint with the keys its token unlocked, closed again when it returns or
    raises. Without a token (intake's public endpoints, the SMS gateway) nothing is opened."""

    @wraps(endpoint)
    def with_keys(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        keychain = getattr(request, "keychain", None)
        with unlocked(keychain) if keychain is not None else contextlib.nullcontext():
            return endpoint(request, *args, **kwargs)

    return with_keys
