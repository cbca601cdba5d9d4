"""Thin views: sign-in, sign-out, password, API tokens, user administration."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aegis.access import found, public, requires
from aegis.roles import Role, needs_search_key
from aegis.rules import RuleError, flash_refusal
from aegis.vault.keychain import current
from aegis.vault.selectors import holds_search_key, keys_destroyed

from . import lifecycle, once, selectors, services, session_keys, throttle
from .forms import ApiTokenForm, PasswordChangeForm, SignInForm, UserCreateForm


@public
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            cookie = services.sign_in(
                request,
                form.cleaned_data["username"],
                form.cleaned_data["password"],
                form.cleaned_data["code"],
            )
        except services.SignInFailed as failure:
            wait = failure.wait_seconds
            return render(
                request,
                "accounts/login.html",
                {
                    # The name typed stays (a phone's keyboard made typing it again a chore);
                    # the password and the code do not.
                    "form": SignInForm(initial={"username": form.cleaned_data["username"]}),
                    "error": SignInForm.wait_message(wait) if wait else SignInForm.FAILED_MESSAGE,
                    "waiting": bool(wait),
                },
                status=429 if wait else 200,
            )
        target = request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
            target = ""
        response = redirect(target or "dashboard")
        session_keys.set_cookie(response, cookie)
        throttle.trust_device(request, response, form.cleaned_data["username"])
        request.new_key_cookie = True  # type: ignore[attr-defined]
        return response
    if request.method == "POST":
        error = SignInForm.FAILED_MESSAGE
    return render(request, "accounts/login.html", {"form": form, "error": error})


@public
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        logout(request)
        response = redirect("accounts:login")
        response.delete_cookie(session_keys.COOKIE)
        # The panic page's token no longer raises an alert from this browser.
        session_keys.forget_panic_cookie(response)
        messages.info(request, _("You are signed out. Your keys are locked away."))
        return response
    return render(request, "accounts/logout.html")


@requires("use_dashboard")
@require_http_methods(["GET", "POST"])
def password_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        old = form.cleaned_data["old_password"]
        # Throttled as the token page is: an open session is no way to guess the password.
        if problem := services.password_problem(request, request.user, old):  # type: ignore[arg-type]
            form.add_error("old_password", problem)
            return render(request, "accounts/password.html", {"form": form})
        try:
            cookie = services.change_password(
                request,
                request.user,  # type: ignore[arg-type]
                old,
                form.cleaned_data["new_password"],
            )
        except services.vault.WrongPassphrase:
            form.add_error("old_password", _("This is not your current password."))
        else:
            messages.success(
                request, _("Your password is changed and your keys are sealed under it.")
            )
            response = redirect("dashboard")
            session_keys.set_cookie(response, cookie)
            return response
    return render(request, "accounts/password.html", {"form": form})


@requires("use_dashboard")
@require_http_methods(["GET", "POST"])
def tokens_view(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        user = request.user
        if problem := services.password_problem(request, user, form.cleaned_data["password"]):  # type: ignore[arg-type]
            form.add_error("password", problem)
        else:
            new_token = services.create_api_token(user, form.cleaned_data["label"], current())  # type: ignore[arg-type]
            form = ApiTokenForm()
    tokens = selectors.tokens_of(request.user.pk)
    response = render(
        request, "accounts/tokens.html", {"form": form, "tokens": tokens, "new_token": new_token}
    )
    if new_token is not None:  # shown once: sent again, the form makes no second token
        once.lead_again_to(response, reverse("accounts:tokens"))
    return response


@requires("use_dashboard")
@require_POST
def token_revoke_view(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    if services.revoke_api_token(request.user, token_id):  # type: ignore[arg-type]
        messages.success(request, _("The token is revoked and its key copy destroyed."))
    else:
        messages.error(request, _("There is no such token."))
    return redirect("accounts:tokens")


@requires("manage_users")
@require_safe
def users_view(request: HttpRequest) -> HttpResponse:
    page = selectors.users_page(request.GET.get("page"))
    holders = selectors.search_key_holders_among([u.pk for u in page.object_list])
    destroyed = keys_destroyed(u.pk for u in page.object_list)
    for u in page.object_list:
        # None: the role does not search; else whether the search key is theirs yet.
        u.search_access = (u.pk in holders) if needs_search_key(u.role) else None
        u.key_destroyed = u.pk in destroyed
    return render(request, "accounts/users.html", {"page": page})


@requires("manage_users")
@require_http_methods(["GET", "POST"])
def user_create_view(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if selectors.username_taken(form.cleaned_data["username"]):
            form.add_error("username", _("Someone already has this username."))
        else:
            # The person sets up their own authenticator at first sign-in: the administrator
            # never sees its secret or the backup codes.
            try:
                user = lifecycle.invite_user(
                    form.cleaned_data["username"],
                    form.cleaned_data["password"],
                    Role(form.cleaned_data["role"]),
                    actor_id=request.user.pk,
                )
            except RuleError as refusal:
                form.add_error(None, str(refusal))
                return render(request, "accounts/user_form.html", {"form": form})
            return render(
                request,
                "accounts/enrolment.html",
                {"person": user, "search_pending": needs_search_key(user.role)},
            )
    return render(request, "accounts/user_form.html", {"form": form})


# --- Search key ---------------------------------------------------------------------------


@requires("coordinate")
@require_safe
def search_access_view(request: HttpRequest) -> HttpResponse:
    holds = holds_search_key(request.user.pk)
    context = {
        "pending": selectors.search_access_pending(),
        "holds": holds,
        "givers": [] if holds else selectors.search_key_givers(),
    }
    return render(request, "accounts/search_access.html", context)


@requires("coordinate")
@require_POST
def search_access_grant_view(request: HttpRequest, user_id: int) -> HttpResponse:
    user = found(selectors.user_by_id(user_id))
    with flash_refusal(request):
        granted = services.grant_search_access(user, actor=request.user)  # type: ignore[arg-type]
        text = (
            _("%(name)s now holds the search key: they can add people and search by name.")
            if granted
            else _("%(name)s already holds the search key.")
        )
        messages.success(request, text % {"name": user.get_username()})
    return redirect("accounts:search-access")
