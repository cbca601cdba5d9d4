"""The staff shell: dashboard of areas, health check."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from .access import public, requires, written_in
from .areas import DEMO_MAIL_PERMISSIONS, areas_for
from .demo_gateway import caught_texts
from .demo_mail import caught
from .intake import views as intake_views
from .vault import selectors as vault_selectors
from .visits import for_api
from .work_queue import items_for


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 page without the CSRF check its own handler runs first: a form sent in
    an encoding Django refuses (charset=utf-16) failed that check again inside the handler,
    so the 400 became a 500. The page needs no token: it takes nothing. A call to the API
    gets JSON in words: 413 for a body past the size Django reads (it had been this page),
    and what could not be read in a multipart body (a file name over a kilobyte, too many
    fields or files, a missing boundary) said, where it had been "What was sent could not be
    read". The pages' own upload forms read such bodies themselves and show the form again
    (aegis.files.handlers.read_form_body); this page says the same of any other form."""
    reason = _unread_reason(exception)
    if for_api(request):
        if isinstance(exception, RequestDataTooBig):
            limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            message = _("The request is too large: the API reads %(limit)s at most.")
            return JsonResponse({"detail": message % {"limit": limit}}, status=413)
        detail = reason or _("What was sent could not be read") + "."
        return JsonResponse({"detail": detail}, status=400)
    return render(request, "400.html", {"reason": reason}, status=400)


def _unread_reason(exception: Exception | None) -> str | None:
    """What in a body Django refused could not be read, in words; None where it is not known."""
    if isinstance(exception, TooManyFieldsSent):
        return _(
            "The request has more than %(count)s fields: send fewer at once. Nothing was stored."
        ) % {"count": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    if isinstance(exception, TooManyFilesSent):
        return _(
            "The request has more than %(count)s files: send fewer at once. Nothing was stored."
        ) % {"count": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    if isinstance(exception, MultiPartParserError) and "header size" in str(exception):
        # Django: "Request max total header size exceeded."
        return _(
            "A part of the multipart body has headers over a kilobyte, most often a file "
            "name that long: give the file a shorter name and send it again. Nothing was "
            "stored."
        )
    if isinstance(exception, MultiPartParserError):
        return _(
            "The multipart body could not be read: its boundary is missing or invalid, or a "
            "part is in an encoding it cannot take. Send it as multipart/form-data with the "
            "boundary its parts are separated by. Nothing was stored."
        )
    return None


# The forms whose refusal page names what was not done, and the page to open again.
CSRF_UNSENT = {"alerts:panic": "panic", "alerts:checkin": "checkin"}
# The public forms a defender may take long to fill in: refused for their cookie or token,
# they are shown again with what was typed and a fresh token (None: the page below).
CSRF_SHOWN_AGAIN: dict[str, Callable[[HttpRequest], HttpResponse | None]] = {
    "intake:report": intake_views.report_not_checked,
    "intake:follow-up": intake_views.follow_up_not_checked,
}


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {"written": written_in(request)}, status=404)


def not_allowed(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"written": written_in(request)}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent without the cookie it came with (a new Tor identity,
    cleared cookies) says so in the reader's language, and that nothing was sent. Django's
    own page had been English, unstyled, and silent about the report. The panic and
    check-in forms say what was not done in their own words: a defender must never believe
    help is coming when it is not. The public report and follow-up forms, which take long to
    fill in, come back instead with what was typed, a fresh token and word that it was not
    sent (CSRF_SHOWN_AGAIN); every other form keeps this page."""
    match = getattr(request, "resolver_match", None)
    # Only for a missing or stale cookie or token ("CSRF cookie not set.", "CSRF token
    # from POST incorrect."): a post from another site ("Origin checking failed", "Referer
    # checking failed") is refused with the page below, its text shown nowhere.
    again = CSRF_SHOWN_AGAIN.get(match.view_name) if match is not None else None
    if again is not None and reason.startswith("CSRF "):
        response = again(request)
        if response is not None:
            add_never_cache_headers(response)  # it holds what was typed
            return response
    unsent = CSRF_UNSENT.get(match.view_name) if match is not None else None
    return render(request, "csrf_failure.html", {"unsent": unsent}, status=403)


@public
@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico wherever a page names no icon (the public form, printed
    sheets): the icon, not a 404 in the log of every visit."""
    # The file's own address, not its versioned one: a browser keeps a 301 for good.
    return HttpResponsePermanentRedirect(settings.STATIC_URL + "aegis/favicon.svg")


@requires("use_dashboard")
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard.html",
        {"areas": areas_for(request.user), "attention": items_for(request.user)},
    )


@public
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    keys = "unknown"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
        # After a wipe nothing can be read or sent until `aegis init`: a monitor must see it.
        keys = "wiped" if vault_selectors.wiped() else "ok"
    except Exception:
        database = "unavailable"
    status = 200 if database == keys == "ok" else 503
    answer = {"status": "ok" if status == 200 else "degraded", "database": database, "keys": keys}
    return JsonResponse(answer, status=status)


@public
@require_http_methods(["GET", "POST"])
def set_language(request: HttpRequest) -> HttpResponse:
    return i18n.set_language(request)


@requires(*DEMO_MAIL_PERMISSIONS)
@never_cache
@require_safe
def demo_mail(request: HttpRequest) -> HttpResponse:
    """What the demo's mail catcher caught; no such page outside `aegis demo`."""
    folder = settings.AEGIS_DEMO_MAIL_DIR
    if not folder:
        raise Http404
    texts = caught_texts(settings.AEGIS_DEMO_TEXT_DIR) if settings.AEGIS_DEMO_TEXT_DIR else []
    return render(request, "demo_mail.html", {"mails": caught(folder), "texts": texts})
