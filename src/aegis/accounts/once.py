"""A form that makes a record is sent once. A double click on Save, a reload of the answer or
Back and Save again had made two grants, two alerts, two notes: pages without JavaScript
cannot disable the button. The form carries a one-time token (`{% sent_once %}`, a builtin
tag); `SentOnceMiddleware` claims it before the view runs. A token already claimed is led where
the first sending's answer led, with a word that nothing was done twice; a sending that
ended without a redirect (the form shown again with its errors, or a failure) gives its token
back, so that the form can be corrected and sent. A view whose answer is a page shown once
(a new API token) names where a second sending is led instead (`lead_again_to`)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from aegis import clock
from aegis.access import URLENCODED

from .models import SentForm

logger = logging.getLogger(__name__)

FIELD = "sent_once"
KEPT = timedelta(days=1)
# How long a second sending waits for the first to finish before it answers without it.
WAIT_SECONDS = 10.0


def field() -> SafeString:
    """The hidden input a form sends its token in: a new token each time a page is drawn."""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', FIELD, secrets.token_urlsafe(18)
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _claimed(digest: str) -> bool:
    """Claim the token; False where it was claimed before."""
    now = clock.now()
    try:
        with transaction.atomic():
            SentForm.objects.create(digest=digest, sent_at=now)
    except IntegrityError:
        return False
    SentForm.objects.filter(sent_at__lt=now - KEPT).delete()
    return True


def _location(digest: str) -> str | None:
    """Where the first sending's answer led: "" while it runs, None where it gave the token
    back (or was never claimed)."""
    return SentForm.objects.filter(digest=digest).values_list("location", flat=True).first()


def _run_once(
    request: HttpRequest, token: str, respond: Callable[[], HttpResponse]
) -> HttpResponse:
    digest = _digest(token)
    waited = 0.0
    try:
        claimed = _claimed(digest)
    except DatabaseError:
        # No table to claim it in (a database not migrated since this came): the form is
        # taken as before, rather than refused with a server error.
        logger.warning("A form's one-time token could not be claimed: is the database migrated?")
        return respond()
    while not claimed:
        location = _location(digest)
        if location or waited >= WAIT_SECONDS:
            messages.info(
                request, _("This form had already been sent, so nothing was done a second time.")
            )
            return HttpResponseRedirect(location or request.get_full_path())
        if location == "":  # the first sending is still running: wait for its answer
            time.sleep(0.2)
            waited += 0.2
        # None: the first gave the token back (its form came back with errors): this one is
        # claimed and runs, as a sending of its own.
        claimed = _claimed(digest)
    response: HttpResponse | None = None
    try:
        response = respond()
    finally:
        lead: str | None = (
            response["Location"]
            if isinstance(response, HttpResponseRedirect)
            else getattr(response, LEAD_AGAIN, None)
        )
        if lead:
            SentForm.objects.filter(digest=digest).update(location=lead)
        else:
            SentForm.objects.filter(digest=digest).delete()
    return response


LEAD_AGAIN = "sent_once_lead_again_to"


def lead_again_to(response: HttpResponse, location: str) -> HttpResponse:
    """For a view that answers a form with a page of its own, shown once, rather than a
    redirect (a new API token): the form's work is done, and a second sending is led to
    `location`, not made again."""
    setattr(response, LEAD_AGAIN, location)
    return response


def run(request: HttpRequest, respond: Callable[[], HttpResponse]) -> HttpResponse:
    """For an upload form's view, whose multipart body the middleware leaves alone: the same,
    once the view has had it read tolerantly (files.handlers.read_form_body). A public form
    calls it once it knows the sender (a reporter's open thread), so that a stranger's made-up
    tokens keep no rows."""
    token = request.POST.get(FIELD, "") if request.method == "POST" else ""
    return _run_once(request, token, respond) if token else respond()


class SentOnceMiddleware:
    """Runs a form sent with a token once per token (see the module). Only forms sent as
    application/x-www-form-urlencoded are read here: reading a multipart body before its view
    would consume what an upload view reads itself when the body is too large to parse."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = ""
        # Only a signed-in person's forms: a stranger's POST answered by a redirect to the
        # sign-in page would otherwise keep a row for every token made up.
        signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
        if signed_in and request.method == "POST" and request.content_type == URLENCODED:
            with contextlib.suppress(RequestDataTooBig, TooManyFieldsSent):
                token = request.POST.get(FIELD, "")
        if not token:
            return self.get_response(request)
        return _run_once(request, token, lambda: self.get_response(request))
