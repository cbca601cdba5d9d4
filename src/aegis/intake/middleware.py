"""The public forms' bodies are read before CSRF checks them, and never refused outright.

Django refuses a body beyond DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FILES or
DATA_UPLOAD_MAX_NUMBER_FIELDS with an exception that CsrfViewMiddleware meets first (it reads
request.POST for the token): the reporter gets a bare "Bad Request" and loses what they
wrote. For the public report and follow-up forms, this middleware (placed before
CsrfViewMiddleware) reads multipart bodies itself (aegis.files.handlers.TolerantUploadHandler,
which the other upload forms' pages use too): it keeps every field and file within
those limits, drops only what is beyond them (a field too long, files past the tenth) and
marks the request (too_large), so the view shows its "too large" message with the text kept
in the form. A part whose headers are past Django's limit of a kilobyte (a file with a very
long name), where Django's parser stops with an error, is read to its end and left out, and
the request marked (part_unreadable): the view shows the form again with the text kept. A
body of another kind past the size limit cannot be read at all: the request is marked,
emptied and spared the CSRF check, which is safe because a marked request only ever shows
that message and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from aegis.files.handlers import (
    TOO_LARGE,
    TolerantUploadHandler,
    part_unreadable,
    setting_limit,
    too_large,
)

from . import forms

__all__ = ["PublicFormBodyMiddleware", "part_unreadable", "too_large"]


class PublicFormBodyMiddleware:
    """Before CsrfViewMiddleware: the public intake forms' bodies, read without refusal."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in _public_form_paths():
            self._prepare(request)
        return self.get_response(request)

    @staticmethod
    def _prepare(request: HttpRequest) -> None:
        if request.content_type == "multipart/form-data":
            # One past what the form takes, so that it still says "at most N files": each is
            # kept in memory, up to the upload limit, before the form is checked.
            handler = TolerantUploadHandler(request, max_files=forms.max_files() + 1)
            request.upload_handlers = [handler]
            return
        limit = setting_limit("DATA_UPLOAD_MAX_MEMORY_SIZE")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            setattr(request, TOO_LARGE, True)
            request._post = QueryDict()  # type: ignore[attr-defined]
            request._files = MultiValueDict()  # type: ignore[attr-defined]
            # Nothing of the body is read, so there is no token to check; the view only
            # says the request was too large.
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]


def _public_form_paths() -> set[str]:
    return {reverse("intake:report"), reverse("intake:follow-up")}
