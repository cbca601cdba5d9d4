from __future__ import annotations

import base64
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from aegis.roles import SEARCH_KEY_PERMISSION
from aegis.vault.selectors import search_key_user_ids

from .models import ApiToken, User

PAGE_SIZE = 50


def tokens_of(user_id: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user_id)


def users_page(number: str | None) -> Page:
    users = User.objects.prefetch_related("groups").order_by("username")
    return Paginator(users, PAGE_SIZE).get_page(number)


def user_by_id(user_id: Any) -> User | None:
    return User.objects.filter(pk=user_id).first()


def user_by_username(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def _with_permission(codename: str) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        groups__permissions__content_type__app_label="accounts",
        groups__permissions__codename=codename,
    ).distinct()


def search_access_pending() -> QuerySet[User]:
    """People whose role needs the search key and who do not hold it yet."""
    return (
        _with_permission(SEARCH_KEY_PERMISSION)
        .filter(keypair__isnull=False)
        .exclude(pk__in=search_key_user_ids())
        .prefetch_related("groups")
        .order_by("username")
    )


def search_key_givers() -> list[str]:
    """Usernames of the coordinators who hold the search key: they can give it to others."""
    return list(
        _with_permission("coordinate")
        .filter(pk__in=search_key_user_ids())
        .order_by("username")
        .values_list("username", flat=True)
    )


def search_key_holders_among(user_ids: list[Any]) -> set[Any]:
    return set(search_key_user_ids().filter(keypair__user_id__in=user_ids))


def has_authenticator(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed (base32, no padding)."""
    return base64.b32encode(bytes(device.bin_key)).decode().rstrip("=")


def user_ids_with_any(*codenames: str) -> QuerySet[User, int]:
    """Ids of the active users whose role holds any of these permissions (monitoring seals
    each article's key to analysts and case staff)."""
    return (
        User.objects.filter(
            is_active=True,
            groups__permissions__content_type__app_label="accounts",
            groups__permissions__codename__in=codenames,
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def sessions_ended_before(ended_before: Any) -> int:
    """How many sign-in sessions ended before then (retention's dry run)."""
    from django.contrib.sessions.models import Session

    return Session.objects.filter(expire_date__lt=ended_before).count()
