"""Unlock the signed-in user's key for the length of one request."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aegis.vault.keychain import NoKeyAccess, NoSearchKey, unlocked

from . import selectors, session_keys

SESSION_ENDED = _(
    "Your session has ended, so your keys were locked away. Sign in again to continue."
)


class SessionRefreshMiddleware:
    """Idle expiry without a database write per request: a signed-in session's expiry is
    pushed forward (its row saved) when it was last saved more than
    SESSION_REFRESH_SECONDS ago, so it ends that much sooner at worst. The health check
    never writes: a monitor polling it would otherwise keep a session alive and write."""

    STAMP = "_refreshed_at"
    EXEMPT = ("/healthz", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            session is None
            or request.path.startswith(self.EXEMPT)
            or session.session_key is None
            or session.is_empty()
        ):
            return response
        now = int(time.time())
        if now - int(session.get(self.STAMP, 0)) >= settings.SESSION_REFRESH_SECONDS:
            session[self.STAMP] = now  # marks it modified: SessionMiddleware saves it
        return response


class PrivateAnswersMiddleware:
    """Nothing answered to a signed-in person (a page, or the API with a token) is kept by the
    browser or a proxy: on a shared computer the back button or the history showed case
    pages after sign-out. What is the same for everyone (a public chart) keeps its own
    caching, except a page, which carries the reader's menu and name."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        shared = "public" in response.get("Cache-Control", "")
        if not shared or response.get("Content-Type", "").startswith("text/html"):
            response["Cache-Control"] = "private, no-store"
        return response


class KeychainMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return self.get_response(request)  # the API unlocks with its bearer token
        ended = False
        keychain = None
        if request.user.is_authenticated:
            keychain = session_keys.keychain_for(request, request.user.pk)
            # A page that only shows records opens the keys of what it shows, where its
            # selector or view says so; a write opens the record it changes.
            if keychain is not None and request.method in ("GET", "HEAD"):
                keychain.explicit = True
            if keychain is None:
                logout(request)
                ended = True
        elif session_keys.COOKIE in request.COOKIES:
            ended = True  # a key cookie without a live session: it expired
        if ended:
            request.session_ended = True  # type: ignore[attr-defined]
            messages.warning(request, SESSION_ENDED)
        context = unlocked(keychain) if keychain else contextlib.nullcontext()
        with context:
            response = self.get_response(request)
        if ended and not getattr(request, "new_key_cookie", None):
            response.delete_cookie(session_keys.COOKIE)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A form that stores or looks up a name, phone or identity document without the
        search key: say what is missing and who can give it, not a server error. The
        service's transaction has already rolled back, so nothing is half-written.

        Any other key the account does not hold yet (a person given a role after the
        records were made, before a colleague passed the keys on): say so, not a server
        error. The API answers these itself (api.py)."""
        if not isinstance(exception, NoKeyAccess) or request.path.startswith("/api/"):
            return None
        if isinstance(exception, NoSearchKey):
            context = {"message": str(exception), "givers": selectors.search_key_givers()}
            return render(request, "accounts/search_key_missing.html", context, status=403)
        writing = request.method not in ("GET", "HEAD")
        return render(request, "accounts/key_not_held.html", {"writing": writing}, status=403)


class FirstSignInMiddleware:
    """A person who must set up their authenticator, or choose a new password, sees only the
    page for that (and signing out) until it is done. Checked on every request, so an
    administrator's "require a password change" reaches sessions that are already open."""

    EXEMPT = ("/static/", "/i18n/", "/api/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        """Decided once the address is known to be a page (a missing one is still a 404): a
        page marked access.before_password_change is reached before the new password."""
        user = request.user
        if not user.is_authenticated or request.path.startswith(self.EXEMPT):
            return None
        target = None
        if user.must_enrol:
            target = "accounts:enrol"
        elif user.must_change_password and user.is_verified():  # type: ignore[attr-defined]
            if getattr(view, "before_password_change", False):
                return None
            target = "accounts:password"
        if target and request.path not in (reverse(target), reverse("accounts:logout")):
            return redirect(target)
        return None
