from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from .models import ApiToken, User

PAGE_SIZE = 50


def tokens_of(user_id: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user_id)


def users_page(number: str | None) -> Page:
    users = User.objects.prefetch_related("groups").order_by("username")
    return Paginator(users, PAGE_SIZE).get_page(number)


def username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()
