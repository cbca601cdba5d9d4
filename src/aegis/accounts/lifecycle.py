"""The administrator's account lifecycle: invite, deactivate, reactivate, change role, reset
the second factor, unlock, require a password change; and the person's own enrolment of an
authenticator at their first sign-in. Every action is audited.

The administrator holds no case key, so nothing here unwraps or re-seals a key: deactivating
keeps the person's key wraps (a reactivated account opens what it opened before), and a role
change that leaves compartments only deletes wraps (vault.revoke needs no key). Compartments
belong to cases, which builds on accounts: they are reached through hooks.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aegis.audit import services as audit
from aegis.roles import ROLE_PERMISSIONS, Role, needs_search_key
from aegis.rules import RuleError
from aegis.vault import services as vault
from aegis.vault.selectors import keypair_for_user

from . import hooks, throttle
from .models import User
from .services import BACKUP_CODES, revoke_api_tokens, role_group


@transaction.atomic
def invite_user(username: str, password: str, role: Role, *, actor_id: int | None) -> User:
    """An account the person completes themselves: at their first sign-in they set up their
    authenticator (the administrator never sees its secret or the backup codes) and then
    replace the first password."""
    group = role_group(role)
    user = User.objects.create_user(
        username=username, password=password, must_enrol=True, must_change_password=True
    )
    user.groups.add(group)
    try:
        vault.create_user_keypair(user, password)
    except vault.WipeKeyMissing as missing:  # logged with its path; nothing is kept
        raise RuleError(WIPE_KEY_MISSING) from missing
    audit.record("user.create", actor_id=actor_id, object_type="user", object_id=user.pk)
    return user


WIPE_KEY_MISSING = gettext_lazy(
    "No account can be created now: the instance's wipe key is missing or damaged, so nobody "
    "can sign in either. The server's log says where it belongs; the system administrator "
    "puts it back from the last backup."
)


def end_sessions(user: Any) -> int:
    """Delete every live session of this person, and with each the encrypted copy of their
    private key it carried (session_keys.py). Returns how many."""
    ended = [
        s.pk
        for s in Session.objects.filter(expire_date__gt=timezone.now())
        if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def _guard(user: User, actor: Any) -> None:
    if user.pk == actor.pk:
        raise RuleError(_("You cannot do this to your own account."))


@transaction.atomic
def deactivate(user: User, *, actor: Any) -> None:
    """Sign the person out everywhere and revoke their API tokens (each held a copy of their
    key); their key wraps stay, so reactivating gives back exactly what they had."""
    _guard(user, actor)
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    end_sessions(user)
    revoke_api_tokens(user, actor_id=actor.pk)  # each revocation in the log, as elsewhere
    audit.record("user.deactivate", actor_id=actor.pk, object_type="user", object_id=user.pk)


@transaction.atomic
def reactivate(user: User, *, actor: Any) -> None:
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    audit.record("user.reactivate", actor_id=actor.pk, object_type="user", object_id=user.pk)
    hooks.reactivated.send(sender=User, user=user, actor_id=actor.pk)


@transaction.atomic
def reset_two_factor(user: User, *, actor: Any) -> None:
    """Remove the authenticator and backup codes; the person sets up new ones themselves at
    their next sign-in (with their password), and their open sessions end now, and their API
    tokens with them (a lost phone may have held one)."""
    _guard(user, actor)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(must_enrol=True)
    user.must_enrol = True
    end_sessions(user)
    revoke_api_tokens(user, actor_id=actor.pk)
    audit.record("user.2fa_reset", actor_id=actor.pk, object_type="user", object_id=user.pk)


@transaction.atomic
def unlock(user: User, *, actor: Any) -> int:
    """Clear the sign-in throttle's counts for this account from every browser (there is no
    hard lock: the throttle only makes attempts wait). Returns how many buckets were cleared."""
    cleared = throttle.unlock(user.get_username())
    audit.record("user.unlock", actor_id=actor.pk, object_type="user", object_id=user.pk)
    return cleared


@transaction.atomic
def require_password_change(user: User, *, actor: Any) -> None:
    """The person's next page is the password page, until they have chosen a new one. The
    administrator cannot set it for them: the person's key is sealed under their password.
    Their API tokens are revoked now (the API has no password page to send anyone to), and
    the new password comes with a new key (services.change_password)."""
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    user.must_change_password = True
    revoke_api_tokens(user, actor_id=actor.pk)
    audit.record(
        "user.password_change_required", actor_id=actor.pk, object_type="user", object_id=user.pk
    )


# --- Role change -----------------------------------------------------------------------------


@dataclass
class RoleChange:
    """What changing `user` to `new_role` would do, shown before it is done."""

    user: User
    new_role: Role
    compartments: list[Any] = field(default_factory=list)  # memberships the new role lacks use for
    loses_search_key: bool = False
    needs_compartments: bool = False  # the new role works in compartments a coordinator gives
    # A responder given a case role: their memberships carry alert keys alone, so they leave
    # them (whatever the form says) and a member adds them again with every key.
    alert_keys_only: bool = False


def _case_access(role: Role | None) -> bool:
    return role is not None and "view_cases" in ROLE_PERMISSIONS[role]


def _in_compartments(role: Role | None) -> bool:
    """Roles that are compartment members: case staff, and responders (alert keys only)."""
    return _case_access(role) or (
        role is not None and "respond_to_alerts" in ROLE_PERMISSIONS[role]
    )


def role_change(user: User, new_role: Role) -> RoleChange:
    old = user.role
    change = RoleChange(user=user, new_role=new_role)
    if _in_compartments(old) and not _case_access(new_role) and old != new_role:
        # Their wraps were made for the old role: a caseworker's record keys are more than a
        # responder needs, and other roles have no use for compartments at all. A coordinator
        # adds them again as the new role if they should stay.
        change.compartments = hooks.compartments_of(user)
    elif _in_compartments(old) and not _case_access(old) and _case_access(new_role):
        # A responder's wraps are the alert keys alone: kept as a member, they would open no
        # case, grant or referral, and adding them again did nothing (already a member).
        change.compartments = hooks.compartments_of(user)
        change.alert_keys_only = bool(change.compartments)
    keypair = keypair_for_user(user.pk)
    index = vault.index_key_id()
    if keypair is not None and index is not None and not needs_search_key(new_role):
        change.loses_search_key = keypair.wraps.filter(data_key_id=index).exists()
    change.needs_compartments = _case_access(new_role) and not _case_access(old)
    return change


@transaction.atomic
def change_role(
    user: User, new_role: Role, *, actor: Any, leave_compartments: bool = True
) -> RoleChange:
    """Give the person `new_role`. Their compartment memberships (and the record keys wrapped
    to them) are removed when the new role has no case access and `leave_compartments`, and
    always when a responder (alert keys only) is given a case role; the
    search key is taken back when the new role does not search. Nothing is unwrapped."""
    _guard(user, actor)
    group = role_group(new_role)
    change = role_change(user, new_role)
    user.groups.remove(*Group.objects.filter(name__in=[r.value for r in Role]))
    user.groups.add(group)
    if hasattr(user, "_perm_cache"):
        del user._perm_cache
    if leave_compartments or change.alert_keys_only:
        for compartment in change.compartments:
            hooks.leave_compartment(compartment, user, actor_id=actor.pk)
    keypair = keypair_for_user(user.pk)
    if change.loses_search_key and keypair is not None:
        vault.revoke(vault.index_key_id(), keypair, actor_id=actor.pk)  # type: ignore[arg-type]
    hooks.role_changed.send(sender=User, user=user, actor_id=actor.pk)
    audit.record("user.role_change", actor_id=actor.pk, object_type="user", object_id=user.pk)
    return change


# --- Self-enrolment --------------------------------------------------------------------------


def pending_device(user: User) -> TOTPDevice:
    """The authenticator being set up: unconfirmed, so sign-in ignores it until the person
    proves they have it. One per person; a new visit shows the same secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(user: User, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """When `code` comes from the pending authenticator: confirm it, make new backup codes
    (returned to be shown to the person once) and end `must_enrol`. Else None."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(code.replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    StaticDevice.objects.filter(user=user).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    static = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    User.objects.filter(pk=user.pk).update(must_enrol=False)
    user.must_enrol = False
    audit.record("user.2fa_enrol", actor_id=user.pk, object_type="user", object_id=user.pk)
    return device, codes
