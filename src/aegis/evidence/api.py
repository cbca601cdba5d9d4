"""API for evidence, mounted at /api/v1/evidence/. Items outside the caller's compartments
answer 404, exactly as missing ones."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext_noop
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from aegis.api_auth import RoleAuth
from aegis.api_schemas import MAX_OFFSET, ROWS_AT_MOST, ErrorOut, InputSchema
from aegis.files.handlers import keep_uploads_in_memory
from aegis.vault.selectors import opened
from aegis.visits import headers_only

from . import selectors, services
from .models import EvidenceItem
from .views import as_attachment

NOT_FOUND = gettext_noop("Not found.")
PERMISSION = "view_cases"


class CaseStaffAuth(RoleAuth):
    """RoleAuth, and then uploads are kept in memory, never in a temp file."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = super().authenticate(request, token)
        if user is not None:
            keep_uploads_in_memory(request)
        return user


router = Router(tags=["evidence"], auth=CaseStaffAuth(PERMISSION))

# A download carries the content type the file was uploaded with: any type.
_FILE = {"schema": {"type": "string", "format": "binary"}}
_BINARY = {"content": {"application/octet-stream": _FILE, "*/*": _FILE}}
_ZIP = {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}


class ItemOut(Schema):
    id: uuid.UUID
    case: str
    kind: str
    derived_from: uuid.UUID | None
    name: str
    description: str
    content_type: str
    size: int
    sha256: str
    added_at: datetime
    added_by: str | None


class CustodyOut(Schema):
    at: datetime
    action: str
    actor: str | None
    reason: str


class ItemDetailOut(ItemOut):
    working_copies: list[uuid.UUID]
    custody: list[CustodyOut]


class IntegrityOut(Schema):
    id: uuid.UUID
    ok: bool
    sha256: str
    message: str


class ReasonIn(InputSchema):
    reason: str = Field(min_length=1, max_length=services.MAX_REASON)


class OptionalReasonIn(InputSchema):
    reason: str = Field("", max_length=services.MAX_REASON)


class ExhibitIn(InputSchema):
    reason: str = Field(min_length=1, max_length=services.MAX_REASON)
    items: list[uuid.UUID] | None = None


def _item_out(item: EvidenceItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "case": item.case.reference,
        "kind": item.kind,
        "derived_from": item.derived_from_id,
        "name": item.name,
        "description": item.description or "",
        "content_type": item.content_type,
        "size": item.size,
        "sha256": item.sha256,
        "added_at": item.added_at,
        "added_by": item.added_by.get_username() if item.added_by else None,
    }


def _case(request: HttpRequest, reference: str) -> Any:
    case = selectors.case_for(request.user, reference)
    if case is None:
        raise HttpError(404, NOT_FOUND)
    return case


def _item(request: HttpRequest, item_id: uuid.UUID) -> EvidenceItem:
    item = selectors.item_for(request.user, item_id)
    if item is None:
        raise HttpError(404, NOT_FOUND)
    return item


@router.get(
    "/cases/{reference}/items",
    response={200: list[ItemOut], 404: ErrorOut},
    url_name="evidence_items",
    summary="List the evidence items of a case",
)
def list_items(
    request: HttpRequest,
    reference: str,
    limit: Annotated[int, Query(50, ge=1, le=ROWS_AT_MOST)] = 50,
    offset: Annotated[int, Query(0, ge=0, le=MAX_OFFSET)] = 0,
) -> Any:
    case = _case(request, reference)
    page = selectors.items_of(case).select_related("case").order_by("-added_at", "pk")
    return [_item_out(item) for item in opened(page[offset : offset + limit])]


@router.post(
    "/cases/{reference}/upload",
    response={201: ItemOut, 400: ErrorOut, 404: ErrorOut},
    url_name="evidence_upload",
    summary="Add a file to a case as an original (multipart)",
)
def upload_item(
    request: HttpRequest,
    reference: str,
    file: File[UploadedFile],
    description: Annotated[str, Form(max_length=services.MAX_DESCRIPTION)] = "",
    reason: Annotated[str, Form(max_length=services.MAX_REASON)] = "",
) -> Any:
    if len(request.FILES.getlist("file")) > 1:  # ninja takes the last, the rest were lost
        raise HttpError(400, gettext_noop("Send one file per upload."))
    case = _case(request, reference)
    item = services.upload_evidence(
        case,
        file,  # type: ignore[arg-type]
        file.name or "",
        file.content_type or "",
        actor_id=request.user.pk,
        reason=reason,
        description=description,
    )
    return Status(201, _item_out(item))


@router.get(
    "/items/{item_id}",
    response={200: ItemDetailOut, 404: ErrorOut},
    url_name="evidence_item",
    summary="An item's metadata and chain of custody (recorded as a view)",
)
def get_item(request: HttpRequest, item_id: uuid.UUID) -> Any:
    item = _item(request, item_id)
    if not headers_only(request):  # nothing of the item was seen
        services.record_view(item, actor_id=request.user.pk)
    out = _item_out(item)
    out["working_copies"] = [c.pk for c in selectors.working_copies_of(item)]
    out["custody"] = [
        {
            "at": e.at,
            "action": e.action,
            "actor": e.actor.get_username() if e.actor else None,
            "reason": e.reason or "",
        }
        for e in opened(selectors.custody_of(item))
    ]
    return out


@router.post(
    "/items/{item_id}/download",
    response={200: None, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    url_name="evidence_download",
    summary="The file, after its integrity check; the reason is kept in the chain of custody",
    openapi_extra={"responses": {200: {"description": "The file", **_BINARY}}},
)
def download_item(request: HttpRequest, item_id: uuid.UUID, payload: ReasonIn) -> Any:
    item = _item(request, item_id)
    try:
        found = services.download(item, actor_id=request.user.pk, reason=payload.reason)
    except services.IntegrityFailure as exc:
        raise HttpError(409, str(exc)) from exc
    response = HttpResponse(found.data, content_type=found.content_type)
    return as_attachment(response, found.name)


@router.post(
    "/items/{item_id}/working-copy",
    response={201: ItemOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    url_name="evidence_working_copy",
    summary="Derive a working copy (photos without metadata) from an original",
)
def make_working_copy(
    request: HttpRequest, item_id: uuid.UUID, payload: OptionalReasonIn | None = None
) -> Any:
    item = _item(request, item_id)
    try:
        copy = services.make_working_copy(
            item, actor_id=request.user.pk, reason=payload.reason if payload else ""
        )
    except services.IntegrityFailure as exc:
        raise HttpError(409, str(exc)) from exc
    return Status(201, _item_out(copy))


@router.post(
    "/items/{item_id}/verify",
    response={200: IntegrityOut, 404: ErrorOut},
    url_name="evidence_verify",
    summary="Check the stored file against the SHA-256 recorded at upload",
)
def verify_item(request: HttpRequest, item_id: uuid.UUID) -> Any:
    item = _item(request, item_id)
    try:
        services.verify_integrity(item, actor_id=request.user.pk)
    except services.IntegrityFailure as exc:
        return {"id": item.pk, "ok": False, "sha256": item.sha256, "message": str(exc)}
    return {
        "id": item.pk,
        "ok": True,
        "sha256": item.sha256,
        "message": "The file matches the SHA-256 recorded at upload.",
    }


@router.post(
    "/cases/{reference}/exhibit",
    response={200: None, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    url_name="evidence_exhibit",
    summary="Exhibit package: original files, SHA-256 manifest, custody log (CSV and HTML)",
    openapi_extra={"responses": {200: {"description": "A ZIP file", **_ZIP}}},
)
def export_exhibit(request: HttpRequest, reference: str, payload: ExhibitIn) -> Any:
    case = _case(request, reference)
    try:
        package = services.export_exhibit(
            case, actor=request.user, reason=payload.reason, item_ids=payload.items
        )
    except services.IntegrityFailure as exc:
        raise HttpError(409, str(exc)) from exc
    response = FileResponse(package.data, as_attachment=True, filename=package.filename)
    response["Content-Type"] = "application/zip"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
