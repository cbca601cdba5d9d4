"""What a visit gets at an address that only takes a form sent from a page (a reload after a
form error, a bookmark, the language switch sending the reader back to it): a page in words
with a way back to the page the form is on, not an empty "405 Method Not Allowed". And what a
page sent a value the database cannot take gets: a page in words, not a 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, get_script_prefix, resolve

logger = logging.getLogger(__name__)


class FormOnlyAddresses:
    """Middleware: an empty 405 to a GET or HEAD, where the view takes POST, becomes a page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.method in ("GET", "HEAD")
            and not response.content
            and "POST" in response.get("Allow", "")
        ):
            page = render(request, "405.html", {"back": page_above(request.path_info)}, status=405)
            page["Allow"] = response["Allow"]
            return page
        return response


class UnstorableValues:
    """Middleware: a value the database refuses (a NUL character, which PostgreSQL takes in no
    text, in a filter or a form's choice; a number past a column's range) is the request's
    fault, so it gets a 400 page that says so, as the API answers it (api._refused_by_database),
    not a server error. The refusal comes before anything is written, or inside the service's
    transaction, which it rolls back: nothing was stored. The log names the view, never the
    value or who sent it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DataError):
            return None
        match = getattr(request, "resolver_match", None)
        logger.warning(
            "A value sent to %s was refused by the database (%s); answered 400.",
            match.view_name if match else "an unknown view",
            type(exception).__name__,
        )
        # A filter's page without its filters; a form's page as it was.
        back = request.path if request.method in ("GET", "HEAD") else request.get_full_path()
        return render(request, "400_value.html", {"back": back}, status=400)


def page_above(path: str) -> str | None:
    """The nearest address above `path` (a path_info) that is a page: "/monitoring/proposals/4/"
    for "/monitoring/proposals/4/reject/", under the site's prefix if it has one; or None."""
    parts = path.strip("/").split("/")[:-1]
    while parts:
        candidate = "/" + "/".join(parts) + "/"
        try:
            resolve(candidate)
        except Resolver404:
            parts.pop()
            continue
        return get_script_prefix().rstrip("/") + candidate
    return None
