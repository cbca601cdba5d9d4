"""Webhooks for the SMS gateway, mounted at /api/v1/alerts/gateway/: messages defenders
send (the panic keyword, a duress word) and delivery reports of the messages we sent.

No user signs these requests: the gateway sends `Authorization: Bearer <secret>`, the
secret being AEGIS_SMS_WEBHOOK_SECRET, compared in constant time. Without the header the
answer is 401; with a wrong secret, a user's API token, or while the setting is empty or
shorter than 32 characters, 403 (a secret too long to guess, since a guesser is not slowed).
An inbound message gets the same answer whether or not its number belongs to anyone, and
the number is never stored or logged."""

from __future__ import annotations

import hmac
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from aegis.api_schemas import ErrorOut, InputSchema

from . import checkins, reports


class GatewaySecret(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if checkins.webhook_secret_too_short():
            raise HttpError(403, TOO_SHORT)
        secret = checkins.webhook_secret()
        if not secret or not hmac.compare_digest(token.encode(), secret.encode()):
            raise HttpError(403, gettext_noop("This is not the SMS gateway's secret."))
        return True


TOO_SHORT = gettext_noop(
    "The SMS gateway's secret set on this server is shorter than 32 characters, so the "
    "gateway's addresses refuse everything: set AEGIS_SMS_WEBHOOK_SECRET to a longer one."
)


router = Router(tags=["sms gateway"], auth=GatewaySecret())


class InboundIn(InputSchema):
    # A panic text is never refused for what a phone or gateway put in it.
    refuses_control_characters = False

    sender: str = Field(alias="from", max_length=40)
    text: str = Field(max_length=1600)
    id: str = Field("", max_length=200, description="The gateway's message id, if it has one.")


class ReportIn(InputSchema):
    refuses_control_characters = False  # "others change nothing", whatever they hold

    ref: str = Field(max_length=400)
    status: str = Field(
        max_length=32, description='"delivered" or "failed"; others change nothing.'
    )


class ReceivedOut(Schema):
    received: bool


@router.post("/inbound", response=ReceivedOut, url_name="alerts_gateway_inbound")
def inbound(request: HttpRequest, payload: InboundIn) -> Any:
    """An SMS to the organisation's number. The panic keyword (AEGIS_SMS_PANIC_KEYWORD,
    "HELP" by default) or the sender's duress word raises an alert for the defender whose
    file has that number; the answer is the same in every case."""
    checkins.sms_received(payload.sender, payload.text, payload.id)
    return {"received": True}


@router.post(
    "/report", response={200: ReceivedOut, 404: ErrorOut}, url_name="alerts_gateway_report"
)
def report(request: HttpRequest, payload: ReportIn) -> Any:
    """A delivery report for a message we sent, naming it by the signed `ref` it carried."""
    if not reports.record_signed(payload.ref, payload.status):
        raise HttpError(404, gettext_noop("There is no message with this reference."))
    return {"received": True}
