"""The public forms' bodies are read before CSRF checks them, and never refused outright.

Django refuses a body beyond DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FILES or
DATA_UPLOAD_MAX_NUMBER_FIELDS with an exception that CsrfViewMiddleware meets first (it reads
request.POST for the token): the reporter gets a bare "Bad Request" and loses what they
wrote. For the public report and follow-up forms, this middleware (placed before
CsrfViewMiddleware) reads multipart bodies itself: it keeps every field and file within
those limits, drops only what is beyond them (a field too long, files past the tenth) and
marks the request (too_large), so the view shows its "too large" message with the text kept
in the form. A part whose headers are past Django's limit of a kilobyte (a file with a very
long name), where Django's parser stops with an error, is read to its end and left out, and
the request marked (part_unreadable): the view shows the form again with the text kept. A
body of another kind past the size limit cannot be read at all: the request is marked,
emptied and spared the CSRF check, which is safe because a marked request only ever shows
that message and changes nothing."""

from __future__ import annotations

import collections
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.http import HttpRequest, HttpResponse, QueryDict

# Not in django-stubs: the parser of one part, and the limit on its headers.
from django.http.multipartparser import (  # type: ignore[attr-defined]
    FIELD,
    FILE,
    MAX_TOTAL_HEADER_SIZE,
    ChunkIter,
    InterBoundaryIter,
    LazyStream,
    MultiPartParser,
    MultiPartParserError,
    parse_boundary_stream,
)
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.encoding import force_str

from aegis.files.handlers import MemoryOnlyUploadHandler

from . import forms

TOO_LARGE = "aegis_too_large"  # request attribute: part of the body was left out
# Request attribute: a part's headers (a file's name) were too long to be read.
PART_UNREADABLE = "aegis_part_unreadable"


def too_large(request: HttpRequest) -> bool:
    return bool(getattr(request, TOO_LARGE, False))


def part_unreadable(request: HttpRequest) -> bool:
    return bool(getattr(request, PART_UNREADABLE, False))


def exhaust(part: Iterable[bytes]) -> None:
    """Read a part to its end without keeping it (as Django's own parser does)."""
    collections.deque(part, maxlen=0)


def _parts(stream: LazyStream, boundary: bytes) -> Iterator[tuple[str, Any, Any] | None]:
    """The parts of a multipart body, as Django's Parser gives them, except that a part whose
    headers are past Django's limit (MAX_TOTAL_HEADER_SIZE: a file's name of about a
    kilobyte) is read to its end and given as None. Django's parser stops there with an
    error, which the reporter met as a bare "Bad Request" that lost everything typed."""
    for part in InterBoundaryIter(stream, b"--" + boundary):
        try:
            yield parse_boundary_stream(part, MAX_TOTAL_HEADER_SIZE)
        except MultiPartParserError:
            exhaust(part)
            yield None


def _limit(name: str) -> int | None:
    value = getattr(settings, name)
    return None if value is None else int(value)


class TolerantUploadHandler(MemoryOnlyUploadHandler):
    """Parses the whole multipart body (handle_raw_input) within Django's limits, leaving
    out what is beyond them instead of failing; files stay in memory only, as with
    MemoryOnlyUploadHandler."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> tuple[QueryDict, MultiValueDict[str, Any]]:
        encoding = encoding or settings.DEFAULT_CHARSET
        post = QueryDict(mutable=True, encoding=encoding)
        files: MultiValueDict[str, Any] = MultiValueDict()
        text_budget = _limit("DATA_UPLOAD_MAX_MEMORY_SIZE")
        # One past what the form takes, so that it still says "at most N files": each is
        # kept in memory, up to the upload limit, before the form is checked.
        max_files = forms.max_files() + 1
        if (django_limit := _limit("DATA_UPLOAD_MAX_NUMBER_FILES")) is not None:
            max_files = min(max_files, django_limit)
        max_fields = _limit("DATA_UPLOAD_MAX_NUMBER_FIELDS")
        fields = files_seen = 0
        dropped = unreadable = False
        stream = LazyStream(ChunkIter(input_data, self.chunk_size))
        for item in _parts(stream, boundary):
            if item is None:
                unreadable = True
                continue
            item_type, meta, part = item
            try:
                disposition = meta["content-disposition"][1]
                name = force_str(disposition["name"].strip(), encoding, errors="replace")
            except (KeyError, IndexError, AttributeError):
                exhaust(part)
                continue
            if "content-transfer-encoding" in meta:  # browsers never send one
                exhaust(part)
                dropped = True
            elif item_type == FIELD:
                fields += 1
                budget = None if text_budget is None else text_budget - len(name) - 2
                data = part.read(size=None if budget is None else max(budget, 0) + 1)
                if (max_fields is not None and fields > max_fields) or (
                    budget is not None and len(data) > budget
                ):
                    exhaust(part)
                    dropped = True
                    continue
                if text_budget is not None:
                    text_budget -= len(data) + len(name) + 2
                post.appendlist(name, force_str(data, encoding, errors="replace"))
            elif item_type == FILE:
                files_seen += 1
                file_name = disposition.get("filename")
                if max_files is not None and files_seen > max_files:
                    exhaust(part)
                    dropped = True
                    continue
                if not file_name:
                    exhaust(part)
                    continue
                upload = self._keep(part, name, force_str(file_name, encoding), meta)
                if upload is not None:
                    files.appendlist(name, upload)
            else:
                exhaust(part)
        exhaust(input_data)
        if dropped:
            setattr(self.request, TOO_LARGE, True)
        if unreadable:
            setattr(self.request, PART_UNREADABLE, True)
        post._mutable = False
        return post, files

    def _keep(self, part: Any, name: str, file_name: str, meta: Any) -> InMemoryUploadedFile | None:
        """As MemoryOnlyUploadHandler: at most one byte past the upload limit is kept, so
        check_upload still sees the file as too big."""
        # Django's own clean-up of a browser's file name (it does not use its instance).
        safe_name = MultiPartParser.sanitize_file_name(None, file_name)  # type: ignore[arg-type]
        if not safe_name:
            exhaust(part)
            return None
        content_type, extra = meta.get("content-type", ("", {}))
        buffer = io.BytesIO()
        for chunk in part:
            room = self.keep - buffer.tell()
            if room > 0:
                buffer.write(chunk[:room])
        buffer.seek(0)
        return InMemoryUploadedFile(
            file=buffer,
            field_name=name,
            name=safe_name,
            content_type=content_type.strip(),
            size=buffer.getbuffer().nbytes,
            charset=extra.get("charset"),
            content_type_extra=extra,
        )


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
            request.upload_handlers = [TolerantUploadHandler(request)]
            return
        limit = _limit("DATA_UPLOAD_MAX_MEMORY_SIZE")
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
