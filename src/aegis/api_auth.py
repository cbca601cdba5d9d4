"""Who may call the API, and with which keys. Every app's `api.py` names its role here.

A bearer token unlocks its own copy of the user's key (`TokenAuth`); `RoleAuth(permission)`
then checks the role, before the body is even read. `keys_unlocked`, added to every operation
where the routers are mounted, opens that key for the length of the endpoint and closes it
after, as `accounts.middleware.KeychainMiddleware` does for a page.

As on a page, a read (GET, HEAD) opens the record keys of what it answers with where its
selector or endpoint says so (`vault.selectors.open_records`, in one batch and one audit
entry for the call); reading a protected field whose key was not opened raises KeyNotOpened.
The answer is serialised by django-ninja after the endpoint returns, when the keys are closed
again, so an endpoint builds its answer (plain values) inside; a paginated list
(`api_schemas.Pages`) hands back rows whose protected fields nobody reads."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_noop
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
            raise HttpError(403, gettext_noop("Your role does not allow this."))
        return user


def keys_unlocked(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Run the endpoint with the keys its token unlocked, closed again when it returns or
    raises (explicit opening for a read, as for a page). Without a token (intake's public
    endpoints, the SMS gateway) nothing is opened."""

    @wraps(endpoint)
    def with_keys(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        keychain = getattr(request, "keychain", None)
        if keychain is not None:
            keychain.explicit = request.method in ("GET", "HEAD")
        with unlocked(keychain) if keychain is not None else contextlib.nullcontext():
            return endpoint(request, *args, **kwargs)

    return with_keys
