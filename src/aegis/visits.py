"""What a visit gets at an address that only takes a form sent from a page (a reload after a
form error, a bookmark, the language switch sending the reader back to it): a page in words
with a way back to the page the form is on, not an empty "405 Method Not Allowed". What a
page sent a value the database cannot take gets: a page in words, not a 500. And what a
program calling the API gets where no operation answered: JSON in words, not a page. And what
a body sent in chunks gets: a refusal in words, not a reading of it as empty."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.middleware.common import CommonMiddleware
from django.shortcuts import render
from django.urls import Resolver404, get_script_prefix, resolve
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def for_api(request: HttpRequest) -> bool:
    """Whether the request is addressed to the API: "/api/…", and also "//api/…" or
    "/API/V1/…" as a client may mistype it, which get the API's JSON 404, not a page."""
    return request.path_info.lstrip("/").lower().startswith(API_PREFIX.strip("/") + "/")


logger = logging.getLogger(__name__)


class FormOnlyAddresses:
    """Middleware: an empty 405 to a GET or HEAD, where the view takes POST, becomes a page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not for_api(request)  # ApiAnswers said it in JSON
            and request.method in ("GET", "HEAD")
            and not response.content
            and "POST" in response.get("Allow", "")
        ):
            page = render(request, "405.html", {"back": page_above(request.path_info)}, status=405)
            page["Allow"] = response["Allow"]
            return page
        return response


class ApiAnswers:
    """Middleware for the API's addresses. HEAD is answered as GET without the body (RFC
    9110; django-ninja routes no HEAD, so it was a 405). An answer no operation gave (an
    address with no operation: Django's 404 page; a method it does not take: a bare "Method
    not allowed") is JSON in words, in the API's {"detail": ...} shape, with its status and
    its Allow header kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not for_api(request):
            return self.get_response(request)
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
        response = self.get_response(request)
        if head:
            request.method = "HEAD"
        if response.status_code in (404, 405) and not _is_json(response):
            response = _in_words(request, response)
        if head:
            if isinstance(response, StreamingHttpResponse):
                response.streaming_content = []
            else:
                length = len(response.content)
                response.content = b""
                response["Content-Length"] = str(length)
        return response


def headers_only(request: HttpRequest) -> bool:
    """A HEAD request, here or in the API (where ApiAnswers routes it as GET): nothing of the
    answer's body reaches the caller, so nothing was seen (a custody log records no view)."""
    return request.META.get("REQUEST_METHOD") == "HEAD"


def _is_json(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


class PageSlashes(CommonMiddleware):
    """Django's CommonMiddleware, with its "append a slash" redirect for pages only. An API
    call to /api/v1/cases (no slash) had been sent on with a 301, which clients follow as a
    GET: a POST that created nothing answered 200 with the list. The API answers 404 in
    words, naming the address with the slash (`_in_words`)."""

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        if for_api(request):
            return False
        return bool(super().should_redirect_with_slash(request))


def _other_slash(path: str) -> str | None:
    """The same address with the trailing slash added or taken away, where that is an API
    operation's."""
    other = path[:-1] if path.endswith("/") else path + "/"
    try:
        resolve(other)
    except Resolver404:
        return None
    return other


def _in_words(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if response.status_code == 404 and (other := _other_slash(request.path_info)):
        detail = _("The API has no operation at this address. Did you mean %(address)s?") % {
            "address": get_script_prefix().rstrip("/") + other
        }
    elif response.status_code == 404:
        detail = _(
            "The API has no operation at this address. Its operations are listed at /api/v1/docs."
        )
    else:
        allowed = str(response.get("Allow", "")) or "—"
        detail = _("This address of the API does not take %(method)s. It takes: %(allowed)s.") % {
            "method": request.method,  # HEAD, where that was sent
            "allowed": allowed,
        }
    answer = JsonResponse({"detail": detail}, status=response.status_code)
    if response.has_header("Allow"):
        answer["Allow"] = response["Allow"]
    return answer


class BodiesWithLength:
    """Middleware: a body sent in chunks, without a Content-Length (some HTTP libraries send
    a stream so), is read by Django as empty: the API answered "field required" for a body
    that had the field. It is refused with 411 in words before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked or request.META.get("CONTENT_LENGTH"):
            return self.get_response(request)
        detail = _(
            "Send the body with its length (a Content-Length header): a body sent in chunks "
            "cannot be read here."
        )
        if for_api(request):
            return JsonResponse({"detail": detail}, status=411)
        return HttpResponse(detail, status=411, content_type="text/plain; charset=utf-8")


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
