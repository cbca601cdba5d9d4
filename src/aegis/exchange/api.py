"""API for exchange, mounted at /api/v1/exchange/: the organisation's public keys, the
partners with their fingerprints, and what waits in quarantine (no content: its review is a
page, where the records are shown side by side)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from aegis.api_auth import RoleAuth
from aegis.api_schemas import MAX_OFFSET, ROWS_AT_MOST, ErrorOut

from . import identity, selectors, services

router = Router(tags=["exchange"], auth=RoleAuth("view_cases"))


class IdentityOut(Schema):
    age_recipient: str
    minisign_key: str
    fingerprint: str


class PartnerOut(Schema):
    id: int
    name: str
    age_recipient: str | None
    minisign_key: str | None
    fingerprint: str | None
    vetted: bool
    expires_on: str | None
    usable: bool


class QuarantineOut(Schema):
    id: int
    bundle_id: str
    partner: str
    kind: str
    local_id: str
    decision: str
    reject_reason: str = Field(
        description="Why it was rejected: duplicate, out_of_scope, unreliable, damaged or "
        "other; empty until then. The reviewer's own words are shown on its page only."
    )
    received_at: datetime


@router.get(
    "/identity",
    response={200: IdentityOut, 404: ErrorOut},
    url_name="exchange_identity",
    summary="This organisation's age recipient and minisign public key",
)
def get_identity(request: HttpRequest) -> Any:
    shown = identity.public()
    if shown is None:
        return Status(404, {"detail": _("This organisation has no exchange keys yet.")})
    return Status(
        200,
        {
            "age_recipient": shown.age_recipient,
            "minisign_key": shown.minisign_key,
            "fingerprint": shown.fingerprint,
        },
    )


@router.get(
    "/partners",
    response={200: list[PartnerOut]},
    url_name="exchange_partners",
    summary="Partner organisations, their current keys and whether they may exchange now",
)
def list_partners(request: HttpRequest) -> Any:
    found = []
    for partner in selectors.partners():
        key = services.current_key(partner)
        found.append(
            {
                "id": partner.pk,
                "name": partner.name,
                "age_recipient": key.age_recipient if key else None,
                "minisign_key": key.minisign_key if key else None,
                "fingerprint": selectors.fingerprint_of(key) if key else None,
                "vetted": partner.vetted_at is not None,
                "expires_on": partner.expires_on.isoformat() if partner.expires_on else None,
                "usable": services.usable_problem(partner) is None,
            }
        )
    return found


@router.get(
    "/quarantine",
    response={200: list[QuarantineOut]},
    url_name="exchange_quarantine",
    summary="Received records waiting in quarantine in the caller's compartments",
)
def list_quarantine(
    request: HttpRequest,
    limit: Annotated[int, Query(50, ge=1, le=ROWS_AT_MOST)] = 50,
    offset: Annotated[int, Query(0, ge=0, le=MAX_OFFSET)] = 0,
) -> Any:
    rows = (
        selectors.visible_items(request.user)
        .select_related("received__partner")
        .order_by("-received__received_at", "pk")[offset : offset + limit]
    )
    return [
        {
            "id": item.pk,
            "bundle_id": str(item.received.bundle_id),
            "partner": item.received.partner.name,
            "kind": item.kind,
            "local_id": item.local_id,
            "decision": item.decision,
            "reject_reason": item.reject_reason,
            "received_at": item.received.received_at,
        }
        for item in rows
    ]
