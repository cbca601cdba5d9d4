"""An upload handler that keeps files in memory only.

Django writes uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file in clear; for
evidence that would leave a readable copy on disk for a seizure to find. This handler keeps
every file in memory and stops keeping bytes one past the upload limit (the view's own where
it takes larger files, as a partner's bundle), so that the view still sees the file as too big
and says so, and never reads the kept bytes as the whole file.

A form's page reads its body with TolerantUploadHandler instead (`read_form_body`): Django
refuses a body beyond DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FILES or
DATA_UPLOAD_MAX_NUMBER_FIELDS, or with a part whose headers are past its limit of a kilobyte
(a file with a very long name), with an error page that lost everything typed. This handler
keeps every field and file within those limits, leaves out only what is beyond them or cannot
be read, and marks the request (`too_large`, `part_unreadable`), so that the view refuses it
with its form shown again, the text kept (`body_problem`)."""

from __future__ import annotations

import collections
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, QueryDict

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
from django.utils.datastructures import MultiValueDict
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from .uploads import max_upload_bytes

TOO_LARGE = "aegis_too_large"  # request attribute: part of the body was left out
# Request attribute: a part's headers (a file's name) were too long to be read.
PART_UNREADABLE = "aegis_part_unreadable"


class MemoryOnlyUploadHandler(FileUploadHandler):
    def __init__(
        self, request: HttpRequest | None = None, limits: dict[str, int] | None = None
    ) -> None:
        super().__init__(request)
        self.limits = limits or {}
        self.keep = max_upload_bytes() + 1
        self.buffer = io.BytesIO()

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.keep = self.limits.get(field_name, max_upload_bytes()) + 1
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        room = self.keep - self.buffer.tell()
        if room > 0:
            self.buffer.write(raw_data[:room])

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.buffer.getbuffer().nbytes,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def keep_uploads_in_memory(request: HttpRequest, limits: dict[str, int] | None = None) -> None:
    """Call before the request body is read (before request.POST or request.FILES). `limits`:
    the largest file, in bytes, each named file input takes (the upload limit for others)."""
    request.upload_handlers = [MemoryOnlyUploadHandler(request, limits)]


def too_large(request: HttpRequest) -> bool:
    """Whether TolerantUploadHandler left out part of the body, beyond Django's limits."""
    return bool(getattr(request, TOO_LARGE, False))


def part_unreadable(request: HttpRequest) -> bool:
    """Whether TolerantUploadHandler left out a part whose headers (a file's name) were too
    long to be read."""
    return bool(getattr(request, PART_UNREADABLE, False))


def exhaust(part: Iterable[bytes]) -> None:
    """Read a part to its end without keeping it (as Django's own parser does)."""
    collections.deque(part, maxlen=0)


def _parts(stream: LazyStream, boundary: bytes) -> Iterator[tuple[str, Any, Any] | None]:
    """The parts of a multipart body, as Django's Parser gives them, except that a part whose
    headers are past Django's limit (MAX_TOTAL_HEADER_SIZE: a file's name of about a
    kilobyte) is read to its end and given as None. Django's parser stops there with an
    error, which the sender met as a bare "Bad Request" that lost everything typed."""
    for part in InterBoundaryIter(stream, b"--" + boundary):
        try:
            yield parse_boundary_stream(part, MAX_TOTAL_HEADER_SIZE)
        except MultiPartParserError:
            exhaust(part)
            yield None


def setting_limit(name: str) -> int | None:
    """One of Django's DATA_UPLOAD_* limits; None where it is turned off."""
    value = getattr(settings, name)
    return None if value is None else int(value)


class TolerantUploadHandler(MemoryOnlyUploadHandler):
    """Parses the whole multipart body (handle_raw_input) within Django's limits, leaving
    out what is beyond them instead of failing; files stay in memory only, as with
    MemoryOnlyUploadHandler. `max_files`: the files kept at most (Django's limit if lower)."""

    def __init__(
        self,
        request: HttpRequest | None = None,
        limits: dict[str, int] | None = None,
        max_files: int | None = None,
    ) -> None:
        super().__init__(request, limits)
        self.max_files = max_files

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
        text_budget = setting_limit("DATA_UPLOAD_MAX_MEMORY_SIZE")
        max_files = self.max_files
        if (django_limit := setting_limit("DATA_UPLOAD_MAX_NUMBER_FILES")) is not None:
            max_files = django_limit if max_files is None else min(max_files, django_limit)
        max_fields = setting_limit("DATA_UPLOAD_MAX_NUMBER_FIELDS")
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
        """As MemoryOnlyUploadHandler: at most one byte past the input's limit is kept, so
        the view still sees the file as too big."""
        # Django's own clean-up of a browser's file name (it does not use its instance).
        safe_name = MultiPartParser.sanitize_file_name(None, file_name)  # type: ignore[arg-type]
        if not safe_name:
            exhaust(part)
            return None
        content_type, extra = meta.get("content-type", ("", {}))
        keep = self.limits.get(name, max_upload_bytes()) + 1
        buffer = io.BytesIO()
        for chunk in part:
            room = keep - buffer.tell()
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


def read_form_body(request: HttpRequest, limits: dict[str, int] | None = None) -> None:
    """For a page's upload form, before its body is read: files kept in memory only (as
    keep_uploads_in_memory, `limits` likewise), and a body beyond Django's limits, or with a
    file whose name is too long to read, read as far as it can be instead of refused, the
    request marked. The view then refuses it with `body_problem`'s message, its form shown
    again with the text kept."""
    request.upload_handlers = [TolerantUploadHandler(request, limits)]


def body_problem(request: HttpRequest) -> tuple[str, int] | None:
    """What the form's page says of a body TolerantUploadHandler could not read whole, and
    the status to answer with; None where it was read whole. Nothing is stored then: what was
    left out may be what the form needed."""
    if part_unreadable(request):
        message = _(
            "Nothing was stored: the name of the file you attached is too long to be received "
            "(over about a kilobyte). Give the file a shorter name, attach it again and send "
            "the form again; what you typed is kept below."
        )
        return message, 400
    if too_large(request):
        message = _(
            "Nothing was stored: what you sent is too large to be received in one go (a box "
            "of more than a few megabytes, or too many files). What could be kept is shown "
            "below: check it, attach the file again and send the form again."
        )
        return message, 413
    return None
