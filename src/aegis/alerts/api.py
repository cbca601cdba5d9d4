"""API for alerts, mounted at /api/v1/alerts/: the defender's panic (the same as the page),
the responder's list of open alerts, scoped like the console, and the history with each
alert's time to its first acknowledgement."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_noop
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from aegis.api_auth import RoleAuth
from aegis.api_schemas import MAX_LIMIT, ErrorOut, Pages

from . import gateway, selectors, services

# The panic button is the defender's, the rest the responders': each operation names its role.
RESPONDERS = RoleAuth("respond_to_alerts")
router = Router(tags=["alerts"])
# /open answers the whole list up to this many (as before it was paged, for any realistic
# number of open alerts); past it, a Link header names the rest.
OPEN_LIMIT = MAX_LIMIT
router.add_router("/gateway", gateway.router)


class RaisedOut(Schema):
    received: bool


class AlertOut(Schema):
    id: int
    kind: str
    status: str
    level: int
    is_drill: bool
    triggered_at: datetime
    acknowledged_at: datetime | None
    acknowledgements: int
    failed_deliveries: int = Field(
        description="People not reached by any delivery after every retry and fallback (a "
        "failed channel that another channel made up for is not counted)."
    )


class PastAlertOut(Schema):
    id: int
    kind: str
    status: str
    level: int
    is_drill: bool
    triggered_at: datetime
    first_acknowledged_at: datetime | None
    seconds_to_first_acknowledgement: int | None
    resolved_at: datetime | None

    @staticmethod
    def resolve_seconds_to_first_acknowledgement(alert: Any) -> int | None:
        first = alert.first_acknowledged_at  # annotated by selectors.history_alerts
        return None if first is None else int((first - alert.triggered_at).total_seconds())


@router.post(
    "/panic",
    response={201: RaisedOut, 404: ErrorOut},
    url_name="alerts_panic",
    auth=RoleAuth("view_own_case"),
)
def panic(request: HttpRequest) -> Any:
    """Raise a panic alert for the person linked to the caller's account."""
    person = selectors.own_person(request.user)
    if person is None:
        raise HttpError(404, gettext_noop("This account is not linked to a defender's file."))
    # As on the page: what cannot be raised here is raised by the worker, never refused.
    services.raise_panic(person, actor_id=request.user.pk)
    return Status(201, {"received": True})


class OpenQuery(Schema):
    limit: int = Field(
        OPEN_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description="The most alerts in one answer, newest first. When more are open, the "
        'answer\'s Link header names the next part (rel="next").',
    )
    after: str = Field(
        "",
        max_length=500,
        description="Where to go on from: the cursor in the previous answer's Link header.",
    )


_NEXT_LINK = {
    "Link": {
        "description": "Only when more alerts are open than this answer holds: "
        '`<URL>; rel="next"`, the address of the next (older) ones.',
        "schema": {"type": "string"},
    }
}


@router.get(
    "/open",
    response={200: list[AlertOut], 400: ErrorOut},
    url_name="alerts_open",
    auth=RESPONDERS,
    openapi_extra={"responses": {200: {"headers": _NEXT_LINK}}},
)
def open_alerts(request: HttpRequest, response: HttpResponse, query: Query[OpenQuery]) -> Any:
    """Open and acknowledged alerts the caller may see, newest first: at most `limit` (1,000
    unless asked), and a Link header to the next ones when more are open. The body is the
    same list as before it was paged; a flood of ten thousand open alerts had made one call
    read them all (2 s)."""
    if query.after and not selectors.open_cursor_valid(query.after):
        raise HttpError(400, gettext_noop("This cursor was not made by this list."))
    page = selectors.open_page(request.user, after=query.after, size=query.limit)
    if page.has_next:
        more = urlencode({"limit": query.limit, "after": page.next_cursor})
        response["Link"] = f'<{request.path}?{more}>; rel="next"'
    return [
        {
            "id": row.alert.pk,
            "kind": row.alert.kind,
            "status": row.alert.status,
            "level": row.alert.level,
            "is_drill": row.alert.is_drill,
            "triggered_at": row.alert.triggered_at,
            "acknowledged_at": row.alert.acknowledged_at,
            "acknowledgements": len(row.acknowledgements),
            "failed_deliveries": row.failures,
        }
        for row in selectors.console_rows(page.object_list)
    ]


@router.get("/history", response=list[PastAlertOut], url_name="alerts_history", auth=RESPONDERS)
@paginate(Pages, max_limit=100)
def alert_history(request: HttpRequest) -> Any:
    """Every alert the caller may see, newest first, with the time from its trigger to its
    first acknowledgement (null when nobody acknowledged). Outcomes stay on the web page."""
    return selectors.history_alerts(request.user)
