"""Access rules. Every view declares one: `public` or `requires(permission)`. The role matrix
test walks the URLconf and fails for any view without a rule.

A core helper, not part of the accounts app: every app's pages use it, the audit log's among
them, and accounts writes audit entries (docs/decisions.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


@dataclass(frozen=True)
class AccessRule:
    permission: str | None  # None: public

    @property
    def public(self) -> bool:
        return self.permission is None


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    view.access_rule = AccessRule(None)  # type: ignore[attr-defined]
    return view


def requires(
    permission: str,
    *alternatives: str,
    signed_out: Callable[..., HttpResponse] | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Signed in with both factors and holding `accounts.<permission>` (or one of the
    alternatives); else login or 403. `signed_out`, where given, answers a request that is
    not signed in instead of the login redirect (the panic form sent after the session
    ended): it sees nothing the view would, and decides for itself what it may do."""
    permissions = (permission, *alternatives)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or not user.is_verified():  # type: ignore[attr-defined]
                if signed_out is not None:
                    return signed_out(request, *args, **kwargs)
                return redirect_to_login(request.get_full_path())
            if not any(user.has_perm(f"accounts.{p}") for p in permissions):
                return render(request, "403.html", {"written": written_in(request)}, status=403)
            return view(request, *args, **kwargs)

        wrapper.access_rule = AccessRule(permission)  # type: ignore[attr-defined]
        return wrapper

    return decorate


# What a form carries that the person did not write, or must never be shown again.
NOT_WRITTEN = frozenset({"csrfmiddlewaretoken", "sent_once", "seen", "action", "next"})
SECRET_PARTS = ("password", "passphrase", "secret", "token", "otp", "code", "duress", "key")
URLENCODED = "application/x-www-form-urlencoded"


def written_in(request: HttpRequest) -> list[tuple[str, str]]:
    """What a signed-in person wrote in a form that was refused (403, 404): their access to
    the record went while the page was open (taken out of its compartment, another role).
    Shown back to them alone, so that nothing typed is lost; never a secret."""
    user = getattr(request, "user", None)
    if request.method != "POST" or user is None or not user.is_authenticated:
        return []
    if request.content_type != URLENCODED:
        return []  # a multipart body is its view's to read (files.handlers)
    try:
        sent = request.POST.lists()
    except (RequestDataTooBig, TooManyFieldsSent):
        return []
    return [
        (name, value.strip())
        for name, values in sent
        if name not in NOT_WRITTEN and not any(part in name.lower() for part in SECRET_PARTS)
        for value in values
        if value.strip()
    ]


def before_password_change(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page a person asked to choose a new password still reaches before doing so
    (accounts' FirstSignInMiddleware): the panic button, which must never wait on a form."""
    view.before_password_change = True  # type: ignore[attr-defined]
    return view


Found = TypeVar("Found")


def found(record: Found | None, message: Any = None) -> Found:
    """The record a selector found, else 404 (with `message`, if given). Selectors find only
    what the reader may see, so a record outside their compartments answers exactly like a
    missing one."""
    if record is None:
        raise Http404(message) if message is not None else Http404
    return record
