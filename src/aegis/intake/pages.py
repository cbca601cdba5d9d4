"""Public pages that are the same for everyone, rendered once and filled in per request.

An empty report form differs between two visitors only in its CSRF token and form token, and
a receipt page only in the code and the CSRF token. Rendering them through the template
engine each time costs more than the rest of an anonymous report except Argon2id, so they
are rendered once per language, address and relevant setting, with placeholders that are
replaced per request. Pages carrying messages, errors or typed text are never cached."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import get_language

CSRF_PLACEHOLDER = "csrfAEGISPLACEHOLDERcsrf"
MAX_PAGES = 256
_pages: dict[tuple[Any, ...], str] = {}


def _settings_key() -> tuple[Any, ...]:
    names = ("ORGANISATION_NAME", "AEGIS_MAX_UPLOAD_MB", "AEGIS_INTAKE_MAX_FILES")
    return tuple(getattr(settings, name, None) for name in (*names, "AEGIS_RECEIPT_DAYS"))


def render_shared(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    fill: Mapping[str, str],
    status: int = 200,
) -> HttpResponse:
    """Render `template` once per (language, path, settings); `context` holds placeholders
    where this request's values go, and `fill` maps each placeholder to its value (ASCII
    without markup, so no escaping is involved). The CSRF token is filled in the same way.
    Pages with messages waiting are rendered afresh and not kept."""
    token = get_token(request)  # also makes the response set the CSRF cookie
    page: str
    if len(messages.get_messages(request)):
        page = render_to_string(template, context, request)
    else:
        key = (template, get_language(), request.get_full_path(), _settings_key())
        page = _pages.get(key) or _keep(
            key, render_to_string(template, {**context, "csrf_token": CSRF_PLACEHOLDER}, request)
        )
        page = page.replace(CSRF_PLACEHOLDER, token)
    for placeholder, value in fill.items():
        page = page.replace(placeholder, value)
    return HttpResponse(page, status=status)


def _keep(key: tuple[Any, ...], page: str) -> str:
    if len(_pages) >= MAX_PAGES:
        _pages.clear()
    _pages[key] = page
    return page


def forget() -> None:
    _pages.clear()


# --- The language chooser sent with a page's form -------------------------------------------
# Without JavaScript the header's chooser is a form of its own, sent to set_language: what had
# been typed on the page was lost. Where a page has a form (the report, a message to the
# team), the chooser's list and button belong to that form (HTML's form attribute, see
# public_base.html), so the page comes back in the chosen language with what was typed.

LANGUAGE_BUTTON = "switch_language"


def language_chosen(request: HttpRequest) -> str | None:
    """The language chosen with the page's form, made the request's own; None where the form
    was sent by another button. A language the site does not offer keeps the current one."""
    if LANGUAGE_BUTTON not in request.POST:
        return None
    chosen = request.POST.get("language", "")
    if chosen not in dict(settings.LANGUAGES):
        chosen = get_language() or settings.LANGUAGE_CODE
    translation.activate(chosen)
    return chosen


def keep_language(response: HttpResponse, language: str) -> HttpResponse:
    """The language cookie, as set_language sets it, so that the next page is in it too."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
