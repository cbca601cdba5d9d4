"""The ids of the compartments a reader belongs to, read once per request.

Every read scoped to the reader's compartments needs these ids, and a page makes many such
reads (the dashboard about fifteen), each of which asked the database again. Within a
request that only reads (GET or HEAD), the middleware opens a cache for that request alone,
keyed by user, and drops it when the request ends, so nothing carries over to another request
or another person. A membership written meanwhile empties it (signals). Outside a request,
and in requests that write, every call reads the database: a write may change memberships
and then be rolled back, which no signal reports."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

from .models import CompartmentMember

_kept: ContextVar[dict[int, list[int]] | None] = ContextVar("aegis_compartment_ids", default=None)
READING = ("GET", "HEAD")


def compartment_ids(user: Any) -> list[int]:
    """The ids of the compartments `user` belongs to (a fresh list: callers may change it)."""
    kept, pk = _kept.get(), getattr(user, "pk", None)
    if kept is not None and pk is not None and pk in kept:
        return list(kept[pk])
    ids = list(CompartmentMember.objects.filter(user=user).values_list("compartment_id", flat=True))
    if kept is not None and pk is not None:
        kept[pk] = ids
    return list(ids)


def forget(*_: Any, **__: Any) -> None:
    """A membership was written: the ids kept in this request are no longer trusted."""
    kept = _kept.get()
    if kept is not None:
        kept.clear()


class CompartmentIdsMiddleware:
    """Keeps each reader's compartment ids for the length of one reading request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in READING:
            return self.get_response(request)
        token = _kept.set({})
        try:
            return self.get_response(request)
        finally:
            _kept.reset(token)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    uid = "aegis.cases.membership.forget"
    post_save.connect(forget, sender=CompartmentMember, dispatch_uid=uid)
    post_delete.connect(forget, sender=CompartmentMember, dispatch_uid=f"{uid}.gone")
