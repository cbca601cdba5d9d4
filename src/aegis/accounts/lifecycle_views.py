"""Thin views of the account lifecycle: the administrator's page for one person, the role
change with its consequences, and the person's own enrolment at first sign-in."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_otp import login as otp_login

from aegis import confirm
from aegis.access import found, public, requires
from aegis.roles import ROLE_LABELS, Role
from aegis.rules import RuleError, flash_refusal, show_on
from aegis.vault.selectors import keys_destroyed

from . import channels, lifecycle, selectors
from .forms import ChannelsForm, EnrolForm, RoleChangeForm
from .models import User


def _person(user_id: int) -> User:
    return found(selectors.user_by_id(user_id))


@requires("manage_users")
@require_safe
def user_detail_view(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _person(user_id)
    context = {
        "person": person,
        "enrolled": selectors.has_authenticator(person),
        "role_form": RoleChangeForm(initial={"role": person.role.value if person.role else ""}),
        "channels": channels.channels_set(person),
        "key_destroyed": bool(keys_destroyed([person.pk])),
    }
    return render(request, "accounts/user_detail.html", context)


ACTIONS = {
    "deactivate": lifecycle.deactivate,
    "reactivate": lifecycle.reactivate,
    "reset-2fa": lifecycle.reset_two_factor,
    "unlock": lifecycle.unlock,
    "require-password": lifecycle.require_password_change,
}


def _done_message(action: str) -> str:
    # Spelled out so the translation tools find each message.
    return {
        "deactivate": _("%(name)s is deactivated: signed out everywhere, API tokens revoked."),
        "reactivate": _("%(name)s can sign in again."),
        "reset-2fa": _("%(name)s sets up a new authenticator at their next sign-in."),
        "unlock": _("Failed sign-ins of %(name)s are forgotten: they can try now."),
        "require-password": _("%(name)s must choose a new password before anything else."),
    }[action]


def _question(action: str, person: User) -> dict[str, str] | None:
    """What the administrator is asked before an action that signs a colleague out or stops
    their work at once (a click on the wrong row had done it without a word); None for the
    harmless ones, done at one click."""
    name = {"name": person.get_username()}
    questions = {
        "deactivate": (
            _("Deactivate %(name)s?"),
            _("Ends their sessions and API tokens at once; their keys stay for a reactivation."),
            _("Deactivate"),
        ),
        "reset-2fa": (
            _("Reset the two-factor sign-in of %(name)s?"),
            _("They set up a new authenticator and get new backup codes at their next sign-in."),
            _("Reset two-factor"),
        ),
        "require-password": (
            _("Require %(name)s to change their password?"),
            _(
                "Their next page asks them for a new password before anything else, and "
                "their API tokens are revoked now."
            ),
            _("Require a password change"),
        ),
    }
    if action not in questions:
        return None
    question, consequence, button = questions[action]
    return {"question": question % name, "consequence": consequence, "button": button}


@requires("manage_users")
@require_http_methods(["GET", "POST"])
def user_action_view(request: HttpRequest, user_id: int, action: str) -> HttpResponse:
    person = _person(user_id)
    if action not in ACTIONS:
        raise Http404
    if request.method != "POST":
        asked = _question(action, person)
        if asked is None:
            return redirect("accounts:user", user_id=person.pk)
        return confirm.ask(request, **asked, back=reverse("accounts:user", args=[person.pk]))
    with flash_refusal(request):
        ACTIONS[action](person, actor=request.user)
        messages.success(request, _done_message(action) % {"name": person.get_username()})
    return redirect("accounts:user", user_id=person.pk)


@requires("manage_users")
@require_http_methods(["GET", "POST"])
def user_role_view(request: HttpRequest, user_id: int) -> HttpResponse:
    """GET ?role=…: what the change would do; POST with confirm: do it."""
    person = _person(user_id)
    form = RoleChangeForm(request.POST or request.GET or None)
    if form.is_valid():
        new_role = Role(form.cleaned_data["role"])
        if request.method == "POST":
            with flash_refusal(request):
                lifecycle.change_role(
                    person,
                    new_role,
                    actor=request.user,
                    leave_compartments=form.cleaned_data["leave_compartments"],
                )
                messages.success(
                    request,
                    _("%(name)s now has the role %(role)s.")
                    % {"name": person.get_username(), "role": person.role_label},
                )
            return redirect("accounts:user", user_id=person.pk)
        change = lifecycle.role_change(person, new_role)
        confirm = RoleChangeForm(initial={"role": new_role.value, "leave_compartments": True})
        return render(
            request,
            "accounts/user_role.html",
            {
                "person": person,
                "change": change,
                "form": confirm,
                "new_label": ROLE_LABELS[new_role],
            },
        )
    return redirect("accounts:user", user_id=person.pk)


@public
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    """The person's own authenticator set-up, reached only from a first sign-in (or one after
    a reset): the secret and backup codes are shown to them alone, once."""
    user = request.user
    if not user.is_authenticated or not user.must_enrol:
        return redirect("dashboard")
    device = lifecycle.pending_device(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = lifecycle.confirm_enrolment(user, form.cleaned_data["code"])
        if done is not None:
            confirmed, codes = done
            otp_login(request, confirmed)
            return render(
                request,
                "accounts/enrolled.html",
                {"codes": codes, "must_change_password": user.must_change_password},
            )
        form.add_error("code", _("This code does not match. Check the app's clock and try again."))
    svg = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    context = {
        "form": form,
        "qr": mark_safe(svg.to_string(encoding="unicode")),  # noqa: S308 (our own SVG)
        "secret": selectors.totp_secret(device),
        "uri": device.config_url,
    }
    return render(request, "accounts/enrol.html", context)


def _save_channels(request: HttpRequest, form: ChannelsForm, user: User) -> bool:
    if not form.is_valid():
        return False
    try:
        channels.set_channels(user, form.cleaned_data, actor_id=request.user.pk)
    except RuleError as refused:
        show_on(form, refused)
        return False
    return True


@requires("use_dashboard")
@require_http_methods(["GET", "POST"])
def my_channels_view(request: HttpRequest) -> HttpResponse:
    """The person's own channels: they hold the key, so they see and change the values."""
    user: User = request.user  # type: ignore[assignment]
    form = ChannelsForm(request.POST or None, initial=channels.own_values(user))
    if request.method == "POST" and _save_channels(request, form, user):
        messages.success(request, _("Your contact channels are saved, sealed."))
        return redirect("accounts:contact")
    return render(request, "accounts/channels.html", {"form": form, "person": None})


@requires("manage_users")
@require_http_methods(["GET", "POST"])
def user_channels_view(request: HttpRequest, user_id: int) -> HttpResponse:
    """The administrator replaces a person's channels but cannot read the current ones: the
    form starts empty and says which are set."""
    person = _person(user_id)
    form = ChannelsForm(request.POST or None)
    if request.method == "POST" and _save_channels(request, form, person):
        messages.success(
            request,
            _("The contact channels of %(name)s are replaced.") % {"name": person.username},
        )
        return redirect("accounts:user", user_id=person.pk)
    context = {"form": form, "person": person, "channels": channels.channels_set(person)}
    return render(request, "accounts/channels.html", context)
