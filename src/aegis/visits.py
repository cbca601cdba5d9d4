"""What a visit gets at an address that only takes a form sent from a page (a reload after a
form error, a bookmark, the language switch sending the reader back to it): a page in words
with a way back to the page the form is on, not an empty "405 Method Not Allowed"."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, get_script_prefix, resolve


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
