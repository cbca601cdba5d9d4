"""Accounts: creating people, signing in (password + TOTP, unlocking the private key),
password changes that re-seal the key, and API tokens with their own key copy."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import authenticate, login, update_session_auth_hash
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_login_failed
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from nacl.public import PrivateKey

from aegis import clock
from aegis.audit import services as audit
from aegis.roles import ROLE_PERMISSIONS, SEARCH_KEY_PERMISSION, Role
from aegis.rules import RuleError
from aegis.vault import crypto, wipe_key
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, NoSearchKey
from aegis.vault.selectors import keypair_for_user, user_keypair, user_keypair_id

from . import hooks, session_keys, throttle
from .models import ApiToken, StaffChannels, User

BACKUP_CODES = 10
AUTHENTICATOR_DIGITS = 6  # TOTPDevice's default, which every authenticator here is made with


def ensure_roles() -> None:
    """Create one group per role holding its permissions (idempotent; run after migrate)."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        perms = Permission.objects.filter(
            content_type__app_label="accounts", codename__in=codenames
        )
        group.permissions.set(perms)


def role_group(role: Role) -> Group:
    """The role's group, made with every role's permissions where it is missing; one query
    otherwise (ensure_roles, which writes them all, runs after every migrate)."""
    group = Group.objects.filter(name=role.value).first()
    if group is None:
        ensure_roles()
        group = Group.objects.get(name=role.value)
    return group


@dataclass(frozen=True)
class Enrolment:
    """What a new person needs once: their authenticator secret and backup codes."""

    user: User
    totp_uri: str
    totp_secret: str
    backup_codes: list[str]


USERNAME = re.compile(r"^[\w.@+-]{1,150}\Z")


def username_problem(username: str) -> str | None:
    """What is wrong with a new username, in words; None when nothing is. Usernames are
    stored in clear (sign-in looks them up) and a defender's account is linked to their
    person record: an email address there names them to whoever copies the database."""
    if not USERNAME.match(username):
        return _("Use letters, digits and . @ + - _ only.")
    try:
        validate_email(username)
    except ValidationError:
        return None  # not an email address (existing "@" usernames stay valid)
    return _(
        "A username cannot be an email address: it is stored unencrypted. Choose a "
        "nickname or a code instead."
    )


@transaction.atomic
def create_user(
    username: str, password: str, role: Role, *, actor_id: int | None = None
) -> Enrolment:
    if problem := username_problem(username):
        raise RuleError(problem, "username")
    group = role_group(role)
    user = User.objects.create_user(username=username, password=password)
    user.groups.add(group)
    vault.create_user_keypair(user, password)
    totp = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    audit.record("user.create", actor_id=actor_id, object_type="user", object_id=user.pk)
    secret = base64.b32encode(bytes(totp.bin_key)).decode().rstrip("=")
    return Enrolment(user=user, totp_uri=totp.config_url, totp_secret=secret, backup_codes=codes)


class SignInFailed(Exception):
    """Every failure looks the same; `wait_seconds` > 0 when nothing was checked because the
    throttle asks this browser to wait for this account (throttle.py)."""

    def __init__(self, wait_seconds: int = 0) -> None:
        super().__init__(f"wait {wait_seconds} s" if wait_seconds else "failed")
        self.wait_seconds = wait_seconds


def sign_in(request: HttpRequest, username: str, password: str, code: str) -> str:
    """Check password and second factor together; on success log in, keep the unwrapped key
    in the session (encrypted) and return the cookie secret. Every failure looks the same.
    "<password> <duress word>" signs in like the password alone and raises a silent alert
    (aegis.alerts.checkins describes the convention, and answers through hooks.py). The
    throttle is asked first, so an attempt it holds back costs no password hashing."""
    bucket = throttle.bucket_for(request, username)
    wait = throttle.claim(bucket, throttle.account_of(username))
    if wait:
        raise SignInFailed(wait_seconds=wait)
    password, under_duress = _duress_split(username, password)
    user = authenticate(request, username=username, password=password)
    device = _match_code(user, code) if user is not None else None
    # An account whose authenticator is not set up yet signs in with its password alone, into
    # a session that reaches nothing but the enrolment page (middleware.FirstSignInMiddleware).
    enrolling = user is not None and user.must_enrol and device is None
    keypair = keypair_for_user(user.pk) if user is not None and (device or enrolling) else None
    private_key: PrivateKey | None = None
    if keypair is not None:
        try:
            private_key = vault.unlock_user_keypair(keypair, password)
        except vault.WrongPassphrase:
            private_key = None
    if user is None or (device is None and not enrolling) or keypair is None or private_key is None:
        if user is not None:
            # The password was right but the rest was not: audit it as a failure all the same.
            user_login_failed.send(
                sender=__name__, credentials={"username": username}, request=request
            )
        raise SignInFailed()
    throttle.forget(bucket)
    login(request, user)
    if device is not None:
        otp_login(request, device)
    cookie = session_keys.store(request, keypair.pk, private_key)
    if under_duress:
        hooks.signed_in_under_duress(user)
    return cookie


def _match_code(user: Any, code: str) -> Any:
    """The device the code belongs to: six digits are an authenticator code, anything else a
    backup code. Only that kind is tried, so a backup code does not count as a failed
    authenticator code (django-otp would then hold the authenticator back for a while). A
    backup code is eight base-32 characters, which are all digits (2 to 7) about once in
    650,000 codes: it is told apart by its length, not by having a letter."""
    code = code.replace(" ", "")
    authenticator = code.isascii() and code.isdigit() and len(code) == AUTHENTICATOR_DIGITS
    kind = TOTPDevice if authenticator else StaticDevice
    for device in devices_for_user(user):
        if isinstance(device, kind) and device.verify_token(code):
            return device
    return None


def _duress_split(username: str, typed: str) -> tuple[str, bool]:
    """The password to check, and whether a duress word followed it. Tried only when the
    whole text is not the password, so a passphrase with spaces signs in as it always did;
    otherwise the text is checked as typed and a failure counts as any other."""
    if " " not in typed:
        return typed, False
    user = User.objects.filter(username=username).first()
    if user is None:
        User().set_password(typed)  # the same hashing time as for an existing account
        return typed, False
    if user.check_password(typed):
        return typed, False
    password = hooks.password_under_duress(user, typed)
    return (password, True) if password is not None else (typed, False)


@transaction.atomic
def change_password(request: HttpRequest, user: User, old_password: str, new_password: str) -> str:
    """Re-seal the private key under the new password; returns the new session cookie secret.
    A password the person must change (the one the administrator chose at invitation, or
    after `require_password_change`) gets a new private key instead: whoever knew the old
    password and kept a copy of the key's row opens nothing sealed to the person after this.
    Their API tokens, each a copy of the key, are revoked on every change: a person changes
    a password they fear is known, and a token taken with it would otherwise go on working."""
    keypair = user_keypair(user.pk, for_update=True)
    private_key = vault.unlock_user_keypair(keypair, old_password)
    if user.must_change_password:
        private_key = vault.replace_user_keypair(keypair, private_key, new_password)
    else:
        vault.reseal_user_keypair(keypair, private_key, new_password)
    revoke_api_tokens(user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    update_session_auth_hash(request, user)
    audit.record("password.change", actor_id=user.pk, object_type="user", object_id=user.pk)
    return session_keys.store(request, keypair.pk, private_key)


# --- API tokens ---------------------------------------------------------------------------

TOKEN_PREFIX = "aegis"
_TOKEN_PURPOSE = b"aegis api token key"


def _token_hash(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()


def password_problem(request: HttpRequest, user: User, password: str) -> str:
    """Why the password someone signed in types again (to create a token) is not accepted,
    or "". The sign-in throttle counts it, in a bucket of this session's own: a session left
    open is no way to guess it, and a stranger's guesses at the sign-in page hold nothing back
    here (the browser's device cookie is sent to the sign-in page alone)."""
    session = request.session.session_key or ""
    bucket = throttle.bucket_of(user.get_username(), f"session:{session}")
    if wait := throttle.claim(bucket, throttle.account_of(user.get_username())):
        return _("Too many wrong passwords: try again in %(n)s seconds.") % {"n": wait}
    if not user.check_password(password):
        return _("This is not your password.")
    throttle.forget(bucket)
    return ""


def _token_key(secret: bytes, *, bound: bool = True) -> bytes:
    """The key that seals a token's copy of the private key: from the token's secret, bound
    to the wipe key, so that a copy of the row left on the disk opens with nothing after a
    wipe, token or not. Tokens made before the wipe key existed are sealed under the secret's
    key alone (`bound=False`), and sealed again when next used; so is one made while the
    wipe key cannot be had (logged)."""
    key = crypto.derive_subkey(secret, _TOKEN_PURPOSE)
    if bound:
        try:
            return wipe_key.bind(key, wipe_key.API_TOKEN)
        except wipe_key.WipeKeyMissing:
            pass
    return key


def _open_token(token: ApiToken, secret: bytes) -> bytes | None:
    """The private key a token carries, or None; one sealed before the wipe key existed is
    sealed again under it at once."""
    sealed = bytes(token.sealed_private_key or b"")
    bound, alone = _token_key(secret), _token_key(secret, bound=False)
    with contextlib.suppress(crypto.DecryptionError):
        return crypto.box_decrypt(bound, sealed)
    if bound == alone:
        return None
    try:
        raw = crypto.box_decrypt(alone, sealed)
    except crypto.DecryptionError:
        return None
    ApiToken.objects.filter(pk=token.pk, sealed_private_key=sealed).update(
        sealed_private_key=crypto.box_encrypt(bound, raw)
    )
    return raw


@transaction.atomic
def create_api_token(user: User, label: str, keychain: Keychain) -> str:
    """Issue a token; returns the token text, shown once."""
    keypair = user_keypair(user.pk)
    private_key = keychain.private_keys.get(keypair.pk)
    if private_key is None:
        raise PermissionError("Sign in again to create an API token.")
    secret = secrets.token_bytes(32)
    token = ApiToken.objects.create(
        user=user,
        label=label,
        secret_hash=_token_hash(secret),
        sealed_private_key=crypto.box_encrypt(_token_key(secret), bytes(private_key)),
    )
    audit.record("token.create", actor_id=user.pk, object_type="apitoken", object_id=token.pk)
    return f"{TOKEN_PREFIX}_{token.pk.hex}_{secret.hex()}"


@transaction.atomic
def revoke_api_token(user: User, token_id: uuid.UUID) -> bool:
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if deleted:
        audit.record("token.revoke", actor_id=user.pk, object_type="apitoken", object_id=token_id)
    return bool(deleted)


def revoke_api_tokens(user: User, *, actor_id: int | None = None) -> int:
    """Every API token of the person (each a copy of their key); returns how many."""
    ids = list(ApiToken.objects.filter(user=user).values_list("pk", flat=True))
    ApiToken.objects.filter(pk__in=ids).delete()
    for token_id in ids:
        audit.record(
            "token.revoke",
            actor_id=user.pk if actor_id is None else actor_id,
            object_type="apitoken",
            object_id=token_id,
        )
    return len(ids)


def destroy_key_copies() -> vault.Shredded:
    """For `aegis wipe`: every API token (each carries a copy of its owner's private key),
    every session (a signed-in person's key, a reporter's thread key, each sealed under a
    secret in a cookie), and the staff contact channels sealed under keys the wipe destroys."""
    tokens, _ = ApiToken.objects.all().delete()
    sessions, _ = Session.objects.all().delete()
    # Staff channels hold no key, but nothing opens them after the wipe: gone, so no policy
    # counts on an address that cannot be read.
    channels, _ = StaffChannels.objects.all().delete()
    # The second factors too: the authenticators' secrets and unused backup codes are kept in
    # clear by django-otp, and nobody signs in to a wiped instance before `aegis init`.
    StaticToken.objects.all().delete()
    static, _ = StaticDevice.objects.all().delete()
    totp, _ = TOTPDevice.objects.all().delete()
    return vault.Shredded(
        {
            "api_tokens": tokens,
            "sessions": sessions,
            "staff_channels": channels,
            "second_factors": static + totp,
        },
        (ApiToken, Session, StaffChannels, StaticToken, StaticDevice, TOTPDevice),
    )


def authenticate_token(text: str) -> tuple[User, Keychain] | None:
    """The user and their unlocked key for a bearer token, or None."""
    try:
        prefix, token_id, secret_hex = text.strip().split("_")
        if prefix != TOKEN_PREFIX:
            return None
        secret = bytes.fromhex(secret_hex)
        token = ApiToken.objects.select_related("user").get(pk=uuid.UUID(hex=token_id))
    except (ValueError, ApiToken.DoesNotExist):
        return None
    if not hmac.compare_digest(token.secret_hash, _token_hash(secret)) or not token.user.is_active:
        return None
    if token.sealed_private_key is None:
        return None
    raw = _open_token(token, secret)
    if raw is None:
        return None
    keypair_id = user_keypair_id(token.user_id)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user, Keychain({keypair_id: PrivateKey(raw)}, actor_id=token.user.pk)


# --- Search key ---------------------------------------------------------------------------


@transaction.atomic
def grant_search_access(user: User, *, actor: User) -> bool:
    """A coordinator who holds the search key seals it to a caseworker or coordinator (the
    administrator holds no case key, so cannot). True when it is new; audited with the
    person who received it."""
    if not actor.has_perm("accounts.coordinate"):
        raise RuleError(_("Only a coordinator can give the search key."))
    if not user.is_active or not user.has_perm(f"accounts.{SEARCH_KEY_PERMISSION}"):
        raise RuleError(_("Only caseworkers and coordinators receive the search key."))
    keypair = keypair_for_user(user.pk)
    if keypair is None:
        raise RuleError(_("This person has no keys yet, so nothing can be sealed to them."))
    try:
        granted = vault.grant_index_key(keypair, actor_id=actor.pk)
    except NoSearchKey as missing:
        raise RuleError(
            _(
                "You do not hold the search key yourself, so you cannot give it. Ask a "
                "coordinator who holds it, or whoever keeps the organisation recovery key "
                "(offline key ceremony: aegis grant-search-key --username %(name)s)."
            )
            % {"name": user.get_username()}
        ) from missing
    if granted:
        audit.record("key.grant", actor_id=actor.pk, object_type="user", object_id=user.pk)
    return granted


def remove_ended_sessions(ended_before: Any) -> int:
    """Retention of sessions: delete the sign-in sessions that ended before `ended_before`
    (each holds the session half of someone's wrapped key) and the throttle's counts of
    failed sign-ins last added to before then, but never those the throttle still needs.
    Returns how many sessions went. Sign-ins and sign-outs themselves are audit entries."""
    sessions, _ = Session.objects.filter(expire_date__lt=ended_before).delete()
    forget = min(ended_before, clock.now() - throttle.FORGET_AFTER)
    throttle.forget_older(forget)
    return sessions
