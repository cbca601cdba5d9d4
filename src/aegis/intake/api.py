"""Public API for intake (a future mobile client), mounted at /api/v1/intake/. No account:
the receipt code travels in the request body, never in the URL (URLs end up in logs)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any, Literal

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.decorators.cache import never_cache
from ninja import Field, Router, Schema, Status
from ninja.decorators import decorate_view

from aegis.api_schemas import ErrorOut, InputSchema, OneLine, requires, when_given
from aegis.rules import named_as
from aegis.vault.keychain import unlocked

from . import flood, selectors, services
from .vocabulary import PerpetratorType, TargetKind

router = Router(tags=["intake"])


class ReporterContactIn(InputSchema):
    name: OneLine = Field("", max_length=services.LINE_MAX)
    phone: OneLine = Field("", max_length=services.LINE_MAX)
    email: OneLine = Field("", max_length=services.LINE_MAX)
    preferred_channel: OneLine = Field(
        "", max_length=services.LINE_MAX, description="How the reporter prefers to be reached."
    )


class WhenIn(InputSchema):
    """As precisely as known: a year alone, a month of a year, or a day; or approximate."""

    year: int | None = Field(None, ge=services.EARLIEST_YEAR, le=9999)
    month: int | None = Field(None, ge=1, le=12, description="Only with the year.")
    day: int | None = Field(None, ge=1, le=31, description="Only with the month.")
    approximate: bool = False

    conditions = (
        when_given("month", requires("year", {"type": "integer"})),
        when_given("day", requires("month", {"type": "integer"})),
    )


class SubmissionIn(InputSchema):
    narrative: str = Field(
        ...,
        min_length=1,
        max_length=services.NARRATIVE_MAX,
        description="What happened, in the reporter's words.",
    )
    target_kind: TargetKind = Field(..., description="Who was targeted.")
    perpetrator_type: PerpetratorType = PerpetratorType.UNKNOWN
    anonymous: bool = Field(True, description="False only when contact details are given.")
    contact: ReporterContactIn | None = None
    when: WhenIn | None = None
    country: str = Field("", description="ISO 3166-1 alpha-2 code, e.g. CO.")
    region: str = Field("", description="First-level ISO 3166-2 code, e.g. CO-ANT.")
    place_details: str = Field(
        "", max_length=services.PLACE_MAX, description="Free text; stored encrypted."
    )
    language: Literal["en", "es", "fr", "ar"] = "en"


class ReceiptOut(Schema):
    receipt_code: str = Field(
        ..., description="Shown once. It opens the follow-up thread; keep it safe."
    )
    received_at: datetime.datetime


class CodeIn(InputSchema):
    code: str = Field(..., description="The receipt code; case, spaces and dashes do not matter.")


class MessageIn(CodeIn):
    body: str = Field(
        ...,
        min_length=1,
        max_length=services.MESSAGE_MAX,
        description="The reporter's message to the protection team.",
    )


class ThreadFileOut(Schema):
    name: str
    content_type: str
    size: int


class ThreadMessageOut(Schema):
    sender: Literal["reporter", "staff"]
    body: str
    sent_at: datetime.datetime
    files: list[ThreadFileOut]


class ThreadOut(Schema):
    received_at: datetime.datetime
    files: list[ThreadFileOut]
    messages: list[ThreadMessageOut]


class IntakeErrorOut(ErrorOut):
    """A refusal, naming the input at fault where there is one."""

    field: str | None = Field(None, description="The input the message is about.")


# The service names the form's inputs; a refusal names the body's ("contact.phone").
API_FIELDS = {
    **{f"contact_{name}": f"contact.{name}" for name in ("name", "phone", "email")},
    "contact_channel": "contact.preferred_channel",
    **{f"when_{part}": f"when.{part}" for part in ("year", "month", "day", "approximate")},
}


def _while_accepting(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """After a wipe, until the instance is set up again: 503 and the neutral sentence of the
    public pages, before the body is read; nothing is written."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            services.require_accepting()
            return run(request, *args, **kwargs)
        except services.NotAccepting as closed:
            return JsonResponse({"detail": str(closed.MESSAGE)}, status=503)

    return wrapper


@decorate_view(_while_accepting, never_cache)  # a receipt code, a thread: kept nowhere
@router.post(
    "/submissions",
    auth=None,
    response={201: ReceiptOut, 400: IntakeErrorOut, 503: IntakeErrorOut},
    url_name="intake_submit",
    summary="Send a report (no account needed)",
)
def submit(request: HttpRequest, payload: SubmissionIn) -> Any:
    contact = payload.contact or ReporterContactIn.model_validate({})
    when = payload.when or WhenIn.model_validate({})
    report = services.Report(
        narrative=payload.narrative,
        target_kind=str(payload.target_kind),
        perpetrator_type=str(payload.perpetrator_type),
        anonymous=payload.anonymous,
        contact_name=contact.name,
        contact_phone=contact.phone,
        contact_email=contact.email,
        contact_channel=contact.preferred_channel,
        when=services.When(when.year, when.month, when.day, when.approximate),
        country=payload.country,
        region=payload.region,
        place_details=payload.place_details,
        language=payload.language,
    )
    with named_as(API_FIELDS):
        receipt = services.submit_report(report)
    return Status(201, {"receipt_code": receipt.code, "received_at": receipt.received_at})


def _thread(access: Any) -> dict[str, Any]:
    submission, chain = services.reporter_keychain(access)
    with unlocked(chain):
        thread = selectors.reporter_thread(submission)

    def files(items: list[Any]) -> list[dict[str, Any]]:
        return [{"name": f.name, "content_type": f.content_type, "size": f.size} for f in items]

    return {
        "received_at": thread.received_at,
        "files": files(thread.files),
        "messages": [
            {"sender": m.sender, "body": m.body, "sent_at": m.created_at, "files": files(m.files)}
            for m in thread.messages
        ],
    }


def _open(code: str) -> Any:
    """The thread access, or the error Status (one answer for every kind of wrong code)."""
    try:
        return services.open_receipt(code)
    except flood.TooManyAttempts as refused:
        return Status(429, {"detail": str(refused.MESSAGE)})
    except services.ReceiptRefused as refused:
        return Status(404, {"detail": str(refused.MESSAGE)})


@decorate_view(_while_accepting, never_cache)  # a receipt code, a thread: kept nowhere
@router.post(
    "/follow-up",
    auth=None,
    response={200: ThreadOut, 404: IntakeErrorOut, 429: IntakeErrorOut, 503: IntakeErrorOut},
    url_name="intake_follow_up",
    summary="Read the thread of a report with its receipt code",
)
def follow_up(request: HttpRequest, payload: CodeIn) -> Any:
    access = _open(payload.code)
    if isinstance(access, Status):
        return access
    return _thread(access)


@decorate_view(_while_accepting, never_cache)  # a receipt code, a thread: kept nowhere
@router.post(
    "/follow-up/messages",
    auth=None,
    response={
        201: ThreadOut,
        400: IntakeErrorOut,
        404: IntakeErrorOut,
        429: IntakeErrorOut,
        503: IntakeErrorOut,
    },
    url_name="intake_follow_up_message",
    summary="Add a reporter's message to the thread",
)
def add_message(request: HttpRequest, payload: MessageIn) -> Any:
    access = _open(payload.code)
    if isinstance(access, Status):
        return access
    services.add_reporter_message(access, payload.body)
    return Status(201, _thread(access))
