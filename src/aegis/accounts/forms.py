from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aegis.roles import ROLE_LABELS, Role

from . import channels, services

# The rules a new password must meet, in the reader's language, shown before a refusal.
_password_rules = lazy(password_validation.password_validators_help_text_html, str)


def password_field(label: object, autocomplete: str, rules: bool = False) -> forms.CharField:
    """Passwords are never stripped, and browsers are told which password is meant. A new
    one comes with the rules it must meet (`rules`), tied to the field for screen readers."""
    widget = forms.PasswordInput(attrs={"autocomplete": autocomplete})
    return forms.CharField(
        label=label,  # type: ignore[arg-type]
        strip=False,
        widget=widget,
        help_text=_password_rules() if rules else "",
    )


class SignInForm(forms.Form):
    # One message for every failure, so nobody learns which part was wrong.
    FAILED_MESSAGE = _(
        "We could not sign you in with these details. Check your username, your password and "
        "the 6-digit code from your authenticator app, then try again."
    )

    @staticmethod
    def wait_message(seconds: int) -> str:
        return ngettext(
            "There were too many failed attempts to sign in to this account. Wait %(seconds)d "
            "second and try again.",
            "There were too many failed attempts to sign in to this account. Wait %(seconds)d "
            "seconds and try again.",
            seconds,
        ) % {"seconds": seconds}

    username = forms.CharField(label=_("Username"), max_length=150)
    password = password_field(_("Password"), "current-password")
    # Backup codes are letters and digits, so the field is a plain text field (no numeric
    # keypad), and it may stay empty at the first sign-in, before there is an authenticator.
    code = forms.CharField(
        label=_("Code from your authenticator app (or a backup code)"),
        max_length=16,
        required=False,
        help_text=_(
            "The 6 digits from your authenticator app, or one of your backup codes (letters and "
            "digits, each works once). At your first sign-in, before you have set up an "
            "authenticator, leave it empty."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )


class PasswordChangeForm(forms.Form):
    old_password = password_field(_("Current password"), "current-password")
    new_password = password_field(_("New password"), "new-password", rules=True)
    new_password_again = password_field(_("New password again"), "new-password")

    def __init__(self, user: object, *args: object, **kwargs: object) -> None:
        self.user = user
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        new = data.get("new_password")
        if new and new != data.get("new_password_again"):
            raise forms.ValidationError(_("The two new passwords are not the same."))
        if new and new == data.get("old_password"):
            # The first password was chosen by the administrator: typed again, it would stay
            # known to them while the account said the person had chosen their own.
            self.add_error(
                "new_password",
                _("Choose a new password: this one is your current password."),
            )
            return data
        if new:
            password_validation.validate_password(str(new), self.user)  # type: ignore[arg-type]
        return data


class UserCreateForm(forms.Form):
    # Usernames are stored in clear (sign-in looks them up) and a defender's account is
    # linked to their person record: a real name or an email address there names them to
    # whoever copies the database.
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("Use letters, digits and . @ + - _ only.")},
        help_text=_(
            "Stored unencrypted and linked to the person's record: use neither a real name "
            "nor an email address (a nickname or a code works)."
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, ROLE_LABELS[r]) for r in Role])
    password = password_field(
        _("First password (the person changes it after signing in)"), "new-password", rules=True
    )

    def clean_username(self) -> str:
        username = str(self.cleaned_data["username"])
        if problem := services.username_problem(username):
            raise ValidationError(problem, code="username")
        return username

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password"):
            password_validation.validate_password(str(data["password"]))
        return data


class ApiTokenForm(forms.Form):
    # Token labels are not encrypted: the form says so.
    label = forms.CharField(
        label=_("What is this token for?"),
        max_length=80,
        help_text=_("Stored unencrypted: never put the name of a person or a place here."),
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_(
            "Asked again: a token opens your records without signing in, for as long as it "
            "is not revoked."
        ),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code your authenticator app shows now"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("New role"), choices=[(r.value, ROLE_LABELS[r]) for r in Role])
    leave_compartments = forms.BooleanField(
        label=_("Remove them from these compartments (their record keys are deleted)"),
        required=False,
        initial=True,
    )


class ChannelsForm(forms.Form):
    """Where alerts reach a staff member; each is optional."""

    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone for SMS"), max_length=40, required=False)
    signal = forms.CharField(label=_("Signal number"), max_length=40, required=False)
    matrix = forms.CharField(label=_("Matrix id"), max_length=255, required=False)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        # Every wrong value at once; the service checks them again for the API.
        for problem in channels.problems(cleaned):
            if problem.field not in self.errors:
                self.add_error(problem.field, str(problem.message))
        return cleaned
